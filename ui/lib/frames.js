// @ts-check
// Names a journaled frame by the OCPP message it carries, read from the frame itself; an OCPP-J
// answer is named after the CALL it answers when that CALL is among the rows.

/** @typedef {{frame: string, encoding: string, protocol: string}} FrameRow */

/** @param {FrameRow} row @returns {{name: string, callId?: string, answer?: string}} */
function read(row) {
  if (row.encoding !== 'utf8') return { name: 'binary frame' };
  if (row.protocol.endsWith('soap')) {
    // The WS-Addressing Action names the message, e.g. /BootNotification or /BootNotificationResponse.
    const action = /Action[^>]*>\s*([^<\s]+)\s*</.exec(row.frame)?.[1]?.split(/[/:]/).filter(Boolean).pop();
    if (/<(?:\w+:)?Fault[\s>]/.test(row.frame)) return { name: `SOAP fault${action ? ` (${action})` : ''}` };
    return { name: action ?? 'SOAP message' };
  }
  try {
    const frame = JSON.parse(row.frame);
    if (!Array.isArray(frame)) return { name: 'not an OCPP-J frame' };
    if (frame[0] === 2) return { name: String(frame[2]), callId: String(frame[1]) };
    if (frame[0] === 3) return { name: 'result', answer: String(frame[1]) };
    if (frame[0] === 4) return { name: `error ${String(frame[2])}`, answer: String(frame[1]) };
    return { name: 'unknown frame type' };
  } catch {
    return { name: 'unreadable frame' };
  }
}

/** @param {FrameRow[]} rows @returns {string[]} one name per row */
export function frameNames(rows) {
  const read_ = rows.map(read);
  const calls = new Map(read_.filter((r) => r.callId !== undefined).map((r) => [r.callId, r.name]));
  return read_.map((r) => (r.answer !== undefined && calls.has(r.answer) ? `${calls.get(r.answer)} ${r.name}` : r.name));
}
