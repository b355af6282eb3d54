// Migration 0025: at most one running validation campaign per charge point, across every node on
// the database. The check was a set in each node's memory; a SOAP charge point's campaign can be
// started from any node while no node holds it, and two starts reaching two nodes both ran.
//
// A partial unique index over the running campaigns' charge point rather than a claim table: the
// claim is then the record's own `status`, so every way a campaign ends (its own end, a cancel, a
// node's stop, the other nodes closing a lost node's campaigns, a node closing its previous run's
// at its start) frees the charge point in the same write, and no claim can outlive its campaign or
// be missing from it. Both SQLite and PostgreSQL have partial unique indexes.
import { sql, type Kysely, type Migration } from 'kysely';
import type { LeftRunning, Validation } from '../domain/validation/types.js';

const ENDED = new Set(['pass', 'fail', 'skipped', 'manual']);

interface RunningRow {
  id: string;
  charge_point_id: string;
  data: string;
}

/**
 * Written out here rather than taken from campaign.ts's closing of interrupted campaigns: the
 * store imports nothing of ours but domain types, and a migration must keep doing what it did when
 * it was written, whatever the campaigns' code becomes.
 *
 * A store may hold several running campaigns of one charge point (two nodes started them): the
 * first started keeps running, the others are closed as an interrupted campaign is (cancelled,
 * incomplete, open cases skipped, a `validationFinished` event), saying why. A node of the earlier
 * version still running one of them finds its record closed at its next save and stops there, its
 * wrap-up stopping its sessions, as when another node judged it lost (docs/OPERATIONS.md, "Upgrading").
 */
async function closeExtra(db: Kysely<any>, row: RunningRow, kept: string): Promise<void> {
  const v = JSON.parse(row.data) as Validation;
  const at = new Date().toISOString();
  const reason = `closed by migration 0025: campaign ${kept} was already running on this charge point, which runs one campaign at a time`;
  for (const item of v.cases) {
    if (!ENDED.has(item.status)) Object.assign(item, { status: 'skipped', reason, prompt: null, action: null, finishedAt: at });
  }
  // Its card's sessions still open, as a lost node's campaign names them (campaign.ts,
  // campaignSessions): noted, so they are stopped at the charge point's return unless its node,
  // still running, stops them first (then they are settled as ended at that return).
  const open = await db
    .selectFrom('transactions')
    .select(['id', 'connector_id', 'id_tag', 'started_at'])
    .where('charge_point_id', '=', v.chargePointId)
    .where('stopped_at', 'is', null)
    .execute();
  const since = Date.parse(v.startedAt);
  const leftRunning: LeftRunning[] = (open as { id: number | string; connector_id: number; id_tag: string; started_at: string }[])
    .filter((t) => t.id_tag.toUpperCase() === v.idTag.toUpperCase() && (t.connector_id === v.connectorId || Date.parse(t.started_at) >= since))
    .map((t) => ({ transactionId: Number(t.id), connectorId: t.connector_id, reason: `the campaign was ${reason}: no remote stop was sent` }));
  const counts = { pass: 0, fail: 0, skipped: 0, manual: 0, pending: 0 };
  for (const item of v.cases) counts[ENDED.has(item.status) ? (item.status as keyof typeof counts) : 'pending'] += 1;
  delete v.cancelling;
  Object.assign(v, {
    status: 'cancelled',
    verdict: 'incomplete',
    finishedAt: at,
    counts,
    registry: { validated: false, reason: `the campaign was interrupted: ${reason}` },
    ...(leftRunning.length > 0 ? { leftRunning } : {}),
  });
  await db.updateTable('validations').set({ status: v.status, verdict: v.verdict, finished_at: at, data: JSON.stringify(v) }).where('id', '=', v.id).execute();
  const event = (type: string, data: object) => db.insertInto('events').values({ at, charge_point_id: v.chargePointId, type, data: JSON.stringify(data) }).execute();
  await event('validationFinished', { validationId: v.id, verdict: v.verdict, software: v.software, interrupted: true, validated: false });
  for (const left of leftRunning) {
    await event('validationSessionLeftRunning', { validationId: v.id, idTag: v.idTag, ...left });
    await db.insertInto('validation_sessions_left_running').values({ validation_id: v.id, transaction_id: left.transactionId, charge_point_id: v.chargePointId }).execute();
  }
}

export const oneRunningCampaign: Migration = {
  async up(db: Kysely<any>) {
    const running = (await db
      .selectFrom('validations')
      .select(['id', 'charge_point_id', 'data'])
      .where('status', '=', 'running')
      .orderBy('charge_point_id')
      .orderBy('started_at')
      .orderBy('id')
      .execute()) as RunningRow[];
    const kept = new Map<string, string>();
    for (const row of running) {
      const first = kept.get(row.charge_point_id);
      if (first === undefined) kept.set(row.charge_point_id, row.id);
      else await closeExtra(db, row, first);
    }
    await sql`create unique index validations_one_running on validations (charge_point_id) where status = 'running'`.execute(db);
  },
};
