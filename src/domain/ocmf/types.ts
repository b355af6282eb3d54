// The shapes of an OCMF data set (Open Charge Metering Format, S.A.F.E. e.V., revision 1.2):
// `OCMF|{payload}|{signature}`. Field names are the format's own keys, so a parsed message reads
// like the specification; readings.ts turns the readings into the domain's terms.

/** Reason for a reading (TX): Begin, Charging, eXception, End (or Local, Remote, Abort, Power failure), Suspended, Tariff change. */
export const TransactionMarkers = ['B', 'C', 'X', 'E', 'L', 'R', 'A', 'P', 'S', 'T'] as const;
export type TransactionMarker = (typeof TransactionMarkers)[number];

/** Meter state (ST): G is the only good one (N not present, T timeout, D disconnected, R removed, M manipulated, X exchanged, I incompatible, O out of range, S substitute, E other error, F read error). */
export const MeterStates = ['N', 'G', 'T', 'D', 'R', 'M', 'X', 'I', 'O', 'S', 'E', 'F'] as const;
export type MeterState = (typeof MeterStates)[number];

/** Units of a reading (RU): energies and the cable-loss resistances. */
export const ReadingUnits = ['kWh', 'Wh', 'mOhm', 'uOhm'] as const;
export type ReadingUnit = (typeof ReadingUnits)[number];

export const CurrentTypes = ['AC', 'DC'] as const;
export type CurrentType = (typeof CurrentTypes)[number];

/** Time status after TM: U unknown/unsynchronised, I informative clock, S synchronised, R relative (exact duration from an informative start). */
export const TimeSyncStates = ['U', 'I', 'S', 'R'] as const;
export type TimeSync = (typeof TimeSyncStates)[number];

/**
 * One reading (an RD entry) as it applies: OCMF omits a field that equals the previous reading's in
 * the same data set, so every field but RV is carried over from the reading before. A reading
 * without RV reports only an event (an error of the meter), not a value.
 */
export interface OcmfReading {
  TM: string;
  TX?: TransactionMarker;
  RV?: number;
  RI?: string;
  RU?: ReadingUnit;
  RT?: CurrentType;
  CL?: number;
  EF?: string;
  ST: MeterState;
}

export interface OcmfPayload {
  FV?: string;
  GI?: string;
  GS?: string;
  GV?: string;
  /** Pagination: a context letter (T transaction, F fiscal) and that context's counter, e.g. `T12`. */
  PG: string;
  MV?: string;
  MM?: string;
  MS: string;
  MF?: string;
  IS?: boolean;
  IL?: string;
  IF?: string[];
  IT?: string;
  ID?: string;
  TT?: string;
  CCV?: string;
  CT?: string;
  CI?: string;
  RD: OcmfReading[];
}

export interface OcmfSignature {
  /** Signature algorithm; `ECDSA-secp256r1-SHA256` when the data set does not say. */
  SA: string;
  SE: 'hex' | 'base64';
  /** Signature MIME type; `application/x-der` when the data set does not say. */
  SM: string;
  SD: string;
}

export interface OcmfMessage {
  /** The whole OCMF string, as received. */
  text: string;
  /** The payload section exactly as received: the signature covers the UTF-8 of this text. */
  payloadText: string;
  /** The signature section exactly as received. */
  signatureText: string;
  payload: OcmfPayload;
  signature: OcmfSignature;
}

export interface OcmfError {
  error: string;
}
