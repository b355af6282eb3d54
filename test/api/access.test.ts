// Role isolation over real HTTP, route by route. The routes come from the served OpenAPI document:
// a route with no case below fails the test, so none can be forgotten. Two operators, A (an OPC)
// and B (a DPC), each with a connected charge point, an id tag, a session and tokens; plus the
// network's own charge point and tag. For every route: B never reads or changes A's things (404,
// or 403 for a PUT), lists never show them, read-only tokens never write, and A and the
// administrator still can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, TestClient } from '../support/ocpp-client.js';
import { openStream } from '../support/stream.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

type Who = 'A' | 'B';
type Owner = Who | 'N';
const OPERATOR: Record<Who, string> = { A: 'OPC-A', B: 'DPC-B' };
const CP: Record<Owner, string> = { A: 'CP-A', B: 'CP-B', N: 'CP-N' };
const TAG: Record<Owner, string> = { A: 'TAG-A', B: 'TAG-B', N: 'TAG-N' };

interface World {
  validation: Record<Who, string>;
  tokens: Record<'admin' | 'opA' | 'opB' | 'roA' | 'roAll', string>;
  /** A token of each operator that the token routes may read and revoke. */
  victimToken: Record<Who, string>;
  transaction: Record<Who, number>;
  clients: Record<Who, TestClient>;
}

type Level = 'read' | 'write' | 'admin';

/** A route addressing one thing: `path(who)` names the thing of operator `who`. */
interface ThingCase {
  kind: 'thing';
  level: Level;
  path: (who: Who, w: World) => string;
  body?: (who: Who) => unknown;
  /** Statuses that mean "allowed" for the owner (a command to a charge point may also time out, etc.). */
  ok: number[];
}
/** A list: `owner(item)` says whose each item is. */
interface ListCase {
  kind: 'list';
  level: Level;
  paths: string[];
  owner: (item: any, w: World) => Owner | 'admin';
}
/** Administrators only. */
interface AdminCase {
  kind: 'admin';
  path: string;
  body?: unknown;
  ok: number[];
}
/** About the caller itself. */
interface SelfCase {
  kind: 'self';
}
/** The same for every token: nothing in it belongs to anyone. */
interface OpenCase {
  kind: 'open';
  path: string;
}
/** Server-sent events: what each token is told about, up to the `ready` event. */
interface StreamCase {
  kind: 'stream';
  path: string;
}
type Case = ThingCase | ListCase | AdminCase | SelfCase | OpenCase | StreamCase;

/** An id nobody has, in the form of `real`. */
const ghostFor = (real: string) => (/^\d+$/.test(real) ? '987654321' : `${real}-GHOST`);

/**
 * The same request with A's thing in it (in the path, or else in the body) replaced by an id
 * nobody has, and a function that puts A's id back into an answer about it.
 */
function ghostOf(path: string, body: unknown, w: World): { path: string; body: unknown; back: (answer: unknown) => unknown } {
  const keys = [CP.A, OPERATOR.A, TAG.A, String(w.transaction.A), w.victimToken.A, w.validation.A];
  const back = (real: string, ghost: string) => (answer: unknown) => JSON.parse(JSON.stringify(answer).split(ghost).join(real));
  const segments = path.split('/');
  const index = segments.findIndex((segment, i) => i > 2 && keys.includes(segment));
  if (index > 0) {
    const real = segments[index]!;
    segments[index] = ghostFor(real);
    return { path: segments.join('/'), body, back: back(real, segments[index]!) };
  }
  const text = JSON.stringify(body ?? null);
  const real = keys.find((key) => text.includes(`"${key}"`));
  assert.ok(real, `A's thing in ${path} or its body ${text}`);
  return { path, body: JSON.parse(text.split(`"${real}"`).join(`"${ghostFor(real)}"`)), back: back(real, ghostFor(real)) };
}

const ownerOfCp = (id: string): Owner => (id === CP.A ? 'A' : id === CP.B ? 'B' : 'N');
const ownerOfOperator = (operator: string | null): Owner | 'admin' => (operator === OPERATOR.A ? 'A' : operator === OPERATOR.B ? 'B' : operator === null ? 'N' : 'N');

