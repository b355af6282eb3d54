// OCPP's integers: `int` in the 1.5 WSDL, 32 bits, and the width of the columns that keep them
// (connector, reservation and transaction ids). Checked on what charge points send and on what
// operators ask to be sent.
export const OCPP_INT_MIN = -2_147_483_648;
export const OCPP_INT_MAX = 2_147_483_647;
