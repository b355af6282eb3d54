// A node keeps a bounded number of answers to other nodes' requests (src/cluster/kept-answers.ts).
// An answer it forgot past its limits, then asked for again by a node whose NATS link dropped
// while it came, is answered "no longer kept: may have been done", at once, and a request whose id
// came before is not worked out again. Node a reaches NATS through a TCP proxy the test cuts; node
// b keeps one answer; both are real ClusterRouters with the API's carrying (src/api/forward.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { connect } from 'nats';
import { pino } from 'pino';
import { errorHandler } from '../../src/api/errors.js';
import { carryingErrorHandler, serveCarriedRequests } from '../../src/api/forward.js';
import { encodeCarried } from '../../src/carried-body.js';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { Subjects } from '../../src/cluster/subjects.js';
import { AnswerForgotten, askHeaders, decode } from '../../src/cluster/wire.js';
import { OnAnotherNode } from '../../src/domain/errors.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually, PrivateNats, randomPrefix, sleep } from './helpers.js';

const skip = PrivateNats.unavailable();
const ANSWER_WITHIN_MS = 8_000;

let nats: PrivateNats;
let proxyA: TcpProxy;
let routerA: ClusterRouter;
let routerB: ClusterRouter;
let appA: FastifyInstance;
let appB: FastifyInstance;
let prefix: string;
/** The ids node b's route was run for, and what lets its latest run answer. */
const runs: string[] = [];
let release: () => void = () => undefined;

async function node(router: ClusterRouter): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(carryingErrorHandler(router, errorHandler, ANSWER_WITHIN_MS));
  app.post<{ Params: { node: string; name: string } }>('/api/v1/work/:node/:name', async (request, reply) => {
    if (request.params.node !== router.nodeId) throw new OnAnotherNode(`Work runs on node "${request.params.node}"`, request.params.node);
    runs.push(request.params.name);
    await new Promise<void>((resolve) => (release = resolve));
    return reply.status(201).send({ doneBy: router.nodeId, name: request.params.name });
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
  const options = { prefix, heartbeatMs: 1_000, requestTimeoutMs: 3_000, log: pino({ level: 'silent' }) };
  routerA = new ClusterRouter({ ...options, natsUrl: `nats://127.0.0.1:${proxyA.port}`, nodeId: 'node-a' });
  routerB = new ClusterRouter({ ...options, natsUrl: nats.url, nodeId: 'node-b', keptAnswers: { maxCount: 1 } });
  appA = await node(routerA);
  appB = await node(routerB);
});

after(async () => {
  if (skip) return;
  proxyA.restore();
  release();
  await Promise.all([appA?.close(), appB?.close()]);
  await Promise.all([routerA?.close(), routerB?.close()]);
  await proxyA.close();
  await nats.kill();
});

/** A request to node b's route by name, straight on NATS, named by `id`. */
function raw(connection: Awaited<ReturnType<typeof connect>>, name: string, id: string) {
  const body = encodeCarried({ from: 'test', method: 'POST', url: `/api/v1/work/node-b/${name}`, body: '{}' });
  return connection.request(new Subjects(prefix).ask('node-b', 'api'), body, { timeout: 10_000, headers: askHeaders(id, 10_000) });
}

test('an answer forgotten past the limit is, asked for again, "may have been done" at once, and never worked out again', { skip, timeout: 60_000 }, async () => {
  await eventually('the nodes hear each other', () => routerA.natsUp && routerB.natsUp && routerA.liveNodes().includes('node-b') && routerB.liveNodes().includes('node-a'));
  const connection = await connect({ servers: nats.url });
  try {
    // Node a carries "first" to node b, and loses its link while node b works on it.
    const answer = appA.inject({ method: 'POST', url: '/api/v1/work/node-b/first', payload: {} });
    await eventually('node b works on the first request', () => runs.includes('first'));
    proxyA.refuse();
    proxyA.cutAll();
    await eventually('node a notices its link dropped', () => !routerA.natsUp);
    release();
    await sleep(300); // node b's answer goes out to nobody, and is kept
    // Another request's answer takes the one place node b keeps: the first one's is forgotten.
    const other = raw(connection, 'second', 'second-id');
    await eventually('node b works on the second request', () => runs.includes('second'));
    release();
    await other;
    proxyA.restore();
    const res = await answer;
    assert.equal(res.statusCode, 503, res.payload);
    assert.match(res.json().message, /no longer keeps it .*may have been done/);
    assert.deepEqual(runs, ['first', 'second'], 'the first was worked out once');

    // The second request sent again under its id: node b keeps its answer no longer either once a
    // third is given, and answers so without running the route again.
    const third = raw(connection, 'third', 'third-id');
    await eventually('node b works on the third request', () => runs.includes('third'));
    release();
    await third;
    const again = await raw(connection, 'second', 'second-id');
    assert.ok(decode(AnswerForgotten, again.data), new TextDecoder().decode(again.data));
    assert.deepEqual(runs, ['first', 'second', 'third'], 'not worked out again');
  } finally {
    await connection.close();
  }
});
