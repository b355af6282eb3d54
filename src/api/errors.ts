// How failures reach API clients: a status that names the problem and a JSON body
// `{error, message}`. Bad input is a 4xx, never a 500, and no stack trace leaves the process.
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessDenied, UnknownOperator, type ResourceKind } from '../domain/access.js';
import { ChargePointNotConnected, CommandFailed, CommandTimedOut, Conflict, InvalidRequest, NodeUnreachable, NotFound, OnAnotherNode, UnknownChargePoint } from '../domain/errors.js';
import { OperatorInUse } from '../domain/operators.js';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'NotFound', `${what} not found`);

/**
 * How the API names a thing that does not exist, one wording per kind: the access check answers
 * another operator's thing with it too, so that the wording never tells that it exists.
 */
const THING: Record<ResourceKind, (key: string) => string> = {
  chargePoint: (key) => `Charge point "${key}"`,
  transaction: (key) => `Transaction ${key}`,
  idTag: (key) => `Id tag "${key}"`,
  operator: (key) => `Operator "${key}"`,
  token: (key) => `Token "${key}"`,
  validation: (key) => `Validation campaign ${key}`,
};

export const missing = (kind: ResourceKind, key: string | number) => notFound(THING[kind](String(key)));

/** An ISO 8601 time as canonical UTC; a time JavaScript cannot place is the client's error. */
export function canonicalTimeOrBadRequest(name: string, time: string): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) throw new HttpError(400, 'BadRequest', `${name} is not a time that can be placed: "${time}"`);
  return new Date(ms).toISOString();
}

/**
 * A query's bound on stored times (`from`, `to`), as canonical UTC, or undefined when left out.
 * Stored times are whole milliseconds, and JavaScript drops the digits past them; a bound between
 * two milliseconds is taken at the next one, so that `from` (inclusive) and `to` (exclusive) keep
 * exactly the times they would keep unrounded: `to=10:00:00.0009Z` keeps a session started at
 * 10:00:00.000Z, which `to=10:00:00.000Z` would not. Past the last millisecond of the year 9999 (a
 * client's "end of time", 9999-12-31T23:59:59.9999999Z) no time is stored: the bound stays there,
 * where the next millisecond would be written `+010000-…` and sort before every stored time.
 */
export function canonicalTimeIfGiven(name: string, time: string | undefined): string | undefined {
  if (time === undefined) return undefined;
  const canonical = canonicalTimeOrBadRequest(name, time);
  const beyondMilliseconds = /[Tt]\d\d:\d\d:\d\d\.\d{3}(\d+)/.exec(time)?.[1];
  if (!beyondMilliseconds || !/[1-9]/.test(beyondMilliseconds)) return canonical;
  const next = new Date(Date.parse(canonical) + 1);
  return next.getUTCFullYear() > 9999 ? canonical : next.toISOString();
}

const domainStatus = new Map<Function, [number, string]>([
  [UnknownChargePoint, [404, 'NotFound']],
  [ChargePointNotConnected, [409, 'NotConnected']],
  [CommandTimedOut, [504, 'Timeout']],
  [CommandFailed, [502, 'CommandFailed']],
  [NotFound, [404, 'NotFound']],
  [Conflict, [409, 'Conflict']],
  [OnAnotherNode, [409, 'Conflict']],
  [InvalidRequest, [400, 'BadRequest']],
  [NodeUnreachable, [503, 'NodeUnreachable']],
  [AccessDenied, [403, 'Forbidden']],
  [UnknownOperator, [400, 'BadRequest']],
  [OperatorInUse, [409, 'Conflict']],
]);

/**
 * The schema check's own text, except that a value that must be one of a few constants (a union of
 * literals, null among them maybe) names them: the checker reports each choice's failure ("must be
 * equal to constant", "must be string", "must be null"), then "must match a schema in anyOf",
 * which tells a caller nothing of what to send. A union with any other kind of choice keeps the
 * checker's text.
 */
