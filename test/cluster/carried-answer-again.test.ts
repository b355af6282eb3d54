// An API request carried to another node (src/api/forward.ts, on `ask.api`) whose answer is lost to
// a short drop of a NATS link, on either side. Node a reaches NATS through a TCP proxy the test
// cuts, node b through another; each is a real ClusterRouter and a real Fastify app with the API's
// carrying, and node b's route answers only when the test says, so the drop falls between the
// request reaching node b and its answer. The answer must come back as node b gave it, and node b
// must have done the work once: asked again, it gives the answer it kept.
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { connect } from 'nats';
import { pino } from 'pino';
import { errorHandler } from '../../src/api/errors.js';
import { carryingErrorHandler, serveCarriedRequests } from '../../src/api/forward.js';
import { decodeCarried, encodeCarried } from '../../src/carried-body.js';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { Subjects } from '../../src/cluster/subjects.js';
import { askHeaders } from '../../src/cluster/wire.js';
import { OnAnotherNode } from '../../src/domain/errors.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually, PrivateNats, randomPrefix, sleep } from './helpers.js';

const skip = PrivateNats.unavailable();
/** What a node answers a carried request with (src/api/forward.ts): the fields this file reads. */
const CarriedAnswerShape = Type.Object({ status: Type.Integer(), body: Type.String() });
/** How long node a waits for node b's answer: the 503 of a lost answer comes after this. */
const ANSWER_WITHIN_MS = 8_000;

let nats: PrivateNats;
let proxyA: TcpProxy;
let proxyB: TcpProxy;
let routerA: ClusterRouter;
let routerB: ClusterRouter;
let appA: FastifyInstance;
let appB: FastifyInstance;
/** How many times node b's route ran, and what lets its latest run answer. */
let runs = 0;
let release: () => void = () => undefined;
let prefix: string;

/** A node whose route `/api/v1/work/:node` is done by the node it names, answered when the test releases it. */
async function node(router: ClusterRouter): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(carryingErrorHandler(router, errorHandler, ANSWER_WITHIN_MS));
  app.post<{ Params: { node: string } }>('/api/v1/work/:node', async (request, reply) => {
    if (request.params.node !== router.nodeId) throw new OnAnotherNode(`Work runs on node "${request.params.node}": send this request to that node`, request.params.node);
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
  proxyB = await TcpProxy.start({ host: '127.0.0.1', port: nats.port });
  prefix = randomPrefix();
  const log = pino({ level: 'silent' });
  // 1 s heartbeats: a link down for about a second (nats.js tries again every second) is not judged lost (after 3 s).
  const options = { prefix, heartbeatMs: 1_000, requestTimeoutMs: 3_000, log };
  routerA = new ClusterRouter({ ...options, natsUrl: `nats://127.0.0.1:${proxyA.port}`, nodeId: 'node-a' });
  routerB = new ClusterRouter({ ...options, natsUrl: `nats://127.0.0.1:${proxyB.port}`, nodeId: 'node-b' });
  appA = await node(routerA);
  appB = await node(routerB);
});

after(async () => {
  if (skip) return;
  proxyA.restore();
  proxyB.restore();
  release();
  await Promise.all([appA?.close(), appB?.close()]);
  await Promise.all([routerA?.close(), routerB?.close()]);
  await proxyA.close();
  await proxyB.close();
  await nats.kill();
});

/** Node a carries a request to node b; resolves once node b's route is working on it. */
async function carriedInFlight() {
  await eventually('the nodes hear each other', () => routerA.natsUp && routerB.natsUp && routerA.liveNodes().includes('node-b') && routerB.liveNodes().includes('node-a'));
  const before = runs;
  const answer = appA.inject({ method: 'POST', url: '/api/v1/work/node-b', payload: {} });
  await eventually('node b works on the request', () => runs === before + 1);
  return { answer, run: runs };
}

/** Cuts a node's link to NATS, and keeps it down (until `restore()`). */
async function cut(link: TcpProxy, router: ClusterRouter): Promise<void> {
  link.refuse();
  link.cutAll();
  await eventually(`${router.nodeId} notices its link's drop`, () => !router.natsUp);
}

async function assertAnswered(carried: Awaited<ReturnType<typeof carriedInFlight>>): Promise<void> {
  const res = await carried.answer;
  assert.equal(res.statusCode, 201, res.payload);
  assert.deepEqual(res.json(), { doneBy: 'node-b', run: carried.run });
  assert.equal(runs, carried.run, 'node b did the work once');
}

test("an answer sent while the asking node's link was down is asked for again, and the caller gets it", { skip, timeout: 60_000 }, async () => {
  const carried = await carriedInFlight();
  await cut(proxyA, routerA);
  release();
  await sleep(300); // node b's answer goes out to nobody
  proxyA.restore();
  await assertAnswered(carried);
});

test("an answer given while the answering node's link was down is given again once it is back", { skip, timeout: 60_000 }, async () => {
  const carried = await carriedInFlight();
  await cut(proxyB, routerB);
  release();
  await sleep(300); // node b answers while its link is down
  proxyB.restore();
  await assertAnswered(carried);
});

test('a request whose id came before is given the answer it had, and the work is not done again', { skip, timeout: 30_000 }, async () => {
  await eventually('node b is on NATS', () => routerB.natsUp);
  const raw = await connect({ servers: nats.url });
  try {
    const before = runs;
    const body = encodeCarried({ from: 'node-a', method: 'POST', url: '/api/v1/work/node-b', body: '{}' });
    const headers = askHeaders('the-same-id', 10_000);
    const subject = new Subjects(prefix).ask('node-b', 'api');
    const first = raw.request(subject, body, { timeout: 10_000, headers });
    await eventually('node b works on the request', () => runs === before + 1);
    const second = raw.request(subject, body, { timeout: 10_000, headers });
    await sleep(200); // the second reaches node b while the first is being worked out
    release();
    const answers = (await Promise.all([first, second])).map((msg) => decodeCarried(CarriedAnswerShape, msg.data));
    assert.deepEqual(answers[0], answers[1]);
    assert.equal(answers[0]?.status, 201);
    assert.equal(runs, before + 1, 'worked out once');
  } finally {
    await raw.close();
  }
});
