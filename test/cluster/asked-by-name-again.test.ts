// An API request carried to another node by its name alone (the asking node has not heard that
// node's process yet: here, just after its own link came back, its view starting afresh), whose
// answer is lost to a drop of the asking node's NATS link: once the link is back, the answer is
// asked for again from the process the node's next heartbeat names, and the caller gets it; the
// work is done once. Node a reaches NATS through a TCP proxy the test cuts; node b beats every
// 5 s, so node a goes that long without knowing its process after each reconnection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { errorHandler } from '../../src/api/errors.js';
import { carryingErrorHandler, serveCarriedRequests } from '../../src/api/forward.js';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { Subjects } from '../../src/cluster/subjects.js';
import { OnAnotherNode } from '../../src/domain/errors.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually, PrivateNats, randomPrefix, sleep } from './helpers.js';

const skip = PrivateNats.unavailable();
/** Longer than node b's heartbeat interval: the answer is asked for again at its next heartbeat. */
const ANSWER_WITHIN_MS = 20_000;

let nats: PrivateNats;
let proxyA: TcpProxy;
let routerA: ClusterRouter;
let routerB: ClusterRouter;
let appA: FastifyInstance;
let appB: FastifyInstance;
let spy: NatsConnection;
let prefix: string;
let runs = 0;
let release: () => void = () => undefined;

async function node(router: ClusterRouter): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(carryingErrorHandler(router, errorHandler, ANSWER_WITHIN_MS));
  app.post<{ Params: { node: string } }>('/api/v1/work/:node', async (request, reply) => {
    if (request.params.node !== router.nodeId) throw new OnAnotherNode(`Work runs on node "${request.params.node}"`, request.params.node);
    runs++;
    await new Promise<void>((resolve) => (release = resolve));
    return reply.status(201).send({ doneBy: router.nodeId, run: runs });
  });
  await app.ready();
  serveCarriedRequests(app, router);
  return app;
}

before(async () => {
  if (skip) return;
  nats = await PrivateNats.start();
  proxyA = await TcpProxy.start({ host: '127.0.0.1', port: nats.port });
  prefix = randomPrefix();
  const log = pino({ level: 'silent' });
  // Nobody is judged lost in this test: only node a's link drops, for a moment each time.
  routerA = new ClusterRouter({ prefix, heartbeatMs: 1_000, lostAfterMs: 60_000, requestTimeoutMs: 3_000, log, natsUrl: `nats://127.0.0.1:${proxyA.port}`, nodeId: 'node-a' });
  routerB = new ClusterRouter({ prefix, heartbeatMs: 5_000, lostAfterMs: 60_000, requestTimeoutMs: 3_000, log, natsUrl: nats.url, nodeId: 'node-b' });
  appA = await node(routerA);
  appB = await node(routerB);
  spy = await connect({ servers: nats.url });
});

after(async () => {
  if (skip) return;
  proxyA.restore();
  release();
  await spy?.close();
  await Promise.all([appA?.close(), appB?.close()]);
  await Promise.all([routerA?.close(), routerB?.close()]);
  await proxyA.close();
  await nats.kill();
});

/** Drops node a's link and lets it connect again; its view of the others starts afresh. */
async function blip(): Promise<void> {
  proxyA.refuse();
  proxyA.cutAll();
  await eventually('node a notices its link dropped', () => !routerA.natsUp);
  proxyA.restore();
  await eventually('node a is back on NATS', () => routerA.natsUp, 15_000);
}

test('an answer to a request sent by the node\'s name alone, lost to a drop of the link, is asked for again', { skip, timeout: 90_000 }, async () => {
  await eventually('node a hears node b', () => routerA.liveNodes().includes('node-b'));
  // What goes on the subject named by the node alone (a plain subscriber beside node b's queue group).
  let byName = 0;
  spy.subscribe(new Subjects(prefix).ask('node-b', 'api'), { callback: () => byName++ });
  await spy.flush();
  // Sent while node a knows no process of node b: just after its link came back, before node b's
  // next heartbeat (a reconnection just as it beats is tried again).
  for (let attempt = 0; byName === 0; attempt++) {
    assert.ok(attempt < 3, 'node a heard node b right after each reconnection');
    await blip();
    if (routerA.liveNodes().includes('node-b')) continue;
    const before = runs;
    const answer = appA.inject({ method: 'POST', url: '/api/v1/work/node-b', payload: {} });
    await eventually('node b works on the request', () => runs === before + 1);
    if (byName === 0) {
      // It went to node b's process by its instance: not the case under test.
      release();
      await answer;
      continue;
    }
    const run = runs;
    proxyA.refuse();
    proxyA.cutAll();
    await eventually('node a notices its link dropped', () => !routerA.natsUp);
    release();
    await sleep(300); // node b's answer goes out to nobody
    proxyA.restore();
    const res = await answer;
    assert.equal(res.statusCode, 201, res.payload);
    assert.deepEqual(res.json(), { doneBy: 'node-b', run });
    assert.equal(runs, run, 'node b did the work once');
  }
});
