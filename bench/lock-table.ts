// How many entries of PostgreSQL's shared lock table one node's batches take, and what the charge
// points get when that table is full ("out of shared memory", SQLSTATE 53200). Every charge point
// sends one StatusNotification in the same turn, as after a reconnection storm, through the
// store's real path (its frames, an early unit, its answer), so the group committers run batches
// of up to 500 units; meanwhile another connection samples how many locks the server holds.
//
//   node --import tsx bench/lock-table.ts [--url postgres://…] [--charge-points 2000] [--pool 10]
//
// Point --url at a server of your own started with a small lock table to see it fill, e.g.
// `-c max_locks_per_transaction=10 -c max_connections=20` (about 900 entries with its slack):
// never at a shared server, whose other users would fail with it. It makes a schema of its own
// and drops it at the end.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { newChargePoint } from '../src/domain/registry.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { PART_OF_CALL } from '../src/store/store.js';
import { DEFAULT_DATABASE_URL, freshSchema } from './lib/pg-schema.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.TOMADA_TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL },
    'charge-points': { type: 'string', default: '2000' },
    pool: { type: 'string', default: '10' },
  },
});
const count = Number(values['charge-points']);
const ids = Array.from({ length: count }, (_, i) => `LT-${i}`);

const frame = (chargePointId: string, text: string) => ({
  at: new Date().toISOString(),
  chargePointId,
  direction: 'in' as const,
  protocol: 'ocpp1.6-json',
  frame: Buffer.from(text),
});

const schema = await freshSchema(values.url, 'tomada_locks');
const sampler = new pg.Client({ connectionString: schema.baseUrl });
await sampler.connect();
try {
  const warnings: string[] = [];
  const store = await openPostgresStore(schema.url, {
    poolSize: Number(values.pool),
    log: { info: () => undefined, warn: (_detail, message) => warnings.push(message), error: () => undefined },
  });
  const { rows: settings } = await sampler.query<{ name: string; setting: string }>(
    `select name, setting from pg_settings where name in ('max_locks_per_transaction', 'max_connections', 'max_prepared_transactions')`,
  );
  await store.transact(async (tx) => {
    for (const id of ids) await tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString()));
  });

  // Every lock on the server, and those in its shared table (the rest are each backend's fast-path slots).
  let peak = 0;
  let peakShared = 0;
  let sampling = true;
  const sampled = (async () => {
    while (sampling) {
      const { rows } = await sampler.query<{ n: number; shared: number }>('select count(*)::int as n, count(*) filter (where not fastpath)::int as shared from pg_locks');
      peak = Math.max(peak, rows[0]!.n);
      peakShared = Math.max(peakShared, rows[0]!.shared);
    }
  })();

  const errors = new Map<string, number>();
  const outcomes = await Promise.all(
    ids.map(async (id) => {
      const message = {};
      const text = `[2,"1","StatusNotification",{"connectorId":1,"status":"Available","errorCode":"NoError"}]`;
      let answer = '[3,"1",{}]';
      try {
        await store.withFrames([frame(id, text)], message, () =>
          store.transact((tx) => tx.recordStatus(id, { connectorId: 1, status: 'Available', errorCode: 'NoError' }, new Date().toISOString(), '9999-12-31T23:59:59.999Z'), id, PART_OF_CALL),
        );
      } catch (error) {
        answer = `[4,"1","InternalError","${(error as { code?: string }).code ?? ''}",{}]`;
      }
      try {
        await store.journalAnswer([{ ...frame(id, answer), direction: 'out' as const }], message);
      } catch (error) {
        const code = (error as { code?: string }).code ?? String(error);
        errors.set(code, (errors.get(code) ?? 0) + 1);
        return 'unanswered';
      }
      return answer.startsWith('[3') ? 'accepted' : 'refused';
    }),
  );
  sampling = false;
  await sampled;
  await store.close();

  const tally = (what: string) => outcomes.filter((outcome) => outcome === what).length;
  const stored = await schema.count(`select count(distinct charge_point_id) as n from {schema}.connector_status_history`);
  const journaledIn = await schema.count(`select count(*) as n from {schema}.frame_journal where direction = 'in'`);
  console.log(Object.fromEntries(settings.map((row) => [row.name, row.setting])));
  console.log(`${count} charge points, pool ${values.pool}: ${tally('accepted')} acknowledged, ${tally('refused')} answered InternalError, ${tally('unanswered')} left unanswered`);
  if (errors.size > 0) console.log('unanswered for', Object.fromEntries(errors));
  console.log(`stored: ${stored} charge points' status, ${journaledIn} inbound frames journaled; peak of pg_locks on the server: ${peak}, of them in its shared lock table: ${peakShared}`);
  if (warnings.length > 0) console.log('warnings:', warnings);
} finally {
  await sampler.end();
  await schema.drop();
}
