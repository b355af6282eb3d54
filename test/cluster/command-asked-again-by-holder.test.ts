// A command sent on its charge point's own subject (the asking node knew no holder: here, just
// after its own link came back, its view starting afresh) whose answer is lost to a drop of the
// asking node's NATS link: once the link is back and the view names the charge point's holder
// again, that node's process is asked for the answer, and the caller gets the charge point's
// answer; the command is carried out once. Real ClusterRouters on a real nats-server; node b holds
// the charge point (a target that answers when the test says); node a reaches NATS through a TCP
// proxy the test cuts, and node b beats every 5 s, so node a goes that long without knowing it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { Subjects } from '../../src/cluster/subjects.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually, PrivateNats, randomPrefix, sleep } from './helpers.js';

const skip = PrivateNats.unavailable();
const CP = 'CP-ON-B';

let nats: PrivateNats;
let proxyA: TcpProxy;
let routerA: ClusterRouter;
let routerB: ClusterRouter;
let spy: NatsConnection;
let prefix: string;
/** How many times the charge point on node b was sent the command, and what lets it answer. */
let executed = 0;
let release: () => void = () => undefined;

before(async () => {
  if (skip) return;
  nats = await PrivateNats.start();
  proxyA = await TcpProxy.start({ host: '127.0.0.1', port: nats.port });
  prefix = randomPrefix();
  const log = pino({ level: 'silent' });
  // Nobody is judged lost here: only node a's link drops, for a moment each time. Node a waits
  // for an answer longer than two of node b's heartbeats.
  routerA = new ClusterRouter({ prefix, heartbeatMs: 1_000, lostAfterMs: 60_000, requestTimeoutMs: 25_000, log, natsUrl: `nats://127.0.0.1:${proxyA.port}`, nodeId: 'node-a' });
  routerB = new ClusterRouter({ prefix, heartbeatMs: 5_000, lostAfterMs: 60_000, requestTimeoutMs: 25_000, log, natsUrl: nats.url, nodeId: 'node-b' });
  routerB.attach(CP, {
    execute: async () => {
      executed++;
      await new Promise<void>((resolve) => (release = resolve));
      return { status: 'Accepted' };
    },
  });
  spy = await connect({ servers: nats.url });
});

after(async () => {
  if (skip) return;
  proxyA.restore();
  release();
  await spy?.close();
  await Promise.all([routerA?.close(), routerB?.close()]);
  await proxyA.close();
  await nats.kill();
});

async function cut(): Promise<void> {
  proxyA.refuse();
  proxyA.cutAll();
  await eventually('node a notices its link dropped', () => !routerA.natsUp);
}

test("a command's answer lost to a drop of the link, sent with no holder known, is asked for again of the holder", { skip, timeout: 90_000 }, async () => {
  await eventually('node a sees node b holding the charge point', () => routerA.holderOf(CP) === 'node-b');
  let onOwnSubject = 0;
  spy.subscribe(new Subjects(prefix).command(CP), { callback: () => onOwnSubject++ });
  await spy.flush();
  for (let attempt = 0; onOwnSubject === 0; attempt++) {
    assert.ok(attempt < 3, 'node a heard node b right after each reconnection');
    await cut();
    proxyA.restore();
    await eventually('node a is back on NATS', () => routerA.natsUp, 15_000);
    if (routerA.holderOf(CP) !== undefined) continue;
    const before = executed;
    const answer = routerA.send(CP, { kind: 'reset', type: 'Soft' });
    await eventually('the charge point gets the command', () => executed === before + 1);
    if (onOwnSubject === 0) {
      // It went to node b by name: not the case under test.
      release();
      await answer;
      continue;
    }
    await cut();
    release();
    await sleep(300); // node b's answer goes out to nobody
    proxyA.restore();
    assert.deepEqual(await answer, { status: 'Accepted' });
    assert.equal(executed, before + 1, 'carried out once');
  }
});
