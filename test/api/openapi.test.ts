// The OpenAPI document describes the whole API and resolves; the HTTP edge answers bad requests
// (unknown routes, broken JSON, oversize bodies) with precise 4xx JSON errors, never a 500.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { clientErrorHandler } from '../../src/api/errors.js';
import { ADMIN_TOKEN, startTestTomada, type TestTomada } from '../support/tomada.js';

const EXPECTED_ROUTES: Record<string, string[]> = {
  '/api/v1/charge-points': ['get'],
  '/api/v1/charge-points/{id}': ['get', 'put'],
  '/api/v1/charge-points/{id}/commands/remote-start': ['post'],
  '/api/v1/charge-points/{id}/commands/remote-stop': ['post'],
  '/api/v1/charge-points/{id}/commands/reset': ['post'],
  '/api/v1/charge-points/{id}/commands/unlock': ['post'],
  '/api/v1/id-tags': ['get'],
  '/api/v1/id-tags/{idTag}': ['get', 'put'],
  '/api/v1/operators': ['get'],
  '/api/v1/operators/{id}': ['delete', 'get', 'put'],
  '/api/v1/me': ['get'],
  '/api/v1/exports/sessions': ['get'],
  '/api/v1/tokens': ['get', 'post'],
  '/api/v1/tokens/{id}': ['delete', 'get'],
  '/api/v1/transactions': ['get'],
  '/api/v1/transactions/{id}': ['get'],
  '/api/v1/validations': ['get', 'post'],
  '/api/v1/validations/cases': ['get'],
  '/api/v1/validations/{id}': ['get'],
  '/api/v1/validations/{id}/report.html': ['get'],
  '/api/v1/validations/{id}/cases/{caseId}/confirm': ['post'],
  '/api/v1/validations/{id}/cancel': ['post'],
  '/api/v1/software': ['get', 'post'],
  '/api/v1/software/{id}': ['delete'],
  '/api/v1/events': ['get'],
  '/api/v1/operators/{operator}/webhook': ['delete', 'get', 'put'],
  '/api/v1/charge-points/{id}/frames': ['get'],
  '/api/v1/charge-points/{id}/status-history': ['get'],
  '/api/v1/charge-points/{id}/meter-values': ['get'],
  '/api/v1/transactions/{id}/energy': ['get'],
  '/api/v1/stream': ['get'],
  '/api/v1/cluster': ['get'],
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

function collectRefs(node: unknown, path: string, out: { ref: string; at: string }[]) {
  if (Array.isArray(node)) node.forEach((item, i) => collectRefs(item, `${path}/${i}`, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref') out.push({ ref: String(value), at: path });
      else collectRefs(value, `${path}/${key}`, out);
    }
  }
  return out;
}

async function send(t: TestTomada, method: string, path: string, body: RequestInit['body'], headers: Record<string, string> = {}) {
  const response = await fetch(`${t.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
}

function assertJsonError(result: { status: number; contentType: string; text: string }, status: number, what: string) {
  assert.equal(result.status, status, `${what}: ${result.text}`);
  assert.match(result.contentType, /^application\/json/, what);
  const body = JSON.parse(result.text);
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message'], what);
  // Named in words, as every other error of the API, never by a framework's code (FST_ERR_…).
  assert.match(body.error, /^[A-Z][A-Za-z]+$/, what);
  assert.equal(typeof body.message, 'string');
  return body;
}

/** Writes `request` as it is on a new connection to the API and reads until the server closes it. */
async function rawExchange(t: TestTomada, request: string): Promise<{ status: number; headers: string; body: string }> {
  const { port } = new URL(t.httpUrl);
  const socket = connect(Number(port), '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.write(request);
  await new Promise<void>((resolve, reject) => {
    socket.on('close', () => resolve());
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`no close; read so far: ${text}`)), 3_000).unref();
  });
  const [head, body = ''] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head!)?.[1]), headers: head!, body };
}

test('the OpenAPI document and the HTTP edge', async (s) => {
  const t = await startTestTomada();
  try {
    await s.test('/api/openapi.json is an OpenAPI 3 document listing every route with its methods', async () => {
      const response = await fetch(`${t.httpUrl}/api/openapi.json`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const doc = (await response.json()) as any;
      assert.match(doc.openapi, /^3\.\d+\.\d+$/);
      assert.equal(typeof doc.info?.title, 'string');
      assert.equal(typeof doc.info?.version, 'string');
      assert.equal(typeof doc.paths, 'object');

      const listed = Object.fromEntries(
        Object.entries(doc.paths as Record<string, object>).map(([path, item]) => [path, Object.keys(item).filter((k) => METHODS.includes(k)).sort()]),
      );
      assert.deepEqual(listed, EXPECTED_ROUTES, 'exactly the API routes (no /health, no document route)');

      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
        const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const method of EXPECTED_ROUTES[path]!) {
          const operation = item[method];
          assert.ok(operation.responses && Object.keys(operation.responses).length > 0, `${method} ${path}: responses`);
          const declared = (operation.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
          assert.deepEqual(declared.sort(), [...pathParams].sort(), `${method} ${path}: path parameters`);
          if (method === 'put' || method === 'post') {
            assert.ok(operation.requestBody?.content?.['application/json']?.schema, `${method} ${path}: a JSON body schema`);
          }
        }
      }

      // Bearer auth is declared for the API.
      assert.equal(doc.components?.securitySchemes?.bearer?.scheme, 'bearer');
      assert.deepEqual(doc.security, [{ bearer: [] }]);

      // The documented answers name the shared schemas.
      const okSchema = (path: string, method: string, status = '200') =>
        JSON.stringify(doc.paths[path][method].responses[status].content['application/json'].schema);
      assert.match(okSchema('/api/v1/charge-points/{id}', 'get'), /#\/components\/schemas\/ChargePoint/);
      assert.match(okSchema('/api/v1/transactions/{id}', 'get'), /#\/components\/schemas\/Transaction/);
      assert.match(okSchema('/api/v1/id-tags', 'get'), /#\/components\/schemas\/IdTag/);
      assert.match(okSchema('/api/v1/transactions/{id}', 'get'), /meterValues/);
    });

    await s.test('the document says what each route answers: a success, a 400 when it checks input, errors as JSON only', async () => {
      const doc = (await (await fetch(`${t.httpUrl}/api/openapi.json`)).json()) as any;
      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
        for (const method of EXPECTED_ROUTES[path]!) {
          const operation = item[method];
          const what = `${method} ${path}`;
          const statuses = Object.keys(operation.responses);
          assert.ok(statuses.some((status) => /^2\d\d$/.test(status)), `${what}: a success documented (${statuses})`);
          if ((operation.parameters ?? []).length > 0 || operation.requestBody) assert.ok(statuses.includes('400'), `${what}: its input is checked, so a 400 (${statuses})`);
          for (const status of statuses.filter((status) => Number(status) >= 400)) {
            assert.deepEqual(Object.keys(operation.responses[status].content ?? {}), ['application/json'], `${what} ${status}: errors are JSON`);
          }
        }
      }
      const successTypes = (path: string) => Object.keys(doc.paths[path].get.responses['200'].content);
      assert.deepEqual(successTypes('/api/v1/validations/{id}/report.html'), ['text/html']);
      assert.deepEqual(successTypes('/api/v1/exports/sessions'), ['text/csv', 'application/json']);
      assert.deepEqual(successTypes('/api/v1/stream'), ['text/event-stream']);
      // What the document says of the report's errors is what they are.
      const missing = await send(t, 'GET', '/api/v1/validations/nope/report.html', undefined);
      assertJsonError(missing, 404, 'a missing report');
    });

    await s.test('every $ref in the document resolves to a schema in components.schemas', async () => {
      const doc = (await (await fetch(`${t.httpUrl}/api/openapi.json`)).json()) as any;
      const schemas = doc.components?.schemas ?? {};
      const refs = collectRefs(doc, '#', []);
      assert.ok(refs.length >= 4, `refs are used (${refs.length})`);
      for (const { ref, at } of refs) {
        const match = /^#\/components\/schemas\/([^/]+)$/.exec(ref);
        assert.ok(match, `${at}: ${ref} is a local components.schemas reference`);
        const target = schemas[decodeURIComponent(match![1]!)];
        assert.ok(target && typeof target === 'object', `${at}: ${ref} resolves`);
      }
      for (const name of ['ChargePoint', 'IdTag', 'Transaction']) assert.ok(schemas[name], `components.schemas.${name}`);
      // No TypeBox or JSON-schema-only leftovers that OpenAPI 3.0 tools reject.
      const text = JSON.stringify(doc);
      assert.ok(!text.includes('"$id"'), 'no $id');
      assert.ok(!text.includes('"const"'), 'no const (not OpenAPI 3.0)');
    });

    await s.test('a number in a path or query that is not a safe integer ("1e400", read as Infinity; 1e20) is a 400, not a database error', async () => {
      await t.api('/api/v1/charge-points/BIG-1', { method: 'PUT', body: {} });
      for (const path of [
        '/api/v1/transactions/1e400',
        '/api/v1/transactions?limit=1e400',
        '/api/v1/transactions/-1e400',
        '/api/v1/charge-points/BIG-1/status-history?beforeId=1e400',
        '/api/v1/charge-points/BIG-1/meter-values?afterId=1e400',
        '/api/v1/events?afterId=1e400',
        '/api/v1/events?afterId=100000000000000000000',
        '/api/v1/transactions?limit=9007199254740993',
      ]) {
        const answer = await t.api(path);
        assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
        assert.match(answer.body.message, /must be/, path);
      }
    });

    await s.test('a NUL character or a lone surrogate in a body, a query or a path is a 400 naming the field, on both stores', async () => {
      for (const [method, path, body, field] of [
        ['PUT', '/api/v1/operators/OPC-NUL', { name: 'a\u0000b', kind: 'OPC' }, 'body/name'],
        ['PUT', '/api/v1/id-tags/NUL-TAG', { status: 'Accepted', parentIdTag: 'P\u0000' }, 'body/parentIdTag'],
        ['POST', '/api/v1/tokens', { name: 'n\u0000', role: 'readonly' }, 'body/name'],
        ['GET', '/api/v1/transactions?idTag=%00', undefined, 'querystring/idTag'],
        ['GET', '/api/v1/charge-points?afterId=A%00', undefined, 'querystring/afterId'],
      ] as const) {
        const answer = await t.api(path, { method, body });
        assert.equal(answer.status, 400, `${method} ${path}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.message, `${field} must not contain the NUL character (U+0000)`);
      }
      // A lone surrogate: SQLite kept bytes that are not UTF-8, PostgreSQL a U+FFFD, so two id tags became one.
      const lone = await t.api('/api/v1/id-tags/LONE-TAG', { method: 'PUT', body: { status: 'Accepted', parentIdTag: 'P\ud800' } });
      assert.equal(lone.status, 400, JSON.stringify(lone.body));
      assert.equal(lone.body.message, 'body/parentIdTag must be well-formed Unicode (a lone UTF-16 surrogate cannot be stored)');
      assert.equal((await t.api('/api/v1/operators/OPC-NUL')).status, 404, 'nothing was stored');
    });

    await s.test('an unknown route is a 404 JSON error', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/nope'],
        ['GET', '/nope'],
        ['GET', '/api/v2/charge-points'],
        ['DELETE', '/api/v1/id-tags/TAG/history'],
        ['POST', '/api/v1/charge-points/CP/commands/explode'],
      ] as const) {
        assertJsonError(await send(t, method, path, method === 'POST' ? '{}' : undefined, method === 'POST' ? { 'content-type': 'application/json' } : {}), 404, `${method} ${path}`);
      }
    });

    await s.test('a method a route does not have is a 405 naming the ones it has in Allow, with or without a token', async () => {
      for (const [method, path, allow] of [
        ['DELETE', '/api/v1/id-tags/TAG', 'GET, HEAD, PUT'],
        ['PATCH', '/api/v1/charge-points/CP', 'GET, HEAD, PUT'],
        ['POST', '/api/v1/me', 'GET, HEAD'],
        ['GET', '/api/v1/charge-points/CP/commands/reset', 'POST'],
        ['PUT', '/api/v1/tokens?name=x', 'GET, HEAD, POST'],
        ['POST', '/health', 'GET, HEAD'],
        // A HEAD of the stream subscribed and hung, its headers never sent.
        ['HEAD', '/api/v1/stream', 'GET'],
        ['OPTIONS', '/api/v1/operators/OPC-1', 'GET, HEAD, PUT, DELETE'],
      ] as const) {
        for (const headers of [{}, { authorization: '' }]) {
          const response = await fetch(`${t.httpUrl}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers }, signal: AbortSignal.timeout(3_000) });
          const result = { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
          if (method === 'HEAD') {
            // No body to a HEAD: the status and the header say it.
            assert.equal(result.status, 405, path);
            assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
            continue;
          }
          const body = assertJsonError(result, 405, `${method} ${path}`);
          assert.equal(body.error, 'MethodNotAllowed');
          assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
          assert.match(body.message, new RegExp(`^${method} is not a method of ${path.split('?')[0]}; it takes ${allow}$`));
        }
      }
    });

    await s.test('what the HTTP parser and the router refuse has the same {error, message} shape, with clear words', async () => {
      const expectShape = (result: { status: number; body: string }, status: number, error: string, message: RegExp, what: string) => {
        assert.equal(result.status, status, `${what}: ${result.body}`);
        const body = JSON.parse(result.body);
        assert.deepEqual(Object.keys(body).sort(), ['error', 'message'], what);
        assert.equal(body.error, error, what);
        assert.match(body.message, message, what);
      };
      // A header (or a URL) past Node's 16 KiB: the framework's body had a third field, statusCode.
      const big = await rawExchange(t, `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`);
      expectShape(big, 431, 'RequestHeaderFieldsTooLarge', /larger than 16 KiB/, 'header too large');
      assert.match(big.headers, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
      const longUrl = await rawExchange(t, `GET /api/v1/transactions?idTag=${'u'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expectShape(longUrl, 431, 'RequestHeaderFieldsTooLarge', /a URL or a header too long/, 'URL too long');
      for (const length of ['abc', '5\r\nContent-Length: 6']) {
        const wrong = await rawExchange(t, `PUT /api/v1/operators/OPC-1 HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n{}`);
        expectShape(wrong, 400, 'BadRequest', /^Content-Length is not one decimal length/, `Content-Length: ${length}`);
      }
      expectShape(await rawExchange(t, 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n'), 400, 'BadRequest', /header field is not well-formed/, 'bad header name');
      expectShape(await rawExchange(t, 'BREW /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n'), 501, 'NotImplemented', /method/, 'unknown method');
      // Asterisk-form names no resource (the router read it as "/", the dashboard's page, whose methods a 405 named).
      expectShape(await rawExchange(t, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 404, 'NotFound', /^No route OPTIONS \*$/, 'OPTIONS *');
      // The router's own: a path segment longer than it keeps, a broken percent-encoding.
      const long = await send(t, 'GET', `/api/v1/charge-points/${'L'.repeat(101)}`, undefined);
      expectShape({ status: long.status, body: long.text }, 414, 'URITooLong', /longer than 100 characters/, 'long path segment');
      const badUrl = await send(t, 'GET', '/api/v1/charge-points/%zz', undefined);
      expectShape({ status: badUrl.status, body: badUrl.text }, 400, 'BadRequest', /not valid percent-encoding/, 'bad percent-encoding');
      // The body parser's: another media type or none (text/plain was read as a string, then refused as "body must be object").
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
        const other = await send(t, 'PUT', '/api/v1/operators/OPC-1', '{"name":"A","kind":"OPC"}', type === undefined ? { 'content-type': '' } : { 'content-type': type });
        expectShape({ status: other.status, body: other.text }, 415, 'UnsupportedMediaType', type ? new RegExp(`application/json; this one came as "${type}"`) : /without a Content-Type/, `${type}`);
      }
      const tooLarge = await send(t, 'PUT', '/api/v1/operators/OPC-1', JSON.stringify({ name: 'x'.repeat(70_000), kind: 'OPC' }), { 'content-type': 'application/json' });
      expectShape({ status: tooLarge.status, body: tooLarge.text }, 413, 'PayloadTooLarge', /larger than the 64 KiB/, 'body too large');
      assert.equal((await t.api('/api/v1/operators/OPC-1')).status, 404, 'none of them wrote');
    });

    await s.test('an Expect header the server does not take is a 417 in the same shape (Node answered it with no body)', async () => {
      const answer = await rawExchange(t, 'GET /health HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n');
      assert.equal(answer.status, 417, answer.headers);
      assert.deepEqual(JSON.parse(answer.body), { error: 'ExpectationFailed', message: 'Expect: tea is not supported (only 100-continue is)' });
    });

    await s.test('a request that does not arrive in time is a 408 in the same shape; nothing is written into an answer already begun', () => {
      const written: string[] = [];
      let destroyed = false;
      const socket = (answering?: { headersSent: boolean }) =>
        ({ writable: true, destroyed: false, _httpMessage: answering, write: (text: string) => written.push(text), destroy: () => (destroyed = true) }) as unknown as Socket;
      const timeout = Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
      clientErrorHandler(10_000)(timeout, socket());
      assert.ok(destroyed);
      const [head, body] = written[0]!.split('\r\n\r\n');
      assert.match(head!, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.deepEqual(JSON.parse(body!), { error: 'RequestTimeout', message: 'The request did not arrive whole within 10 s' });
      written.length = 0;
      clientErrorHandler(10_000)(timeout, socket({ headersSent: true }));
      assert.deepEqual(written, []);
    });

    await s.test('a body that is not JSON is a 400, not a 500', async () => {
      const json = { 'content-type': 'application/json' };
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', '{"status": "Accepted"', json), 400, 'truncated JSON');
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', 'status=Accepted', json), 400, 'form text sent as JSON');
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', '', json), 400, 'empty JSON body');
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', '"Accepted"', json), 400, 'a JSON string, not an object');
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', 'null', json), 400, 'JSON null');
      assertJsonError(await send(t, 'POST', '/api/v1/charge-points/CP/commands/reset', '{"type":', json), 400, 'truncated JSON on a command');
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', '{"status":"Accepted","__proto__":{"admin":true}}', json), 400, '__proto__');
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', Buffer.from([0xff, 0xfe, 0x00]), json), 400, 'bytes that are not UTF-8 JSON');
      // Another media type is refused as such.
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', 'status=Accepted', { 'content-type': 'text/plain' }), 415, 'text/plain');
      // None of these created the tag.
      assert.deepEqual((await t.api('/api/v1/id-tags')).body, { items: [] });
    });

    await s.test('a body over 64 KiB is a 413; one under it is read', async () => {
      const json = { 'content-type': 'application/json' };
      const big = JSON.stringify({ status: 'Accepted', padding: 'x'.repeat(64 * 1024) });
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', big, json), 413, 'over the limit');
      assertJsonError(await send(t, 'PUT', '/api/v1/charge-points/CP-BIG', JSON.stringify({ operator: 'y'.repeat(70_000) }), json), 413, 'on another route');

      // Without Content-Length (chunked), the limit holds too.
      const chunk = new TextEncoder().encode(`{"status":"Accepted","padding":"${'z'.repeat(16 * 1024)}`);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 6) controller.enqueue(chunk);
          else {
            controller.enqueue(new TextEncoder().encode('"}'));
            controller.close();
          }
        },
      });
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', stream, json), 413, 'chunked, over the limit');

      // 60 KiB is under the limit: it is parsed and validated (the unknown field is a 400, not a 413).
      const under = JSON.stringify({ status: 'Accepted', padding: 'x'.repeat(60 * 1024) });
      assertJsonError(await send(t, 'PUT', '/api/v1/id-tags/TAG', under, json), 400, 'under the limit');
      assert.deepEqual((await t.api('/api/v1/id-tags')).body, { items: [] });
      // The server is still fine.
      assert.equal((await t.api('/api/v1/id-tags/TAG', { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
    });
  } finally {
    await t.close();
  }
});

/**
 * Until the API takes no new connection, its close begun: before it closes, the node stops its
 * campaigns and webhook delivery (a store round trip), which a fixed 100 ms did not always cover
 * on a loaded machine (the request after it was then served, 200).
 */
async function untilRefused(port: number): Promise<void> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(port, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the API still takes connections after 10 s of stopping');
}

test('a request that comes on an open connection while the node stops is a 503 in the API shape, the one before it done', async () => {
  const t = await startTestTomada();
  let stopped: Promise<void> | undefined;
  try {
    const socket = connect(Number(new URL(t.httpUrl).port), '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // A request whose body is still on its way when the node begins to stop: its connection is busy.
    socket.write(`PUT /api/v1/operators/OPC-STOP HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n{"name":"S",`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    stopped = t.close();
    await untilRefused(Number(new URL(t.httpUrl).port));
    socket.write('"kind":"OPC"}GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    const [first, second] = text.split(/(?=HTTP\/1\.1 )/);
    assert.match(first!, /^HTTP\/1\.1 201 Created\r\n/, text);
    assert.match(second!, /^HTTP\/1\.1 503 Service Unavailable\r\n/, text);
    assert.match(second!, /\r\nconnection: close\r\n/i);
    assert.deepEqual(JSON.parse(second!.split('\r\n\r\n')[1]!), { error: 'ServiceUnavailable', message: 'This node is stopping: send the request again (to another node)' });
  } finally {
    await (stopped ?? t.close());
  }
});
