// `tomada journal verify [--from ISO] [--to ISO] [--json]`: checks the frame journal of the
// configured database (TOMADA_DATABASE_URL, TOMADA_JOURNAL_KEY). Exit code 0 when the chain holds
// and every transaction matches its frames, 1 when something was found, 2 for bad options or
// when there is no store to verify at this version's schema (nothing is created or migrated), or
// it could not be opened.
import { parseArgs } from 'node:util';
import { explainStoreError, loadConfig } from '../config.js';
import { openStore } from '../store/open.js';
import { StoreNotFound } from '../store/sql-store.js';
import { verifyJournal } from './verify-journal.js';
import { urlForLog } from '../url-for-log.js';

const USAGE = `Usage: tomada journal verify [--from ISO-TIME] [--to ISO-TIME] [--json]

Walks the frame journal's hash chain (the whole journal, or the frames received from --from up to
--to) and names the first broken link; then replays the journaled frames of each transaction and
names every transaction whose stored meter readings or energy no longer match them.
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
    const ms = Date.parse(raw);
    if (Number.isNaN(ms)) {
      process.stderr.write(`--${name} must be an ISO 8601 time, got "${raw}"\n`);
      return 2;
    }
    range[name] = new Date(ms).toISOString();
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
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      process.stdout.write(`${report.rowsChecked} journal rows checked: ${report.firstBrokenLink ? `BROKEN at row ${report.firstBrokenLink.seq}: ${report.firstBrokenLink.reason}` : 'chain intact'}\n`);
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
