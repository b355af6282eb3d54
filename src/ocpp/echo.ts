// Text a charge point sent, echoed in an error's description: cut short. A description is answered,
// logged and journaled, so a long action name, message type or property name echoed whole wrote
// the frame out three times more (a frame of 1 MiB: a log line of 1 MiB for each).

/** Characters of what was sent that a description keeps. */
const ECHO_MAX_CHARS = 64;

/** `text`, or its start (`max` characters) marked as cut, with its length. */
export function echoed(text: string, max = ECHO_MAX_CHARS): string {
  if (text.length <= max) return text;
  // Not between the two halves of a surrogate pair: a lone half is no text a store keeps.
  const high = text.charCodeAt(max - 1);
  const end = high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}
