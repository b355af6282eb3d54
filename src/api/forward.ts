// API requests for work another node does, carried to that node. A validation campaign runs on the
// node holding its charge point's connection, while a load balancer sends an operator's requests
// to any node. When a route throws OnAnotherNode, the node the request reached sends it as it came
// (method, path and query, JSON body, the operator's token) to the named node over NATS. That node
// handles it through its own API, access checks included, and its answer is the answer. A request
// that was carried once is answered where it arrives, never carried again.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NodeRequests } from '../domain/commands.js';
import { decodeCarried, encodeCarried } from '../carried-body.js';
import { NodeUnreachable, OnAnotherNode } from '../domain/errors.js';

/** The NodeRequests service the API answers on every node. */
const SERVICE = 'api';
/** Set on a carried request: the node that carried it. Such a request is not carried again. */
export const FORWARDED_BY = 'x-tomada-forwarded-by';

const CarriedRequest = Type.Object({
  from: Type.String({ minLength: 1 }),
  method: Type.Union([Type.Literal('GET'), Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('DELETE')]),
  url: Type.String({ pattern: '^/api/' }),
  authorization: Type.Optional(Type.String()),
  /** The JSON body as text. */
  body: Type.Optional(Type.String()),
});
type CarriedRequest = Static<typeof CarriedRequest>;

const CarriedAnswer = Type.Object({
  status: Type.Integer({ minimum: 100, maximum: 599 }),
  contentType: Type.Optional(Type.String()),
  body: Type.String(),
});
type CarriedAnswer = Static<typeof CarriedAnswer>;

// A campaign's answer carries its evidence frames; what does not fit in NATS even compressed
// (carried-body.ts) is answered with a 502 that says the request was carried out (tooLarge).
const failure = (status: number, error: string, message: string): CarriedAnswer => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify({ error, message }),
});

/** An answer too large for NATS: its status said in a 502, as the work is done. */
function tooLarge(node: string, answer: CarriedAnswer, bytes: number, maxBytes: number): CarriedAnswer {
  return failure(
    502,
    'AnswerTooLarge',
    `Node ${node} carried out the request (HTTP ${answer.status}), but its answer, ${bytes} bytes compressed, is more than NATS carries (${maxBytes}): read the result with a GET`,
  );
}

/** Answers, through this node's own API, the requests other nodes carry to it. */
export function serveCarriedRequests(app: FastifyInstance, nodes: NodeRequests): void {
  nodes.serve(SERVICE, async (data, maxAnswerBytes) => {
    const request = decodeCarried(CarriedRequest, data);
    if (!request) return encodeCarried(failure(400, 'BadRequest', `Node ${nodes.nodeId} got an unreadable request from another node`));
    let answer: CarriedAnswer;
    try {
      const headers: Record<string, string> = { [FORWARDED_BY]: request.from };
      if (request.authorization !== undefined) headers.authorization = request.authorization;
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      const res = await app.inject({ method: request.method, url: request.url, headers, ...(request.body !== undefined ? { payload: request.body } : {}) });
      const contentType = res.headers['content-type'];
      answer = { status: res.statusCode, ...(typeof contentType === 'string' ? { contentType } : {}), body: res.payload };
    } catch (error) {
      // inject answers a failing route itself; it throws when the API is closed: this node is stopping.
      app.log.warn({ err: error, from: request.from, url: request.url }, 'a request carried from another node could not be handled');
      return encodeCarried(failure(503, 'NodeUnreachable', `Node ${nodes.nodeId} could not handle the request: it is stopping`));
    }
    const encoded = encodeCarried(answer);
    // Some room for NATS's own headers of the reply.
    const room = maxAnswerBytes - 1024;
    if (encoded.byteLength <= room) return encoded;
    app.log.warn({ from: request.from, url: request.url, bytes: encoded.byteLength, maxBytes: room }, 'the answer to a request carried from another node is too large for NATS');
    return encodeCarried(tooLarge(nodes.nodeId, answer, encoded.byteLength, room));
  });
}

type ErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * The API's error handler, with OnAnotherNode carried to that node, whose answer it waits for up
 * to `answerWithinMs`. When it cannot be carried, the answer is 503 saying why, then where to send
 * the request.
 */
export function carryingErrorHandler(nodes: NodeRequests, handle: ErrorHandler, answerWithinMs: number) {
  return async (error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!(error instanceof OnAnotherNode) || request.headers[FORWARDED_BY] !== undefined) return handle(error, request, reply);
    const carried: CarriedRequest = {
      from: nodes.nodeId,
      method: request.method as CarriedRequest['method'],
      url: request.url,
      ...(request.headers.authorization !== undefined ? { authorization: request.headers.authorization } : {}),
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    };
    let answer: CarriedAnswer | undefined;
    try {
      answer = decodeCarried(CarriedAnswer, await nodes.ask(error.node, SERVICE, encodeCarried(carried), answerWithinMs));
    } catch (failed) {
      if (!(failed instanceof NodeUnreachable)) throw failed;
      return handle(new NodeUnreachable(`${failed.message}. ${error.message}`) as unknown as FastifyError, request, reply);
    }
    if (!answer) return handle(new NodeUnreachable(`Node "${error.node}" gave an unreadable answer. ${error.message}`) as unknown as FastifyError, request, reply);
    if (answer.contentType !== undefined) void reply.type(answer.contentType);
    void reply.status(answer.status).send(answer.body);
  };
}
