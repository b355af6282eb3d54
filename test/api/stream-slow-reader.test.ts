// What one client's live streams may cost the node. A client that stops reading does not make the
// node keep every change for it: once it is more than the stream's limit behind (beyond its first
// state) its stream is cut, and a client that reads gets everything, however much that is. One
// token holds a bounded number of streams (each new one is sent the whole state).
// store: sqlite-only. The stream route alone, over a feed of its own: no store is reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep, setImmediate as nextTurn } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { streamRoutes, type StreamOptions } from '../../src/api/routes/stream.js';
import { errorHandler } from '../../src/api/errors.js';
import type { FeedListener } from '../../src/api/live-feed.js';

/** A feed that tells its listener what the test says, and counts who left. */
class TestFeed {
  listener: FeedListener | undefined;
  removed = 0;
  async subscribe(listener: FeedListener) {
    this.listener = listener;
    // A first state of 2 MiB: larger than the limit, and never cut for it.
    for (let i = 0; i < 32; i++) this.tell(i, 64 * 1024);
    return () => {
      this.removed++;
    };
  }
  stop() {}
  tell(id: number, size: number) {
    const json = JSON.stringify({ id: `CP-${id}`, padding: 'p'.repeat(size) });
    this.listener!.send({ type: 'chargePoint', data: JSON.parse(json) }, json);
  }
}

const MAX_BEHIND = 4 * 1024 * 1024;

async function server(feed: TestFeed, maxPerToken?: number): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify();
  app.setErrorHandler(errorHandler);
  // What the access hook does: the token the request came with (here, its id is the bearer token).
  app.addHook('onRequest', async (request) => {
    const id = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    request.apiToken = { id, name: id };
  });
  const apiTokens: StreamOptions['apiTokens'] = { check: async () => ({ principal: { tokenId: 't', tokenName: 't', role: 'admin', operator: null, expiresAt: null } }) };
  await app.register(streamRoutes, { feed, apiTokens, maxBehind: MAX_BEHIND, ...(maxPerToken ? { maxPerToken } : {}) } as unknown as StreamOptions);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}

async function until(what: string, check: () => boolean) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    assert.ok(Date.now() < deadline, what);
    await sleep(10);
  }
}

test('a client that stops reading has its stream cut once it is the limit behind; one that reads is never cut', async (s) => {
  await s.test('not reading', async () => {
    const feed = new TestFeed();
    const { app, port } = await server(feed);
    try {
      const socket = connect(port, '127.0.0.1');
      socket.write('GET /stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\n\r\n');
      socket.pause(); // reads nothing: what the kernel's buffers do not hold waits in the node
      await until('subscribed', () => feed.listener !== undefined);
      // 32 MiB of changes, well past what the sockets' buffers hold and the limit.
      for (let i = 0; i < 512 && feed.removed === 0; i++) {
        feed.tell(i, 64 * 1024);
        await nextTurn();
      }
      assert.equal(feed.removed, 1, 'the stream was cut, and left the feed');
      socket.destroy();
    } finally {
      await app.close();
    }
  });

  await s.test('reading', async () => {
    const feed = new TestFeed();
    const { app, port } = await server(feed);
    const controller = new AbortController();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/stream`, { headers: { authorization: 'Bearer x' }, signal: controller.signal });
      let read = 0;
      const reading = (async () => {
        for await (const chunk of response.body!) read += chunk.length;
      })().catch(() => undefined);
      await until('the first state', () => read > 2 * 1024 * 1024);
      // 8 MiB, twice the limit, at the pace the client takes it.
      for (let i = 0; i < 128; i++) {
        feed.tell(i, 64 * 1024);
        await sleep(1);
      }
      await until('everything', () => read > 10 * 1024 * 1024);
      assert.equal(feed.removed, 0, 'never cut');
      controller.abort();
      await reading;
    } finally {
      await app.close();
    }
  });
});

test('one token holds a bounded number of streams at once (then 429); a closed one frees its place; other tokens are not counted', async () => {
  const feed = new TestFeed();
  const { app, port } = await server(feed, 2);
  const controllers: AbortController[] = [];
  const open = async (token: string) => {
    const controller = new AbortController();
    controllers.push(controller);
    const response = await fetch(`http://127.0.0.1:${port}/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    if (response.status === 200) void response.body!.pipeTo(new WritableStream()).catch(() => undefined);
    return { response, close: () => controller.abort() };
  };
  try {
    const first = await open('wall');
    assert.equal(first.response.status, 200);
    assert.equal((await open('wall')).response.status, 200);
    const third = await open('wall');
    assert.equal(third.response.status, 429);
    assert.deepEqual(await third.response.json(), { error: 'TooManyRequests', message: 'This token has 2 live streams open on this node already; close one first' });
    assert.equal((await open('desk')).response.status, 200, 'another token has its own');
    first.close();
    await until('the place freed', () => feed.removed >= 1);
    assert.equal((await open('wall')).response.status, 200);
  } finally {
    controllers.forEach((controller) => controller.abort());
    await app.close();
  }
});
