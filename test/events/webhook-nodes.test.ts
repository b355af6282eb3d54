// Webhook delivery with several nodes on one database (two stores on one SQLite file, or on one
// PostgreSQL schema, each a node with a deliverer of its own), against a real HTTP receiver: one
// node at a time delivers a webhook and gives it up once it has sent everything; a node whose
// lease ran out writes nothing more; the backoff after a failure holds for every node, and a lease
// or backoff from a clock far ahead does not; a pass still running when the operator sets the
// webhook again, or deletes and recreates it, posts nothing more to the old URL; a stopping node
// cuts off its POST without counting a failure; migration 0015 keeps an existing webhook going.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newChargePoint } from '../../src/domain/registry.js';
import { Events } from '../../src/events/events.js';
import { WebhookDeliverer, type DelivererOptions } from '../../src/events/webhooks.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { migratedTo, withTestDatabase } from '../support/database.js';

const SECRET = 'a-secret-of-sixteen+';
const quiet = { warn: () => undefined, error: () => undefined };

/**
 * A receiver, closed when the test ends: each request's event id goes to `requests`; `answer`
 * decides when and how it is answered.
 */
async function receiver(t: TestContext, answer: (eventId: number, response: ServerResponse) => void = (_, response) => response.writeHead(204).end()) {
  const requests: number[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      const eventId = Number(request.headers['x-tomada-event-id']);
      requests.push(eventId);
      answer(eventId, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  t.after(close);
  return { requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

/** Two nodes on one database: an operator `opw` with a charge point, and a webhook to `url`. */
async function withTwoNodes(t: { skip(reason: string): void }, url: string, body: (a: Store, b: Store) => Promise<void>): Promise<void> {
  await withTestDatabase(t, async (database) => {
    const a = await openStore(database.url);
    const b = await openStore(database.url);
    try {
      const at = new Date().toISOString();
      await a.transact(async (tx) => {
        await tx.putOperator({ id: 'opw', name: 'Operator W', kind: 'OPC', createdAt: at });
        await tx.insertChargePoint({ ...newChargePoint('HOOK-1', 'Accepted', at), operator: 'opw' });
        await tx.putWebhook({ operator: 'opw', url, secret: SECRET, createdAt: at });
      });
      await body(a, b);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

/** Stores `count` events of the operator's charge point; returns their ids. */
async function addEvents(store: Store, count: number, type = 'test'): Promise<number[]> {
  await store.transact(async (tx) => {
    for (let i = 0; i < count; i++) await tx.insertEvent({ at: new Date().toISOString(), chargePointId: 'HOOK-1', type, data: { i } });
  });
  return (await store.listEvents({ operator: 'opw', type, limit: 1000 })).map((event) => event.id).reverse();
}

function deliverer(store: Store, node: string, options: Partial<DelivererOptions> = {}): WebhookDeliverer {
  return new WebhookDeliverer(store, quiet, { pollMs: 5, backoffMs: 0, maxBackoffMs: 0, timeoutMs: 2_000, node, ...options });
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('two nodes delivering side by side send each event once, in order', async (t) => {
  const hook = await receiver(t);
  await withTwoNodes(t, hook.url, async (a, b) => {
    const nodes = [deliverer(a, 'node-a'), deliverer(b, 'node-b')];
    for (const node of nodes) node.start();
    try {
      // Events arrive while both nodes poll: eight transactions of ten, from either node.
      const ids: number[] = [];
      for (let round = 0; round < 8; round++) {
        ids.splice(0, ids.length, ...(await addEvents(round % 2 ? b : a, 10)));
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await until(() => new Set(hook.requests).size === 80, 'all 80 events');
      // A few more passes of both nodes: nothing is sent again.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(hook.requests.length, 80, `each event once (duplicates: ${hook.requests.length - 80})`);
      assert.deepEqual(hook.requests, ids, 'in event order');
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }
  });
});

test('a node whose lease ran out mid-delivery writes nothing more; another node goes on from the cursor', async (t) => {
  // The receiver holds node A's request for the third event until the test lets it go.
  let releaseHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  let first = true;
  const hook = await receiver(t, (eventId, response) => {
    if (eventId === ids[2] && first) {
      first = false;
      void held.then(() => response.writeHead(204).end());
    } else response.writeHead(204).end();
  });
  let ids: number[] = [];
  await withTwoNodes(t, hook.url, async (a, b) => {
    ids = await addEvents(a, 6);
    // Node A stalls on its POST longer than its lease (a stopped process, a partitioned network).
    const nodeA = deliverer(a, 'node-a', { leaseMs: 500, timeoutMs: 30_000 });
    const passA = nodeA.deliverAll();
    try {
      await until(() => hook.requests.length === 3, "node A's third POST");
      const nodeB = deliverer(b, 'node-b', { leaseMs: 500 });
      await nodeB.deliverAll();
      assert.deepEqual(hook.requests, ids.slice(0, 3), 'node B waits while node A holds the lease');
      await new Promise((resolve) => setTimeout(resolve, 600));
      await nodeB.deliverAll();
      assert.deepEqual(hook.requests, [...ids.slice(0, 3), ...ids.slice(2)], 'node B goes on from the cursor once the lease has run out');
      assert.equal((await b.getWebhook('opw'))!.lastEventId, ids[5]);
      // Node A's POST is answered at last: its lease is gone, so it moves no cursor back and sends nothing more.
      releaseHeld();
      await passA;
      assert.equal(hook.requests.length, 7);
      const after = (await a.getWebhook('opw'))!;
      assert.equal(after.lastEventId, ids[5], "node A's late success does not move the cursor back");
      assert.equal(after.leaseNode, null, 'node B gave the webhook up once it had sent everything');
    } finally {
      releaseHeld();
      await passA;
    }
  });
});

test('after a failure every node waits out the backoff, and the API shows it', async (t) => {
  const hook = await receiver(t, (_, response) => response.writeHead(503).end());
  await withTwoNodes(t, hook.url, async (a, b) => {
    await addEvents(a, 2);
    await deliverer(a, 'node-a', { backoffMs: 60_000, maxBackoffMs: 60_000 }).deliverAll();
    assert.equal(hook.requests.length, 1);
    await deliverer(b, 'node-b', { backoffMs: 60_000, maxBackoffMs: 60_000 }).deliverAll();
    assert.equal(hook.requests.length, 1, 'node B does not retry before the backoff ends');
    const shown = await new Events(b).webhook('opw');
    assert.equal(shown.failures, 1);
    assert.match(shown.lastError!, /HTTP 503/);
    assert.ok(Date.parse(shown.nextAttemptAt!) > Date.now() + 50_000, 'the next attempt is a minute away');
    assert.equal(shown.deliveringNode, null, 'a failed node gives the webhook up');
    assert.equal((shown as { secret?: string }).secret, undefined);
  });
});

/**
 * Six events, and two receivers: the old URL, where the operator's `change` (on node B) runs while
 * the third event is being posted, and the next one. Node A's deliverer delivers once.
 */
async function changedWhilePosting(t: TestContext, change: (events: Events, nextUrl: string) => Promise<unknown>, after: (context: { ids: number[]; old: number[]; next: number[]; a: Store; b: Store; node: WebhookDeliverer }) => Promise<void>): Promise<void> {
  let ids: number[] = [];
  let events!: Events;
  const next = await receiver(t);
  const old = await receiver(t, (eventId, response) => {
    if (eventId !== ids[2]) return void response.writeHead(204).end();
    void change(events, next.url).then(() => response.writeHead(204).end());
  });
  await withTwoNodes(t, old.url, async (a, b) => {
    events = new Events(b);
    ids = await addEvents(a, 6);
    const node = deliverer(a, 'node-a');
    await node.deliverAll();
    await after({ ids, old: old.requests, next: next.requests, a, b, node });
  });
}

test('a pass running when the operator changes the URL stops: the old URL gets nothing after the event in flight', async (t) => {
  await changedWhilePosting(
    t,
    (events, url) => events.setWebhook('opw', { url, secret: SECRET }),
    async ({ ids, old, next, node }) => {
      assert.deepEqual(old, ids.slice(0, 3), 'the old URL: the events up to the one in flight when it changed');
      await node.deliverAll();
      assert.deepEqual(next, ids.slice(2), 'the new URL: from the first event not recorded as delivered');
    },
  );
});

test('a pass running when the webhook is deleted and made again writes no cursor into the new one', async (t) => {
  await changedWhilePosting(
    t,
    (events, url) => events.deleteWebhook('opw').then(() => events.setWebhook('opw', { url, secret: SECRET })),
    async ({ ids, old, next, a, b, node }) => {
      assert.deepEqual(old, ids.slice(0, 3));
      assert.equal((await b.getWebhook('opw'))!.lastEventId, ids[5], 'the new webhook starts after the events before it was made');
      const [later] = await addEvents(a, 1, 'later');
      await node.deliverAll();
      assert.deepEqual(next, [later], 'the new URL gets only what came after it was made');
    },
  );
});

test('migration 0015: a webhook made before it is delivered as before, from its cursor', async (t) => {
  const hook = await receiver(t);
  await withTestDatabase(t, async (database) => {
    const db = await migratedTo(database, '0014_transactions_by_id_tag');
    const at = new Date().toISOString();
    await db.insertInto('operators').values({ id: 'opw', name: 'Operator W', kind: 'OPC', created_at: at }).execute();
    await db.insertInto('webhooks').values({ operator: 'opw', url: hook.url, secret: SECRET, last_event_id: 0, last_error: 'HTTP 500 for event 1', created_at: at }).execute();
    await db.destroy();
    const store = await openStore(database.url);
    try {
      const migrated = (await store.getWebhook('opw'))!;
      assert.equal(migrated.generation, 'migrated:opw');
      assert.deepEqual([migrated.failures, migrated.nextAttemptAt, migrated.leaseNode, migrated.lastError], [0, null, null, 'HTTP 500 for event 1']);
      await store.transact((tx) => tx.insertChargePoint({ ...newChargePoint('HOOK-1', 'Accepted', at), operator: 'opw' }));
      const ids = await addEvents(store, 3);
      await deliverer(store, 'node-a').deliverAll();
      assert.deepEqual(hook.requests, ids);
      assert.equal((await store.getWebhook('opw'))!.lastError, null);
    } finally {
      await store.close();
    }
  });
});

test("a node that has sent everything gives the webhook up: the next event goes out with another node's pass", async (t) => {
  const hook = await receiver(t);
  await withTwoNodes(t, hook.url, async (a, b) => {
    const [first] = await addEvents(a, 1, 'first');
    await deliverer(a, 'node-a').deliverAll();
    assert.equal((await b.getWebhook('opw'))!.leaseNode, null);
    const [second] = await addEvents(a, 1, 'second');
    await deliverer(b, 'node-b').deliverAll();
    assert.deepEqual(hook.requests, [first, second]);
  });
});

test('a lease or a backoff set by a node whose clock ran ahead is over for the others', async (t) => {
  const hook = await receiver(t);
  await withTwoNodes(t, hook.url, async (a, b) => {
    // What node A writes in a pass made with its clock a day ahead: its lease, then a failure's backoff.
    const ahead = Date.now() + 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const { generation } = (await a.getWebhook('opw'))!;
    const lease = { operator: 'opw', generation, node: 'node-a', now: iso(ahead), until: iso(ahead + 30_000), latestLeaseEnd: iso(ahead + 60_000), latestRetry: iso(ahead + 600_000) };
    const nodeB = deliverer(b, 'node-b', { maxBackoffMs: 300_000 });

    assert.equal(await a.transact((tx) => tx.claimWebhook(lease)), true);
    const [held] = await addEvents(a, 1, 'held');
    await nodeB.deliverAll();
    assert.deepEqual(hook.requests, [held], "node B does not wait a day for node A's lease");

    assert.equal(await a.transact((tx) => tx.claimWebhook(lease)), true);
    const delivery = { lastEventId: held!, lastError: 'HTTP 503 for event 0', failures: 1, nextAttemptAt: iso(ahead + 1_000), release: true };
    assert.equal(await a.transact((tx) => tx.updateWebhookDelivery(lease, delivery)), true);
    const [backedOff] = await addEvents(a, 1, 'backedOff');
    await nodeB.deliverAll();
    assert.deepEqual(hook.requests, [held, backedOff], "nor for its backoff");
  });
});

test('a webhook set again between two events: the old URL gets no POST after the change', async (t) => {
  const old = await receiver(t);
  const next = await receiver(t);
  await withTwoNodes(t, old.url, async (a, b) => {
    const ids = await addEvents(a, 4);
    // Node A's store as it is, but the operator's change commits (on node B) right after node A
    // records the second event as delivered, before its next POST.
    let changed = false;
    const changeAfterSecond = new Proxy(a, {
      get(target, name) {
        if (name !== 'transact') return Reflect.get(target, name, target);
        return async (...args: Parameters<Store['transact']>) => {
          const result = await target.transact(...args);
          const cursor = (await target.getWebhook('opw'))?.lastEventId;
          if (cursor === ids[1] && !changed) {
            changed = true;
            await new Events(b).setWebhook('opw', { url: next.url, secret: 'a-new-secret-after-a-leak' });
          }
          return result;
        };
      },
    });
    const node = deliverer(changeAfterSecond, 'node-a');
    await node.deliverAll();
    assert.ok(changed);
    assert.deepEqual(old.requests, ids.slice(0, 2), 'nothing more to the old URL once the change was answered');
    await node.deliverAll();
    assert.deepEqual(next.requests, ids.slice(2));
  });
});

test("a node's stop cuts off a POST in flight: no failure is recorded, and another node sends the event", async (t) => {
  let first = true;
  const hook = await receiver(t, (_, response) => {
    // The first request is never answered (a receiver that hangs); later ones are.
    if (first) first = false;
    else response.writeHead(204).end();
  });
  await withTwoNodes(t, hook.url, async (a, b) => {
    const [id] = await addEvents(a, 1);
    const nodeA = deliverer(a, 'node-a', { timeoutMs: 60_000 });
    nodeA.start();
    await until(() => hook.requests.length === 1, "node A's POST");
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([nodeA.stop().then(() => true), new Promise((resolve) => (timer = setTimeout(() => resolve(false), 5_000)))]);
    clearTimeout(timer);
    assert.equal(stopped, true, 'the stop does not wait for the receiver (60 s here)');
    const after = (await b.getWebhook('opw'))!;
    assert.deepEqual([after.failures, after.lastError, after.nextAttemptAt, after.leaseNode, after.lastEventId], [0, null, null, null, 0]);
    await deliverer(b, 'node-b').deliverAll();
    assert.deepEqual(hook.requests, [id, id]);
    assert.equal((await b.getWebhook('opw'))!.lastEventId, id);
  });
});
