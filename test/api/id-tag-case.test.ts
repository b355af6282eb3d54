// An id tag is case-insensitive (OCPP's IdToken), and its accented letters are letters too: a card
// written `zé-ção-9` on one charger and `ZÉ-ÇÃO-9` on another is one card on every store. SQLite's
// upper() folds ASCII letters only, PostgreSQL's (a UTF-8 LC_CTYPE) every letter: until 2026-12-07
// the sessions of such a card were two cards on SQLite (one card charging twice at once, Accepted
// both times; `?idTag=` finding half its sessions) and one on PostgreSQL. Runs on both stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.js';
import { TestClient } from '../support/ocpp-client.js';
import { createTestDatabase, migratedTo, needsPostgres, testStoreKind } from '../support/database.js';
import { startTestTomada } from '../support/tomada.js';

test('a card whose tag has accented letters is one card in any case: ConcurrentTx, the idTag filter and a resend', async () => {
  const t = await startTestTomada();
  const clients: TestClient[] = [];
  const connect = async (id: string) => {
    assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: {} })).status, 201);
    const client = await TestClient.connect(t.wsUrl, id);
    clients.push(client);
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    return client;
  };
  const sessionsOf = async (tag: string) => {
    const result = await t.api(`/api/v1/transactions?idTag=${encodeURIComponent(tag)}`);
    assert.equal(result.status, 200);
    return (result.body as { items: { id: number }[] }).items.map((i) => i.id).sort((a, b) => a - b);
  };
  try {
    assert.equal((await t.api(`/api/v1/id-tags/${encodeURIComponent('zé-ção-9')}`, { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
    const a = await connect('CP-CASE-A');
    const b = await connect('CP-CASE-B');
    const start = { connectorId: 1, idTag: 'zé-ção-9', meterStart: 0, timestamp: '2026-07-01T10:00:00Z' };
    const first = await a.ok('StartTransaction', start);
    assert.equal(first.idTagInfo.status, 'Accepted');

    // The registry knows the card in capitals: Authorize accepts it.
    assert.equal((await b.ok('Authorize', { idTag: 'ZÉ-ÇÃO-9' })).idTagInfo.status, 'Accepted');
    // The same card at another charger while its session runs.
    const second = await b.ok('StartTransaction', { ...start, idTag: 'ZÉ-ÇÃO-9', timestamp: '2026-07-01T10:05:00Z' });
    assert.equal(second.idTagInfo.status, 'ConcurrentTx', 'one card, one session at a time');
    // A mixed spelling, at a third connector.
    const third = await b.ok('StartTransaction', { ...start, connectorId: 2, idTag: 'Zé-ÇãO-9', timestamp: '2026-07-01T10:06:00Z' });
    assert.equal(third.idTagInfo.status, 'ConcurrentTx');

    // The first start resent with its tag in capitals is the same start.
    assert.equal((await a.ok('StartTransaction', { ...start, idTag: 'ZÉ-ÇÃO-9' })).transactionId, first.transactionId);

    const all = [first.transactionId, second.transactionId, third.transactionId].sort((x, y) => x - y);
    for (const spelling of ['zé-ção-9', 'ZÉ-ÇÃO-9', 'zÉ-çÃo-9']) assert.deepEqual(await sessionsOf(spelling), all, spelling);
    // Letters that differ are another card, whatever their case.
    assert.deepEqual(await sessionsOf('ZE-CAO-9'), []);
    assert.deepEqual(await sessionsOf('zè-ção-9'), []);
  } finally {
    for (const client of clients) await client.close();
    await t.close();
  }
});

test('letters that share an upper case (final sigma, the micro sign) are one card too, on both stores', async () => {
  const t = await startTestTomada();
  const clients: TestClient[] = [];
  try {
    for (const tag of ['οδος', 'µa']) assert.equal((await t.api(`/api/v1/id-tags/${encodeURIComponent(tag)}`, { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
    for (const id of ['CP-SIGMA-A', 'CP-SIGMA-B']) {
      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: {} })).status, 201);
      const client = await TestClient.connect(t.wsUrl, id);
      clients.push(client);
      await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    }
    const [a, b] = clients as [TestClient, TestClient];
    // ς and σ are both Σ, µ and μ both Μ: no case of the tag asked for leads to the stored letter.
    for (const [connectorId, stored, asked] of [[1, 'οδος', 'ΟΔΟΣ'], [2, 'µa', 'ΜA']] as const) {
      const start = { connectorId, idTag: stored, meterStart: 0, timestamp: '2026-07-01T10:00:00Z' };
      assert.equal((await a.ok('StartTransaction', start)).idTagInfo.status, 'Accepted');
      const second = await b.ok('StartTransaction', { ...start, idTag: asked, timestamp: '2026-07-01T10:05:00Z' });
      assert.equal(second.idTagInfo.status, 'ConcurrentTx', `${stored} and ${asked}: one card, one session at a time`);
    }
  } finally {
    for (const client of clients) await client.close();
    await t.close();
  }
});

test('sessions already stored are found in any case of their tag: nothing to migrate', async (t) => {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await createTestDatabase();
  const db = await migratedTo(database, '0025_one_running_campaign');
  try {
    await db.insertInto('charge_points').values({ id: 'CP-OLD', registration_status: 'Accepted', created_at: '2026-12-01T00:00:00.000Z' }).execute();
    const session = { charge_point_id: 'CP-OLD', connector_id: 1, id_tag_status: 'Accepted', meter_start_wh: 0, energy_source: 'none', anomalies: '[]', signed_meter_status: 'absent' };
    await db.insertInto('transactions').values({ ...session, id_tag: 'joão', started_at: '2026-12-01T01:00:00.000Z' }).execute();
    await db.destroy();
    const store = await openStore(database.url);
    try {
      for (const spelling of ['joão', 'JOÃO', 'JoÃo']) {
        const running = await store.listTransactions({ active: true, idTag: spelling });
        assert.deepEqual(running.map((tx) => tx.idTag), ['joão'], spelling);
        assert.equal((await store.findTransactionByStart('CP-OLD', 1, spelling, '2026-12-01T01:00:00.000Z', 0))?.idTag, 'joão', spelling);
      }
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});
