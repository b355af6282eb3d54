// The operator HTTP listener: the dashboard at /, REST API under /api/v1 (bearer tokens), its
// OpenAPI document at /api/openapi.json, and /health.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';
import swagger from '@fastify/swagger';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { NodeRequests } from '../domain/commands.js';
import type { Domain } from '../domain/index.js';
import { unkeepableText } from '../keepable-text.js';
import type { Logger } from '../log.js';
import { accessControl } from './access.js';
import { limitConnections, type ConnectionLimits } from './connections.js';
import { clientErrorHandler, errorHandler, frameworkErrors, HttpError, notFoundHandler } from './errors.js';
import { carryingErrorHandler, serveCarriedRequests } from './forward.js';
import { chargePointRoutes } from './routes/charge-points.js';
import { commandRoutes } from './routes/commands.js';
import { exportRoutes } from './routes/exports.js';
import { clusterRoutes } from './routes/cluster.js';
import { healthRoutes, type Readiness } from './routes/health.js';
import type { TomadaMetrics } from '../metrics/tomada.js';
import { idTagRoutes } from './routes/id-tags.js';
import { operatorRoutes } from './routes/operators.js';
import { tokenRoutes } from './routes/tokens.js';
import { transactionRoutes } from './routes/transactions.js';
import { validationRoutes } from './routes/validations.js';
import { softwareRoutes } from './routes/software.js';
import { eventRoutes } from './routes/events.js';
import type { Campaigns } from '../validation/campaign.js';
import type { SoftwareRegistry } from '../validation/software.js';
import type { Events } from '../events/events.js';
import { Validation } from './validation-schemas.js';
import { energyRoutes } from './routes/energy.js';
import { frameRoutes } from './routes/frames.js';
import { statusHistoryRoutes } from './routes/status-history.js';
import { meterValueRoutes } from './routes/meter-values.js';
import { streamRoutes } from './routes/stream.js';
import { LiveFeed } from './live-feed.js';
import { uiRoutes } from './ui.js';
import { ChargePoint, ErrorBody, IdTag, Operator, Token, Transaction } from './schemas.js';
import { isDateTime } from '../ocpp/date-time.js';

export interface ApiDeps {
  domain: Domain;
  campaigns: Campaigns;
  software: SoftwareRegistry;
  events: Events;
  log: Logger;
  version: string;
  metrics?: TomadaMetrics;
  readiness?: Readiness;
  /**
   * With several nodes: a request for work another node does is carried to it (forward.ts), whose
   * answer may take `answerWithinMs` (a cancel waits for the campaign's command in flight: up to
   * twice the call timeout, its turn then its answer).
   */
  carry?: { nodes: NodeRequests; answerWithinMs: number } | undefined;
  /** Connections held at once (connections.ts); absent: no cap. */
  connections?: ConnectionLimits | undefined;
}

/**
 * Unknown fields are errors, not silently dropped. Path parameters and query strings are text, so
 * their numbers and booleans are coerced; a JSON body already has its types and is checked as sent
 * (Fastify's default would turn "" into null, "1" into 1 and ["x"] into "x"). Schemas shared with
 * addSchema are for answers only: request schemas must not $ref them.
 */
function validatorCompiler() {
  const make = (coerceTypes: false | 'array') => {
    const ajv = new Ajv({ removeAdditional: false, useDefaults: true, coerceTypes, allErrors: false, addUsedSchema: false });
    ajvFormats.default(ajv);
    // The same times as a charge point's (an expiry date, a period's bounds): ones a store can place.
    ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
    return ajv;
  };
  const text = make('array');
  const json = make(false);
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => {
    const ajv = httpPart === 'body' ? json : text;
    let check: ValidateFunction | undefined;
    // Fastify reads a failed check's errors from the function it was given, as from Ajv's own.
    const validate = (data: unknown): boolean => {
      check ??= ajv.compile(schema);
      // The text as it came, before the check turns its numbers into numbers.
      const written = httpPart === 'body' || data === null || typeof data !== 'object' ? undefined : { ...(data as Record<string, unknown>) };
      const ok = check(data);
      validate.errors = check.errors;
      return ok && (written === undefined || safeNumbers(data, written, validate)) && keepableText(data, validate);
    };
    validate.errors = undefined as ValidateFunction['errors'];
    return validate;
  };
}

/** How a number is written in a path or a query: decimal digits. */
const INTEGER_TEXT = /^-?\d+$/;

/**
 * Ajv turns a query's or a path's "1e400" into Infinity and lets it pass as an integer under any
 * maximum, and "1e20" into a number no database column holds; either then reached the database
 * (PostgreSQL: a 500). It also reads "0x1", "1.0", " 1" or "1e0" as 1, so `/transactions/0x1`
 * answered transaction 1. Those parts are flat objects of text, and every number in them is an
 * id, a limit or a count: one not written in decimal digits, or not a safe integer, is refused.
 */
