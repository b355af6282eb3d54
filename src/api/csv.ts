// CSV lines as RFC 4180 has them: fields separated by commas, lines ended by CRLF, a field quoted
// when it holds a comma, a quote, a line break or edge spaces, and its quotes doubled. Values are
// written as they are: nothing is dropped or rewritten (see docs/OPERATOR.md on spreadsheets).

export type CsvValue = string | number | boolean | null | undefined;

function field(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(field).join(',')}\r\n`;
}