function validationMessage(error: FastifyError): string {
  const errors = error.validation ?? [];
  const where = (path: string) => `${error.validationContext ?? 'body'}${path}`;
  const within = (union: (typeof errors)[number], e: (typeof errors)[number]) =>
    e !== union && e.instancePath === union.instancePath && e.schemaPath.startsWith(`${union.schemaPath}/`);
  /** The constants a union's branches stand for (a nested union's too), or undefined when a branch is anything else. */
  const choicesOf = (union: (typeof errors)[number]): string[] | undefined => {
    const branches = new Map<string, typeof errors>();
    for (const e of errors.filter((e) => within(union, e))) {
      const branch = e.schemaPath.slice(union.schemaPath.length + 1).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const choices: string[] = [];
    for (const [branch, failed] of branches) {
      const root = `${union.schemaPath}/${branch}/`;
      const inner = failed.find((e) => e.keyword === 'anyOf' && e.schemaPath === `${root}anyOf`);
      const constant = failed.find((e) => e.keyword === 'const' && e.schemaPath === `${root}const`);
      const sub = inner ? choicesOf(inner) : constant ? [JSON.stringify(constant.params.allowedValue)] : failed.length === 1 && failed[0]!.params.type === 'null' ? ['null'] : undefined;
      if (!sub) return undefined;
      choices.push(...sub);
    }
    return choices.length > 0 ? choices : undefined;
  };
  const explained = new Set<unknown>();
  const parts: string[] = [];
  // The outermost unions: a nested one is read through its parent.
  for (const union of errors.filter((e) => e.keyword === 'anyOf' && !errors.some((outer) => outer.keyword === 'anyOf' && within(outer, e)))) {
    const choices = choicesOf(union);
    if (!choices) continue;
    parts.push(`${where(union.instancePath)} must be one of ${choices.join(', ')}`);
    for (const e of errors) if (e === union || within(union, e)) explained.add(e);
  }
  if (parts.length === 0) return error.message;
  for (const e of errors) if (!explained.has(e)) parts.push(`${where(e.instancePath)} ${e.message}`);
  return parts.join(', ');
}

/**
 * The checker names a time's format only by its name (`must match format "date-time"`), which
 * leaves a caller guessing what was wrong with `2026-01-01` or `2026-01-01T00:00:00`: say what a
 * time is here. The checker's own words stay in front, for clients that matched them.
 */
function explainFormats(message: string): string {
  return message.replaceAll(
    'must match format "date-time"',
    'must match format "date-time": a date and time with its offset from UTC, as ISO 8601 writes them (2026-01-01T00:00:00Z, 2026-01-01T01:00:00+01:00), on a day that exists',
  );
}

/**
 * The period a query names (`from` inclusive, `to` exclusive), as canonical UTC. An empty one is
 * the caller's mistake (the two swapped, most likely), not "nothing in it": an export of it would
 * be an empty file a nightly script takes for a quiet night.
 */
export function periodOrBadRequest(fromText: string | undefined, toText: string | undefined): { from: string | undefined; to: string | undefined } {
  const from = canonicalTimeIfGiven('from', fromText);
  const to = canonicalTimeIfGiven('to', toText);
  if (from !== undefined && to !== undefined && from >= to) throw new HttpError(400, 'BadRequest', `from (${from}) must be before to (${to})`);
  return { from, to };
}

/**
 * A query parameter given more than once (`?format=csv&format=json`) reaches the schema as a list,
 * and the checker's words for it ("must be string") hide why; no parameter of the API takes a list.
 */
function repeatedParameters(error: FastifyError, query: unknown): string | undefined {
  if (error.validationContext !== 'querystring' || query === null || typeof query !== 'object') return undefined;
  const repeated = new Set<string>();
  for (const e of error.validation ?? []) {
    const name = e.instancePath.split('/')[1];
    if (name !== undefined && Array.isArray((query as Record<string, unknown>)[name])) repeated.add(name);
  }
  if (repeated.size === 0) return undefined;
  return [...repeated].map((name) => `querystring/${name} is given ${((query as Record<string, unknown[]>)[name]!).length} times; give it once`).join(', ');
}

/**
 * The error name of a client error the framework raised (a body that is not JSON, too large, of
 * another media type): the status's own words, as the API's other errors are named
 * (PayloadTooLarge), not the framework's code (FST_ERR_CTP_INVALID_JSON_BODY).
 */
function statusName(status: number): string {
  return (STATUS_CODES[status] ?? 'Bad Request').replace(/[^A-Za-z]/g, '');
}

/** Clearer words than the framework's for the client errors it raises itself, by its code. */
function frameworkMessage(error: FastifyError, request: FastifyRequest): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type'];
      return `A body must be JSON, sent with Content-Type: application/json; this one came ${type ? `as "${type}"` : 'without a Content-Type'}`;
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `The body is larger than the ${Math.round(request.routeOptions.bodyLimit / 1024)} KiB a request may send`;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The body is not as long as its Content-Length says';
    default:
      return error.message;
  }
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof HttpError) {
    void reply.status(error.statusCode).send({ error: error.error, message: error.message });
    return;
  }
  const mapped = domainStatus.get(error.constructor);
  if (mapped) {
    void reply.status(mapped[0]).send({ error: mapped[1], message: error.message });
    return;
  }
  if (error.validation) {
    void reply.status(400).send({ error: 'BadRequest', message: repeatedParameters(error, request.query) ?? explainFormats(validationMessage(error)) });
    return;
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    void reply.status(status).send({ error: statusName(status), message: frameworkMessage(error, request) });
    return;
  }
  request.log.error({ err: error }, 'request failed');
  void reply.status(500).send({ error: 'InternalError', message: 'The request could not be handled' });
}

