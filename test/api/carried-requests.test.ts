// The API's carrying of a request to the node that does its work (src/api/forward.ts), between
// two real Fastify apps in this process. Their NodeRequests is a loopback instead of NATS, so an
// answer's limit can be set small; test/cluster/routing.test.ts carries campaign requests over
// the real NATS between whole nodes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { carryingErrorHandler, FORWARDED_BY, serveCarriedRequests } from '../../src/api/forward.js';
import { errorHandler } from '../../src/api/errors.js';
import type { NodeRequests } from '../../src/domain/commands.js';
import { NodeUnreachable, OnAnotherNode } from '../../src/domain/errors.js';

type Handler = (body: Uint8Array, maxAnswerBytes: number) => Promise<Uint8Array>;

/** Nodes of one process: a request to a node that serves nothing is unreachable, as NATS's "no responders". */
class Loopback implements NodeRequests {
  constructor(
    readonly nodeId: string,
    private readonly served: Map<string, Handler>,
    private readonly maxAnswerBytes: number,
  ) {}

  async ask(node: string, service: string, body: Uint8Array): Promise<Uint8Array> {
    const handler = this.served.get(`${node}/${service}`);
    if (!handler) throw new NodeUnreachable(`Node "${node}" does not answer: no such node is connected to NATS`);
    return handler(body, this.maxAnswerBytes);
  }

  serve(service: string, handler: Handler): void {
    this.served.set(`${this.nodeId}/${service}`, handler);
  }
}

const MAX_ANSWER = 16 * 1024;
const served = new Map<string, Handler>();
let a: FastifyInstance;
let b: FastifyInstance;

/** A node whose route `/api/v1/things/:node` is done by the node it names; the others carry it there. */
async function node(nodeId: string): Promise<FastifyInstance> {
  const nodes = new Loopback(nodeId, served, MAX_ANSWER);
  const app = Fastify();
  app.setErrorHandler(carryingErrorHandler(nodes, errorHandler, 5_000));
  app.post<{ Params: { node: string }; Body: { bytes?: number }; Querystring: { note?: string } }>('/api/v1/things/:node', async (request, reply) => {
    if (request.params.node !== nodeId) throw new OnAnotherNode(`Thing runs on node "${request.params.node}": send this request to that node`, request.params.node);
    // Random bytes do not compress: the answer is about this long on the wire too.
    const filler = randomBytes(request.body.bytes ?? 0).toString('base64');
    return reply.status(201).send({ doneBy: nodeId, note: request.query.note ?? null, token: request.headers.authorization ?? null, carriedBy: request.headers[FORWARDED_BY] ?? null, filler });
  });
  await app.ready();
  serveCarriedRequests(app, nodes);
  return app;
}

const post = (app: FastifyInstance, url: string, body: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: body, headers: { authorization: 'Bearer T-0123456789abcdef', ...headers } });

before(async () => {
  a = await node('node-a');
  b = await node('node-b');
});

after(async () => {
  await a.close();
  await b.close();
});

test('a request for another node is done there, and its answer comes back as that node gave it', async () => {
  const res = await post(a, '/api/v1/things/node-b?note=hello%20there', { bytes: 100 });
  assert.equal(res.statusCode, 201, res.payload);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.equal(body.doneBy, 'node-b');
  assert.equal(body.note, 'hello there', 'the query goes as it came');
  assert.equal(body.token, 'Bearer T-0123456789abcdef', 'the caller\'s token goes with it, to be checked there');
  assert.equal(body.carriedBy, 'node-a');
});

test('an answer too large for one message: 502 saying the request was done, with its status', async () => {
  const res = await post(a, '/api/v1/things/node-b', { bytes: 2 * MAX_ANSWER });
  assert.equal(res.statusCode, 502, res.payload);
  assert.equal(res.json().error, 'AnswerTooLarge');
  assert.match(res.json().message, /^Node node-b carried out the request \(HTTP 201\), but its answer, \d+ bytes compressed, is more than NATS carries \(15360\): read the result with a GET$/);
});

test('a request already carried once is answered where it arrives, never carried again', async () => {
  const res = await post(a, '/api/v1/things/node-b', {}, { [FORWARDED_BY]: 'node-c' });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().message, 'Thing runs on node "node-b": send this request to that node');
});

test('no such node: 503 saying so, then where the request belongs', async () => {
  const res = await post(a, '/api/v1/things/node-gone', {});
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), {
    error: 'NodeUnreachable',
    message: 'Node "node-gone" does not answer: no such node is connected to NATS. Thing runs on node "node-gone": send this request to that node',
  });
});

test('a node whose API is closed (it is stopping) answers 503, not an internal error', async () => {
  const stopping = await node('node-s');
  await stopping.close();
  const res = await post(a, '/api/v1/things/node-s', {});
  assert.equal(res.statusCode, 503, res.payload);
  assert.equal(res.json().message, 'Node node-s could not handle the request: it is stopping');
});