const CASES: Record<string, Case> = {
  'GET /api/v1/charge-points': { kind: 'list', level: 'read', paths: ['/api/v1/charge-points', '/api/v1/charge-points?limit=1000', '/api/v1/charge-points?limit=1000&afterId=0'], owner: (cp) => ownerOfCp(cp.id) },
  'GET /api/v1/charge-points/{id}': { kind: 'thing', level: 'read', path: (who) => `/api/v1/charge-points/${CP[who]}`, ok: [200] },
  'PUT /api/v1/charge-points/{id}': { kind: 'thing', level: 'write', path: (who) => `/api/v1/charge-points/${CP[who]}`, body: () => ({ connection: 'platform' }), ok: [200] },
  'POST /api/v1/charge-points/{id}/commands/remote-start': {
    kind: 'thing',
    level: 'write',
    path: (who) => `/api/v1/charge-points/${CP[who]}/commands/remote-start`,
    body: (who) => ({ idTag: TAG[who], connectorId: 1 }),
    ok: [200],
  },
  'POST /api/v1/charge-points/{id}/commands/remote-stop': {
    kind: 'thing',
    level: 'write',
    path: (who) => `/api/v1/charge-points/${CP[who]}/commands/remote-stop`,
    body: () => ({ transactionId: 1 }),
    ok: [200],
  },
  'POST /api/v1/charge-points/{id}/commands/reset': { kind: 'thing', level: 'write', path: (who) => `/api/v1/charge-points/${CP[who]}/commands/reset`, body: () => ({ type: 'Soft' }), ok: [200] },
  'POST /api/v1/charge-points/{id}/commands/unlock': { kind: 'thing', level: 'write', path: (who) => `/api/v1/charge-points/${CP[who]}/commands/unlock`, body: () => ({ connectorId: 1 }), ok: [200] },
  'GET /api/v1/id-tags': { kind: 'list', level: 'read', paths: ['/api/v1/id-tags'], owner: (tag) => ownerOfOperator(tag.operator) },
  'GET /api/v1/id-tags/{idTag}': { kind: 'thing', level: 'read', path: (who) => `/api/v1/id-tags/${TAG[who]}`, ok: [200] },
  'PUT /api/v1/id-tags/{idTag}': { kind: 'thing', level: 'write', path: (who) => `/api/v1/id-tags/${TAG[who]}`, body: () => ({ status: 'Accepted' }), ok: [200] },
  'GET /api/v1/transactions': {
    kind: 'list',
    level: 'read',
    // The filters cannot reach around the scope either.
    paths: ['/api/v1/transactions', `/api/v1/transactions?chargePointId=${CP.A}`, `/api/v1/transactions?operator=${OPERATOR.A}`, `/api/v1/transactions?operator=${OPERATOR.B}`],
    owner: (tx) => ownerOfCp(tx.chargePointId),
  },
  'GET /api/v1/exports/sessions': {
    kind: 'list',
    level: 'read',
    paths: ['/api/v1/exports/sessions?format=json', `/api/v1/exports/sessions?format=json&operator=${OPERATOR.A}`, `/api/v1/exports/sessions?format=json&chargePointId=${CP.A}`],
    owner: (tx) => ownerOfCp(tx.chargePointId),
  },
  'GET /api/v1/transactions/{id}': { kind: 'thing', level: 'read', path: (who, w) => `/api/v1/transactions/${w.transaction[who]}`, ok: [200] },
  'GET /api/v1/operators': { kind: 'list', level: 'read', paths: ['/api/v1/operators'], owner: (o) => ownerOfOperator(o.id) },
  'GET /api/v1/operators/{id}': { kind: 'thing', level: 'read', path: (who) => `/api/v1/operators/${OPERATOR[who]}`, ok: [200] },
  'GET /api/v1/cluster': { kind: 'admin', path: '/api/v1/cluster', ok: [200] },
  'PUT /api/v1/operators/{id}': { kind: 'admin', path: '/api/v1/operators/OPC-NEW', body: { name: 'New', kind: 'OPC' }, ok: [200, 201] },
  'DELETE /api/v1/operators/{id}': { kind: 'admin', path: '/api/v1/operators/OPC-UNUSED', ok: [204, 404] },
  'GET /api/v1/me': { kind: 'self' },
  'GET /api/v1/tokens': { kind: 'list', level: 'write', paths: ['/api/v1/tokens'], owner: (t) => (t.role === 'admin' ? 'admin' : ownerOfOperator(t.operator)) },
  'POST /api/v1/tokens': { kind: 'thing', level: 'write', path: () => '/api/v1/tokens', body: (who) => ({ name: `made for ${who}`, role: 'readonly', operator: OPERATOR[who] }), ok: [201] },
  'GET /api/v1/tokens/{id}': { kind: 'thing', level: 'write', path: (who, w) => `/api/v1/tokens/${w.victimToken[who]}`, ok: [200] },
  'DELETE /api/v1/tokens/{id}': { kind: 'thing', level: 'write', path: (who, w) => `/api/v1/tokens/${w.victimToken[who]}`, ok: [200] },
  'GET /api/v1/charge-points/{id}/frames': { kind: 'thing', level: 'read', path: (who) => `/api/v1/charge-points/${CP[who]}/frames`, ok: [200] },
  'GET /api/v1/charge-points/{id}/status-history': { kind: 'thing', level: 'read', path: (who) => `/api/v1/charge-points/${CP[who]}/status-history`, ok: [200] },
  'GET /api/v1/charge-points/{id}/meter-values': { kind: 'thing', level: 'read', path: (who) => `/api/v1/charge-points/${CP[who]}/meter-values`, ok: [200] },
  'GET /api/v1/transactions/{id}/energy': { kind: 'thing', level: 'read', path: (who, w) => `/api/v1/transactions/${w.transaction[who]}/energy`, ok: [200] },
  'GET /api/v1/stream': { kind: 'stream', path: '/api/v1/stream' },
  'GET /api/v1/validations/cases': { kind: 'open', path: '/api/v1/validations/cases' },
  // Campaigns approve software network-wide: only the network's administrators run them.
  'POST /api/v1/validations': { kind: 'admin', path: '/api/v1/validations', body: { chargePointId: CP.N, connectorId: 1, idTag: TAG.N }, ok: [409] },
  'GET /api/v1/validations': { kind: 'list', level: 'read', paths: ['/api/v1/validations', `/api/v1/validations?chargePointId=${CP.A}`], owner: (v) => ownerOfCp(v.chargePointId) },
  'GET /api/v1/validations/{id}': { kind: 'thing', level: 'read', path: (who, w) => `/api/v1/validations/${w.validation[who]}`, ok: [200] },
  'GET /api/v1/validations/{id}/report.html': { kind: 'thing', level: 'read', path: (who, w) => `/api/v1/validations/${w.validation[who]}/report.html`, ok: [200] },
  'POST /api/v1/validations/{id}/cases/{caseId}/confirm': { kind: 'admin', path: '/api/v1/validations/VAL-A/cases/none/confirm', body: { done: true }, ok: [404, 409] },
  'POST /api/v1/validations/{id}/cancel': { kind: 'admin', path: '/api/v1/validations/VAL-A/cancel', body: {}, ok: [200, 409] },
  'GET /api/v1/software': { kind: 'open', path: '/api/v1/software' },
  'POST /api/v1/software': {
    kind: 'admin',
    path: '/api/v1/software',
    body: { vendor: 'V', model: 'M', firmwareVersion: '1', ocppVersion: '1.6', transport: 'json', reference: 'bench report 1' },
    ok: [200, 201],
  },
  'DELETE /api/v1/software/{id}': { kind: 'admin', path: '/api/v1/software/none', ok: [204, 404] },
  'GET /api/v1/events': {
    kind: 'list',
    level: 'read',
    paths: ['/api/v1/events', '/api/v1/events?type=accessTest', `/api/v1/events?chargePointId=${CP.A}`],
    owner: (e) => ownerOfCp(e.chargePointId),
  },
  'GET /api/v1/operators/{operator}/webhook': { kind: 'thing', level: 'write', path: (who) => `/api/v1/operators/${OPERATOR[who]}/webhook`, ok: [200, 404] },
  'PUT /api/v1/operators/{operator}/webhook': {
    kind: 'thing',
    level: 'write',
    path: (who) => `/api/v1/operators/${OPERATOR[who]}/webhook`,
    body: () => ({ url: 'http://127.0.0.1:9/hook', secret: '0123456789abcdef0123' }),
    ok: [200, 201],
  },
  'DELETE /api/v1/operators/{operator}/webhook': { kind: 'thing', level: 'write', path: (who) => `/api/v1/operators/${OPERATOR[who]}/webhook`, ok: [204, 404] },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

async function setUp(t: TestTomada): Promise<World> {
  const admin = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'PUT') => {
    const result = await t.api(path, { method, body });
    assert.ok(result.status < 300, `${method} ${path}: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  };
  await admin(`/api/v1/operators/${OPERATOR.A}`, { name: 'Operator A', kind: 'OPC' });
  await admin(`/api/v1/operators/${OPERATOR.B}`, { name: 'Holder B', kind: 'DPC' });
  await admin('/api/v1/operators/OPC-UNUSED', { name: 'Unused', kind: 'OPC' });
  await admin(`/api/v1/charge-points/${CP.A}`, { operator: OPERATOR.A });
  await admin(`/api/v1/charge-points/${CP.B}`, { operator: OPERATOR.B, connection: 'platform' });
  await admin(`/api/v1/charge-points/${CP.N}`, {});
  await admin(`/api/v1/id-tags/${TAG.A}`, { status: 'Accepted', operator: OPERATOR.A });
  await admin(`/api/v1/id-tags/${TAG.B}`, { status: 'Accepted', operator: OPERATOR.B });
  await admin(`/api/v1/id-tags/${TAG.N}`, { status: 'Accepted' });
  const token = async (body: object) => (await admin('/api/v1/tokens', body, 'POST')) as { id: string; token: string };
  const tokens = {
    admin: (await token({ name: 'second admin', role: 'admin' })).token,
    opA: (await token({ name: 'A staff', role: 'operator', operator: OPERATOR.A })).token,
    opB: (await token({ name: 'B staff', role: 'operator', operator: OPERATOR.B })).token,
    roA: (await token({ name: 'A auditor', role: 'readonly', operator: OPERATOR.A })).token,
    roAll: (await token({ name: 'network auditor', role: 'readonly' })).token,
  };
  const victimToken = {
    A: (await token({ name: 'A victim', role: 'readonly', operator: OPERATOR.A })).id,
    B: (await token({ name: 'B victim', role: 'readonly', operator: OPERATOR.B })).id,
  };
  const clients = {} as Record<Who, TestClient>;
  const transaction = {} as Record<Who, number>;
  for (const who of ['A', 'B'] as const) {
    const client = await TestClient.connect(t.wsUrl, CP[who]);
    client.onCall = (action) => ({ status: action === 'UnlockConnector' ? 'Unlocked' : 'Accepted' });
    await boot(client);
    const started = await client.ok('StartTransaction', { connectorId: 1, idTag: TAG[who], meterStart: 0, timestamp: '2024-05-01T10:00:00Z' });
    await client.ok('StopTransaction', { transactionId: started.transactionId, meterStop: 1000, timestamp: '2024-05-01T11:00:00Z' });
    clients[who] = client;
    transaction[who] = started.transactionId;
  }
  // Finished campaigns and events of each owner, stored as the campaign runner and the domain store them.
  const validation = { A: 'VAL-A', B: 'VAL-B' };
  await t.store.transact(async (tx) => {
    for (const who of ['A', 'B'] as const) {
      await tx.putValidation({
        id: validation[who],
        chargePointId: CP[who],
        connectorId: 1,
        idTag: TAG[who],
        blockedIdTag: `${TAG[who]}-X`,
        status: 'finished',
        verdict: 'pass',
        software: { vendor: 'V', model: 'M' },
        timing: { caseTimeoutS: 60, manualTimeoutS: 60, heartbeatIntervalS: 60, pendingIntervalS: 5 } as never,
        startedAt: '2024-05-02T10:00:00.000Z',
        finishedAt: '2024-05-02T10:10:00.000Z',
        counts: { pass: 0, fail: 0, skipped: 0, manual: 0, pending: 0 },
        cases: [],
      });
    }
    for (const chargePointId of [CP.A, CP.B, null]) {
      await tx.insertEvent({ at: '2024-05-02T10:00:00.000Z', chargePointId, type: 'accessTest', data: {} });
    }
  });
  return { tokens, victimToken, transaction, clients, validation };
}

/** The owners of what a live stream tells a token about before its `ready` event. */
async function streamed(t: TestTomada, path: string, token: string): Promise<Set<Owner>> {
  assert.equal(path, '/api/v1/stream');
  const stream = openStream(t, token);
  try {
    assert.equal((await stream.response).status, 200);
    await stream.waitFor('ready');
  } finally {
    stream.close();
  }
  const owners = new Set<Owner>();
  for (const { type, data } of stream.events.slice(0, stream.events.findIndex((e) => e.type === 'ready'))) {
    if (type === 'chargePoint') owners.add(ownerOfCp(data.id));
    if (type === 'transaction') owners.add(ownerOfCp(data.chargePointId));
  }
  return owners;
}

async function routesOf(t: TestTomada): Promise<string[]> {
  const doc = (await (await fetch(`${t.httpUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
}

const callsReceived = (client: TestClient) => client.received.filter((f) => f[0] === 2).length;

test('role isolation on every route', async (s) => {
  const t = await startTestTomada();
  let w: World | undefined;
  try {
    w = await setUp(t);
    const world = w;
    const as = (token: string, path: string, method: string, body?: unknown) => t.api(path, { method, body, token });
    const routes = await routesOf(t);

    await s.test('every route in the OpenAPI document has an isolation case', () => {
      const missing = routes.filter((route) => !(route in CASES));
      assert.deepEqual(missing, [], 'add a case for each new route');
      assert.deepEqual(Object.keys(CASES).filter((c) => !routes.includes(c)), [], 'no case for a route that does not exist');
    });

    for (const route of routes) {
      const spec = CASES[route];
      if (!spec) continue;
      const method = route.split(' ')[0]!;
      await s.test(route, async () => {
        switch (spec.kind) {
          case 'thing': {
            const body = (who: Who) => spec.body?.(who);
            const before = await t.api(spec.path('A', world));
            const callsBefore = callsReceived(world.clients.A);
            // Operator B on A's thing: as if it did not exist (a PUT, which would create it, is forbidden).
            const b = await as(world.tokens.opB, spec.path('A', world), method, body('A'));
            assert.ok([403, 404].includes(b.status), `B on A's: ${b.status} ${JSON.stringify(b.body)}`);
            if (method === 'PUT') assert.equal(b.status, 403);
            if (method === 'GET' || method === 'DELETE') assert.equal(b.status, 404, 'reads answer 404: nothing is disclosed');
            assert.deepEqual(Object.keys(b.body).sort(), ['error', 'message']);
            if (b.status === 404) {
              // Word for word what an id nobody has gets, or the wording would tell that it exists.
              const ghost = ghostOf(spec.path('A', world), body('A'), world);
              const answer = await as(world.tokens.opB, ghost.path, method, ghost.body);
              assert.deepEqual({ status: answer.status, body: ghost.back(answer.body) }, { status: b.status, body: b.body }, `B on A's ${spec.path('A', world)} and on ${ghost.path}`);
            }
            assert.equal(callsReceived(world.clients.A), callsBefore, 'nothing reached A\'s charge point');
            if (method !== 'POST') assert.deepEqual(await t.api(spec.path('A', world)), before, 'A\'s thing is unchanged');
            // Read-only tokens: never a write; reads only within their scope.
            for (const [token, scoped] of [
              [world.tokens.roA, true],
              [world.tokens.roAll, false],
            ] as const) {
              const own = await as(token, spec.path('A', world), method, body('A'));
              const other = await as(token, spec.path('B', world), method, body('B'));
              if (spec.level !== 'read') {
                assert.equal(own.status, 403, `read-only write: ${JSON.stringify(own.body)}`);
                assert.equal(other.status, 403);
              } else {
                assert.ok(spec.ok.includes(own.status), `read-only on its own: ${own.status}`);
                if (scoped) assert.equal(other.status, 404, 'scoped read-only on B\'s');
                else assert.ok(spec.ok.includes(other.status), `network read-only on B's: ${other.status}`);
              }
            }
            // The owner and the administrator may.
            const a = await as(world.tokens.opA, spec.path('A', world), method, body('A'));
            assert.ok(spec.ok.includes(a.status), `A on its own: ${a.status} ${JSON.stringify(a.body)}`);
            const admin = await as(world.tokens.admin, spec.path('B', world), method, body('B'));
            assert.ok(spec.ok.includes(admin.status), `admin on B's: ${admin.status} ${JSON.stringify(admin.body)}`);
            break;
          }
          case 'list': {
            for (const path of spec.paths) {
              const seen = async (token: string): Promise<Set<string> | undefined> => {
                const result = await as(token, path, 'GET');
                if (result.status === 403) return undefined;
                assert.equal(result.status, 200, `${path}: ${JSON.stringify(result.body)}`);
                const items: unknown[] = Array.isArray(result.body) ? result.body : result.body.items;
                return new Set(items.map((item) => spec.owner(item, world)));
              };
              const filter = `chargePointId=${CP.A}`;
              if (path.includes(filter)) {
                // A filter naming A's charge point is answered to B word for word as one naming an
                // id nobody has, or the answer would tell that it exists.
                const ghost = path.replace(filter, `chargePointId=${ghostFor(CP.A)}`);
                assert.deepEqual(await as(world.tokens.opB, path, 'GET'), await as(world.tokens.opB, ghost, 'GET'), `B on ${path} and on ${ghost}`);
              }
              const b = await seen(world.tokens.opB);
              assert.ok(b, `B may list ${path}`);
              assert.ok(!b.has('A') && !b.has('N') && !b.has('admin'), `${path}: B sees only its own, saw ${[...b]}`);
              const a = await seen(world.tokens.opA);
              assert.ok(a && !a.has('B') && !a.has('N'), `${path}: A sees only its own`);
              const all = await seen(world.tokens.admin);
              assert.ok(all, 'admin lists');
              if (!/[?&](operator|chargePointId)=/.test(path)) {
                assert.ok(b.has('B') && a.has('A'), `${path}: each sees its own (the list is not just empty)`);
                assert.ok(all.has('A') && all.has('B'), `${path}: the administrator sees both`);
              }
              const roA = await seen(world.tokens.roA);
              const roAll = await seen(world.tokens.roAll);
              if (spec.level === 'read') {
                assert.ok(roA && !roA.has('B') && !roA.has('N'), `${path}: scoped read-only sees only A's`);
                assert.ok(roAll, 'network read-only lists');
                if (!/[?&](operator|chargePointId)=/.test(path)) assert.ok(roAll.has('A') && roAll.has('B'), `${path}: network read-only sees both`);
              } else {
                assert.equal(roA, undefined, 'read-only cannot list this');
                assert.equal(roAll, undefined, 'read-only cannot list this');
              }
            }
            break;
          }
          case 'admin': {
            for (const token of [world.tokens.opA, world.tokens.opB, world.tokens.roA, world.tokens.roAll]) {
              const result = await as(token, spec.path, method, spec.body);
              assert.equal(result.status, 403, `${JSON.stringify(result.body)}`);
            }
            const admin = await as(world.tokens.admin, spec.path, method, spec.body);
            assert.ok(spec.ok.includes(admin.status), `admin: ${admin.status} ${JSON.stringify(admin.body)}`);
            break;
          }
          case 'stream': {
            const b = await streamed(t, spec.path, world.tokens.opB);
            assert.deepEqual([...b], ['B'], 'B is told about its own charge point only');
            const roA = await streamed(t, spec.path, world.tokens.roA);
            assert.deepEqual([...roA], ['A']);
            const all = await streamed(t, spec.path, world.tokens.admin);
            assert.deepEqual([...all].sort(), ['A', 'B', 'N']);
            break;
          }
          case 'open': {
            const answers = await Promise.all(Object.values(world.tokens).map((token) => as(token, spec.path, 'GET')));
            for (const answer of answers) assert.equal(answer.status, 200);
            for (const answer of answers) assert.deepEqual(answer.body, answers[0]!.body, 'the same for everyone');
            break;
          }
          case 'self': {
            const me = await as(world.tokens.opB, '/api/v1/me', 'GET');
            assert.deepEqual({ role: me.body.role, operator: me.body.operator, tokenName: me.body.tokenName }, { role: 'operator', operator: OPERATOR.B, tokenName: 'B staff' });
            const ro = await as(world.tokens.roAll, '/api/v1/me', 'GET');
            assert.deepEqual({ role: ro.body.role, operator: ro.body.operator }, { role: 'readonly', operator: null });
            break;
          }
        }
      });
    }
  } finally {
    if (w) await Promise.all(Object.values(w.clients).map((c) => c.close()));
    await t.close();
  }
});
