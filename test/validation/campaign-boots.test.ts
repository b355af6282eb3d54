// A campaign's Pending boot is spent only by a boot answered Pending, not by one whose data ran but
// whose commit failed (that boot is answered InternalError, and the next one must be the Pending).
// store: sqlite-only. The commit is made to fail with a deferred foreign key added to the SQLite
// file behind the server's back; the campaign's logic does not depend on the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { CampaignBoots } from '../../src/validation/campaign-boots.js';
import { TestClient } from '../support/ocpp-client.js';
import { startSqliteTestTomada } from '../support/tomada.js';

const TIMING = { heartbeatIntervalS: 7, pendingIntervalS: 11 };
const FAIL_VENDOR = 'FailAtCommit';

/**
 * A boot reporting FAIL_VENDOR writes a row whose deferred foreign key points nowhere: the boot's
 * own statements succeed, and its batch fails at COMMIT.
 */
function failBootsAtCommit(dbPath: string): void {
  const db = new BetterSqlite3(dbPath);
  try {
    db.exec(`
      create table commit_guard (charge_point_id text references charge_points(id) deferrable initially deferred);
      create trigger fail_boot_at_commit after update of vendor on charge_points when new.vendor = '${FAIL_VENDOR}'
      begin insert into commit_guard values ('no such charge point'); end;`);
  } finally {
    db.close();
  }
}

test('a boot whose commit fails does not spend the Pending a campaign armed; the next boot answered gets it', async () => {
  const tomada = await startSqliteTestTomada();
  const id = 'CP-BOOTS';
  let client: TestClient | undefined;
  const boots = new CampaignBoots(tomada.domain.activity, id, TIMING);
  try {
    await tomada.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    const removeOverride = tomada.domain.registry.overrideBoot(id, boots.answer);
    client = await TestClient.connect(tomada.wsUrl, id, { protocols: ['ocpp1.6'] });
    failBootsAtCommit(tomada.dbPath);

    assert.deepEqual((await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).interval, TIMING.heartbeatIntervalS);
    boots.armPending();

    const failed = await client.call('BootNotification', { chargePointVendor: FAIL_VENDOR, chargePointModel: 'M' });
    assert.equal(failed[0], 4, `the failed commit is answered with an error, got ${JSON.stringify(failed)}`);
    assert.equal(failed[2], 'InternalError');
    assert.equal((await tomada.store.getChargePoint(id))?.vendor, 'V', 'the failed boot stored nothing');

    const pending = await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    assert.deepEqual([pending.status, pending.interval], ['Pending', TIMING.pendingIntervalS], 'the boot after the failed one is the Pending');

    const accepted = await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    assert.deepEqual([accepted.status, accepted.interval], ['Accepted', TIMING.heartbeatIntervalS], 'one Pending only');
    removeOverride();
  } finally {
    boots.close();
    await client?.close();
    await tomada.close();
  }
});
