// `tomada journal verify [--from ISO] [--to ISO] [--json]`: checks the frame journal of the
// configured database (TOMADA_DATABASE_URL, TOMADA_JOURNAL_KEY). Exit code 0 when the chain holds
// and every transaction matches its frames, 1 when something was found, 2 when nothing was
// verified: bad options (a --from or --to that is not an RFC 3339 time with an offset, a --from not
// before --to), no store to verify at this version's schema (nothing is created or migrated), a
// store that could not be opened, or a range that holds no journal row.
import { parseArgs } from 'node:util';
import { explainStoreError, loadConfig } from '../config.js';
import { openStore } from '../store/open.js';
import { StoreNotFound } from '../store/sql-store.js';
import { verifyJournal } from './verify-journal.js';
import { isDateTime } from '../ocpp/date-time.js';
import { urlForLog } from '../url-for-log.js';

const USAGE = `Usage: tomada journal verify [--from TIME] [--to TIME] [--json]

Walks the frame journal's hash chain (the whole journal, or the frames received from --from up to
--to) and names the first broken link; then replays the journaled frames of each transaction and
names every transaction whose stored meter readings or energy no longer match them.
TIME is an RFC 3339 time with its offset, as 2026-12-01T00:00:00Z or 2026-12-01T01:00:00+01:00.
Exit code 0: all holds; 1: something was found; 2: nothing was verified (bad options, no store,
or no journal row in the range).
`;

export async function journalCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (sub !== 'verify') {
    process.stderr.write(sub === undefined ? USAGE : `Unknown journal command "${sub}"\n\n${USAGE}`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const range: { from?: string; to?: string } = {};
  for (const name of ['from', 'to'] as const) {
    const raw = values[name];
    if (raw === undefined) continue;
    // The operator API's own check: Date.parse took "1" for the year 2001, and a time without an
    // offset in the machine's zone, and the range then checked nothing, "chain intact", exit 0.
    if (!isDateTime(raw)) {
      process.stderr.write(`--${name} must be an RFC 3339 time with an offset (2026-12-01T00:00:00Z, 2026-12-01T01:00:00+01:00), got "${raw}"\n`);
      return 2;
    }
    range[name] = new Date(Date.parse(raw)).toISOString();
  }
  if (range.from !== undefined && range.to !== undefined && range.from >= range.to) {
    process.stderr.write(`--from (${values.from}) must be before --to (${values.to}): the range holds no time\n`);
    return 2;
  }
  const config = loadConfig();
  let store;
  try {
    // As it is: a path that holds nothing, opened as a node opens it, became an empty store whose
    // journal was reported intact.
    store = await openStore(config.databaseUrl, { journalKey: config.journalKey, existingOnly: true });
  } catch (error) {
    // Exit 2 whatever kept the store from opening: exit 1 says something was found in the journal,
    // and a database that did not answer was exit 1.
    if (!(error instanceof StoreNotFound)) {
      const explained = explainStoreError(error, 'TOMADA_DATABASE_URL');
      process.stderr.write(`Nothing was verified: ${explained instanceof Error ? explained.message : String(explained)}\n`);
      return 2;
    }
    process.stderr.write(`Nothing was verified: ${error.message}. TOMADA_DATABASE_URL names the store to verify (now ${urlForLog(config.databaseUrl)}).\n`);
    return 2;
  }
  try {
    const report = await verifyJournal(store, { ...range, journalKey: config.journalKey });
    // A range no row was received in walked nothing and judged nothing: "chain intact" with exit 0
    // read as a verified month (a range in the future, a year mistyped).
    if ((range.from !== undefined || range.to !== undefined) && report.rowsChecked === 0) {
      process.stderr.write(`Nothing was verified: the journal holds no row received ${rangeText(range)}.\n`);
      return 2;
    }
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const chain = report.firstBrokenLink ? `BROKEN at row ${report.firstBrokenLink.seq}: ${report.firstBrokenLink.reason}` : report.rowsChecked === 0 ? 'the journal is empty' : 'chain intact';
      process.stdout.write(`${report.rowsChecked} journal rows checked: ${chain}\n`);
      if (report.head) process.stdout.write(`head: row ${report.head.seq}, hash ${report.head.hash}\n`);
      process.stdout.write(`${report.transactionsChecked} transactions replayed from their frames: ${report.mismatches.length === 0 ? 'all match' : `${report.mismatches.length} do not match`}\n`);
      // Each reason carries its own figures (a meterStop's, an energy's…).
      for (const m of report.mismatches) process.stdout.write(`  transaction ${m.transactionId}: ${m.reason}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

function rangeText(range: { from?: string; to?: string }): string {
  if (range.from !== undefined && range.to !== undefined) return `from ${range.from} up to ${range.to}`;
  return range.from !== undefined ? `at or after ${range.from}` : `before ${range.to}`;
}
