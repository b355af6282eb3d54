// How failures reach API clients: a status that names the problem and a JSON body
// `{error, message}`. Bad input is a 4xx, never a 500, and no stack trace leaves the process.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
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
 * literals) names them: the checker reports one "must be equal to constant" per choice, and then
 * "must match a schema in anyOf", which tells a caller nothing of what to send.
 */
function validationMessage(error: FastifyError): string {
  const errors = error.validation ?? [];
  const choices = new Map<string, unknown[]>();
  for (const e of errors) if (e.keyword === 'const') choices.set(e.instancePath, [...(choices.get(e.instancePath) ?? []), e.params.allowedValue]);
  if (choices.size === 0) return error.message;
  const where = (path: string) => `${error.validationContext ?? 'body'}${path}`;
  const parts = [...choices].map(([path, values]) => `${where(path)} must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
  for (const e of errors) if (e.keyword !== 'const' && !(e.keyword === 'anyOf' && choices.has(e.instancePath))) parts.push(`${where(e.instancePath)} ${e.message}`);
  return parts.join(', ');
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
    void reply.status(400).send({ error: 'BadRequest', message: validationMessage(error) });
    return;
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    void reply.status(status).send({ error: error.code ?? 'BadRequest', message: error.message });
    return;
  }
  request.log.error({ err: error }, 'request failed');
  void reply.status(500).send({ error: 'InternalError', message: 'The request could not be handled' });
}