/** The methods a route of the API may have, in the order an `Allow` header names them. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * A request that no route takes: 405 with `Allow` when its path is a route's with other methods
 * (RFC 9110 §15.5.6), else 404. Neither needs a token: the routes are in the OpenAPI document.
 */
export function notFoundHandler(app: FastifyInstance) {
  return (request: FastifyRequest, reply: FastifyReply): void => {
    const path = request.url.split('?')[0];
    // A path, or an absolute URL; `OPTIONS *` (asterisk-form) names no resource, and the router reads `*` as `/`.
    const resource = request.url.startsWith('/') || request.url.includes('://');
    const allowed = resource ? METHODS.filter((method) => method !== request.method && app.findRoute({ method, url: request.url }) !== null) : [];
    if (allowed.length > 0) {
      void reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({ error: 'MethodNotAllowed', message: `${request.method} is not a method of ${path}; it takes ${allowed.join(', ')}` });
      return;
    }
    void reply.status(404).send({ error: 'NotFound', message: `No route ${request.method} ${path}` });
  };
}

/**
 * The errors the router raises before any route is chosen (Fastify's `frameworkErrors`), in the
 * API's shape: a path that is not valid percent-encoding, a path segment longer than the router
 * keeps (100 characters; no id of the API is that long).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0];
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send({ error: 'BadRequest', message: `The path ${path} is not valid percent-encoding (a "%" must start a UTF-8 byte written as two hexadecimal digits)` });
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send({ error: 'URITooLong', message: 'A path segment is longer than 100 characters, more than any id of the API' });
  } else {
    errorHandler(error, request, reply);
  }
}

/**
 * A whole HTTP/1.1 error response in the API's shape, for a socket written to before or outside
 * the framework (a refused connection, an unreadable request); it closes the connection.
 */
export function rawErrorResponse(status: number, message: string): string {
  const body = JSON.stringify({ error: statusName(status), message });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** What a request that is not readable HTTP gets, by the parser's code: status and words. */
function unreadableRequest(code: string | undefined, requestTimeoutMs: number): [number, string] {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, `The request did not arrive whole within ${requestTimeoutMs / 1000} s`];
    case 'HPE_HEADER_OVERFLOW':
      return [431, `The request line and header fields are larger than ${maxHeaderSize / 1024} KiB together (a URL or a header too long)`];
    case 'HPE_INVALID_METHOD':
      return [501, 'The request method is not one of HTTP\'s'];
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'Content-Length is not one decimal length, or comes beside Transfer-Encoding'];
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return [400, 'The body is not well-formed chunked Transfer-Encoding'];
    case 'HPE_INVALID_HEADER_TOKEN':
      return [400, 'A header field is not well-formed (its name or its value has a character HTTP does not allow)'];
    case 'HPE_INVALID_URL':
      return [400, 'The request target is not a valid URL path'];
    default:
      return [400, 'The request is not well-formed HTTP/1.1'];
  }
}

/**
 * Fastify's `clientErrorHandler`: a request the HTTP parser refused, or one that did not arrive in
 * time, answered in the API's shape (Fastify's own adds a `statusCode` and names the error in
 * spaced words), then the connection is closed, as the stream is no longer in step. Nothing is
 * written when an answer to an earlier request on the connection has already begun.
 */
export function clientErrorHandler(requestTimeoutMs: number) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (socket.writable && !answering?.headersSent) socket.write(rawErrorResponse(...unreadableRequest(error.code, requestTimeoutMs)));
    socket.destroy(error);
  };
}