function safeNumbers(data: unknown, written: Record<string, unknown>, validate: { errors: ValidateFunction['errors'] }): boolean {
  if (data === null || typeof data !== 'object') return true;
  for (const [key, value] of Object.entries(data)) {
    const values = Array.isArray(value) ? value : [value];
    const texts = Array.isArray(written[key]) ? (written[key] as unknown[]) : [written[key]];
    const wrong = (v: unknown, i: number) => typeof v === 'number' && (!Number.isSafeInteger(v) || (typeof texts[i] === 'string' && !INTEGER_TEXT.test(texts[i] as string)));
    if (values.some(wrong)) {
      validate.errors = [{ instancePath: `/${key}`, schemaPath: '#', keyword: 'type', params: {}, message: `must be an integer in decimal digits, from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}` }];
      return false;
    }
  }
  return true;
}

/** Text no store keeps as it came (src/keepable-text.ts), in any string of a request: a 400, not a 500 from one store. */
function keepableText(data: unknown, validate: { errors: ValidateFunction['errors'] }): boolean {
  const found = unkeepableText(data);
  if (found === undefined) return true;
  validate.errors = [{ instancePath: found.path, schemaPath: '#', keyword: 'pattern', params: {}, message: found.message }];
  return false;
}

/**
 * Fastify's own answer serializers, each compiled by the first answer that needs it. Compiling the
 * API's validators and serializers for every route took 220 ms of CPU at each start (70 % of
 * starting a node) though a node serves few of its routes at first, and the test suite starts
 * hundreds of nodes (docs/PERFORMANCE-LOG.md, "The test suite's ten minutes"). A schema that does
 * not compile fails its route's first request instead of the start: test/api/access.test.ts calls
 * every route of the OpenAPI document with every role.
 */
const lazySerializers: SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data) => (serialize ??= compile(route))(data);
  };
};

const REQUEST_TIMEOUT_MS = 10_000;

export async function buildApi({ domain, campaigns, software, events, log, version, metrics, readiness, carry, connections }: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Slow-client-safe: a request must arrive whole within 10 s, idle keep-alives end after 5 s.
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Errors raised before a route runs, in the API's shape too (errors.ts).
    clientErrorHandler: clientErrorHandler(REQUEST_TIMEOUT_MS),
    frameworkErrors,
    // The request timeout is checked every second (Node's default, 30 s, let a slow client keep
    // its connection up to 40 s).
    http: { connectionsCheckingInterval: 1_000 },
    // A request that arrives while the node stops gets the 503 below, in the API's shape.
    return503OnClosing: false,
    keepAliveTimeout: 5_000,
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
  });
  if (connections) limitConnections(app.server, connections, log.child({ component: 'api' }));
  // Requests that come on open connections while the node stops (pipelined, or on a connection
  // busy when it began): 503, so that a load balancer's client tries another node.
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!stopping) return;
    void reply.header('connection', 'close');
    throw new HttpError(503, 'ServiceUnavailable', 'This node is stopping: send the request again (to another node)');
  });
  // An Expect header other than 100-continue: Node answered 417 itself, with no body.
  app.server.on('checkExpectation', (request, response) => {
    const body = JSON.stringify({ error: 'ExpectationFailed', message: `Expect: ${request.headers.expect} is not supported (only 100-continue is)` });
    response.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    response.end(body);
  });
  app.setValidatorCompiler(validatorCompiler());
  app.setErrorHandler(carry ? carryingErrorHandler(carry.nodes, errorHandler, carry.answerWithinMs) : errorHandler);
  app.setNotFoundHandler(notFoundHandler(app));
  // Without it, text/plain bodies are read as strings and refused as "body must be object".
  app.removeContentTypeParser('text/plain');
  for (const schema of [ErrorBody, ChargePoint, IdTag, Transaction, Validation, Operator, Token]) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Tomada operator API', version, description: 'OCPP central system: charge points, id tags, transactions, commands.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  await app.register(healthRoutes, { metrics, readiness });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(uiRoutes);
  const feed = new LiveFeed(domain, {}, (error) => app.log.error({ err: error }, 'live feed could not read'));

  await app.register(
    async (v1) => {
      // Its hooks apply to every route below (not a child plugin: hooks must reach the siblings).
      await accessControl(v1, { domain });
      await v1.register(chargePointRoutes, { domain });
      await v1.register(idTagRoutes, { domain });
      await v1.register(commandRoutes, { domain });
      await v1.register(transactionRoutes, { domain });
      await v1.register(validationRoutes, { campaigns, software });
      await v1.register(softwareRoutes, { software });
      await v1.register(eventRoutes, { events });
      await v1.register(frameRoutes, { domain });
      await v1.register(statusHistoryRoutes, { domain });
      await v1.register(meterValueRoutes, { domain });
      await v1.register(energyRoutes, { domain });
      await v1.register(streamRoutes, { feed, apiTokens: domain.apiTokens });
      await v1.register(operatorRoutes, { domain });
      await v1.register(clusterRoutes, { domain });
      await v1.register(tokenRoutes, { domain });
      await v1.register(exportRoutes, { domain });
    },
    { prefix: '/api/v1' },
  );
  await app.ready();
  if (carry) serveCarriedRequests(app, carry.nodes);
  return app;
}
