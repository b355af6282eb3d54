// Charge points behind a bad cellular link: a real TCP proxy between them and Tomada delays every
// chunk, cuts every connection, cuts one in the middle of a frame, refuses reconnections, and goes
// silent, while they charge (one of them reporting interval energy, which a MeterValues stored
// twice or lost would change). Afterwards every session is stored exactly once with the energy the
// simulator measured, the journal is intact, and a charge point on a good link never noticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { SimulatedChargePoint, type MeterOptions } from '../../src/sim/charge-point.js';
import type { SimProtocolName } from '../../src/sim/protocols.js';
import { startTestTomada } from '../support/tomada.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('sessions over a link that delays, cuts, truncates, refuses and stalls are stored exactly once, with their energy', { timeout: 180_000 }, async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: t.ocppPort });
  const logs = new Map<string, string[]>();
  const make = (id: string, protocol: SimProtocolName, port: number, meter: MeterOptions = {}) => {
    logs.set(id, []);
    const soap = protocol === 'ocpp1.5-soap';
    return new SimulatedChargePoint({
      id,
      protocol,
      baseUrl: soap ? `http://127.0.0.1:${port}/ocpp/soap` : `ws://127.0.0.1:${port}/ocpp`,
      connectors: 1,
      idTags: [`TAG-${id}`],
      callTimeoutMs: 2_000,
      reconnectDelayMs: 150,
      minIntervalMs: 200,
      meter: { sampleIntervalMs: 200, powerW: 36_000, ...meter },
      logger: (entry) => logs.get(id)!.push(entry.message),
    });
  };
  const behindProxy = [
    make('CELL-J16', 'ocpp1.6-json', proxy.port),
    make('CELL-J15', 'ocpp1.5-json', proxy.port),
    make('CELL-SOAP', 'ocpp1.5-soap', proxy.port),
    // Interval readings are summed: a MeterValues stored twice, or lost, shows in the energy.
    make('CELL-INT', 'ocpp1.6-json', proxy.port, { mode: 'interval', unit: 'kWh' }),
  ];
  const direct = make('WIRED-1', 'ocpp1.6-json', t.ocppPort);
  const all = [...behindProxy, direct];
  try {
    for (const cp of all) await t.domain.idTags.put({ idTag: `TAG-${cp.id}`, status: 'Accepted', expiryDate: null, parentIdTag: null });
    for (const cp of all) cp.start();
    await Promise.all(all.map((cp) => cp.ready()));

    // Each charge point charges in short sessions while the link misbehaves.
    let running = true;
    const charging = all.map(async (cp) => {
      while (running) {
        await cp.startSession(1).catch(() => undefined);
        await sleep(700);
        await cp.stopSession(1, 'EVDisconnected').catch(() => undefined);
        await sleep(100);
      }
    });
    proxy.delay(150);
    await sleep(1_500);
    proxy.restore();
    proxy.cutAll();
    await sleep(1_500);
    proxy.truncateAfter(700); // cut in the middle of a frame, whichever direction it is in
    await sleep(1_500);
    proxy.restore();
    proxy.refuse();
    proxy.cutAll();
    await sleep(1_000);
    proxy.restore();
    await sleep(1_000);
    proxy.stall();
    await sleep(1_000);
    proxy.restore();
    await sleep(1_000);
    running = false;
    await Promise.all(charging);
    await Promise.all(all.map((cp) => cp.drain()));

    for (const cp of all) {
      const sessions = cp.sessions();
      assert.ok(sessions.length >= 3, `${cp.id} charged ${sessions.length} times`);
      const stored = await t.api(`/api/v1/transactions?chargePointId=${cp.id}&limit=1000`);
      const byId = new Map<number, any>(stored.body.items.map((tx: any) => [tx.id, tx]));
      assert.equal(stored.body.items.length, sessions.length, `${cp.id}: one stored transaction per session, no double`);
      for (const session of sessions) {
        assert.notEqual(session.transactionId, undefined, `${cp.id}: every session got its transactionId`);
        const tx = byId.get(session.transactionId!);
        assert.ok(tx, `${cp.id}: transaction ${session.transactionId} stored`);
        assert.equal(tx.meterStartWh, session.meterStartWh);
        assert.equal(tx.meterStopWh, session.meterStopWh, `${cp.id}: transaction ${tx.id} stopped as measured`);
        assert.equal(tx.energyWh, session.deliveredWh, `${cp.id}: transaction ${tx.id} energy`);
      }
    }
    // The proxy's charge points lost their link; the wired one never did.
    for (const cp of behindProxy.filter((c) => !c.id.includes('SOAP'))) {
      assert.ok(logs.get(cp.id)!.some((m) => /reconnecting/.test(m)), `${cp.id} saw the link drop`);
    }
    assert.ok(!logs.get(direct.id)!.some((m) => /reconnecting|failed/.test(m)), `the wired charge point was not disturbed: ${logs.get(direct.id)!.filter((m) => /reconnect|fail/.test(m)).join('; ')}`);
    const report = await verifyJournal(t.store);
    assert.equal(report.firstBrokenLink, undefined);
    assert.deepEqual(report.mismatches, []);
  } finally {
    for (const cp of all) await cp.stop();
    await proxy.close();
    await t.close();
  }
});
