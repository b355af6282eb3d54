// A rolling upgrade: a node of the version before process-named subjects, played here by a bare
// NATS client that subscribes only what that version did (commands and asks by the node's name
// alone, and the charge point's own subject). A node of this version reaches it both ways, by the
// fallbacks docs/OPERATIONS.md names, and carries each request out once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, Empty, headers } from 'nats';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { idHash } from '../../src/cluster/digest.js';
import { Subjects } from '../../src/cluster/subjects.js';
import { CommandReply, CommandRequest, decode, encode, Heartbeat, HoldingsReply } from '../../src/cluster/wire.js';
import { CommandTimedOut } from '../../src/domain/errors.js';
import { eventually, natsUnavailable, proxiedNats, randomPrefix, SHARED_NATS, sleep } from './helpers.js';

const skip = await natsUnavailable();

test('a node of this version reaches a node of the earlier one by its name and its charge point subject, once each', { skip }, async () => {
  const prefix = randomPrefix();
  const subjects = new Subjects(prefix);
  const earlier = await connect({ servers: SHARED_NATS });
  const router = new ClusterRouter({ natsUrl: SHARED_NATS, nodeId: 'node-new', prefix, heartbeatMs: 200, requestTimeoutMs: 2_000, log: pino({ level: 'silent' }) });
  let commands = 0;
  let asks = 0;
  try {
    // What the earlier version subscribed: its holdings, its charge point's subject, asks by its name.
    earlier.subscribe(subjects.holdings('node-old'), { callback: (_e, msg) => msg.respond(encode<HoldingsReply>({ holdings: [['CP-OLD', Date.now()]], total: 1 })) });
    earlier.subscribe(subjects.command('CP-OLD'), {
      queue: 'holder',
      callback: (_e, msg) => {
        // Counted only when the earlier version can read it (its id is an extra it ignores).
        if (decode(CommandRequest, msg.data)) commands++;
        msg.respond(encode<CommandReply>({ node: 'node-old', result: { status: 'Accepted' } }));
      },
    });
    earlier.subscribe(subjects.ask('node-old', 'api'), { queue: 'holder', callback: (_e, msg) => (asks++, msg.respond(msg.data)) });
    const beat = () => earlier.publish(subjects.heartbeat, encode<Heartbeat>({ node: 'node-old', instance: 'old-1', count: 1, digest: idHash('CP-OLD') }));
    const beating = setInterval(beat, 200);
    try {
      await eventually('the new node knows node-old holds CP-OLD', () => router.holderOf('CP-OLD') === 'node-old');
      assert.deepEqual(await router.send('CP-OLD', { kind: 'reset', type: 'Soft' }), { status: 'Accepted' });
      assert.equal(commands, 1);
      const answer = await router.ask('node-old', 'api', new TextEncoder().encode('hello'), 2_000);
      assert.equal(new TextDecoder().decode(answer), 'hello');
      assert.equal(asks, 1);

      // And the other way: asked by its name alone, as the earlier version asks.
      router.serve('api', async (body) => body);
      // Its subscription reaches the server a moment later, on its own connection.
      const asked = await eventually('node-new answers by its name', async () => (await earlier.request(subjects.ask('node-new', 'api'), new TextEncoder().encode('back'), { timeout: 2_000 })).data);
      assert.equal(new TextDecoder().decode(asked), 'back');
    } finally {
      clearInterval(beating);
    }
  } finally {
    await router.close();
    await earlier.close();
  }
});

test("a node of the earlier version, which keeps no answers, is asked again for one once it is heard, not at each of its heartbeats", { skip, timeout: 60_000 }, async () => {
  const prefix = randomPrefix();
  const subjects = new Subjects(prefix);
  const { proxy, url: throughProxy } = await proxiedNats();
  const earlier = await connect({ servers: SHARED_NATS });
  const router = new ClusterRouter({ natsUrl: throughProxy, nodeId: 'node-new', prefix, heartbeatMs: 200, requestTimeoutMs: 5_000, log: pino({ level: 'silent' }) });
  let commands = 0;
  let askedAgain = 0;
  try {
    earlier.subscribe(subjects.holdings('node-old'), { callback: (_e, msg) => msg.respond(encode<HoldingsReply>({ holdings: [['CP-OLD', Date.now()]], total: 1 })) });
    // The command reaches the earlier node, whose answer is lost to the new node's drop: never given here.
    earlier.subscribe(subjects.command('CP-OLD'), { queue: 'holder', callback: () => commands++ });
    // The earlier version has no subscription here; what the NATS server answers a request nobody
    // subscribes to (status 503, no body) is given in its place, so that each request is counted.
    earlier.subscribe(subjects.answer('node-old', 'old-1'), { callback: (_e, msg) => (askedAgain++, msg.respond(Empty, { headers: headers(503, 'No Responders') })) });
    const beat = () => earlier.publish(subjects.heartbeat, encode<Heartbeat>({ node: 'node-old', instance: 'old-1', count: 1, digest: idHash('CP-OLD') }));
    const beating = setInterval(beat, 200);
    try {
      await eventually('the new node knows node-old holds CP-OLD', () => router.holderOf('CP-OLD') === 'node-old');
      const outcome = router.send('CP-OLD', { kind: 'reset', type: 'Soft' }).then(
        () => assert.fail('answered'),
        (error: unknown) => error,
      );
      await eventually('the command reached node-old', () => commands === 1);
      proxy.refuse();
      proxy.cutAll();
      await eventually("the new node notices its link's drop", () => !router.natsUp);
      await sleep(300);
      proxy.restore();
      const error = await outcome;
      assert.ok(error instanceof CommandTimedOut, String(error));
      assert.match(error.message, /link dropped while it waited, and the answer could not be had again from node node-old/);
      // Once when its link was back (node-old not heard yet: it might be off NATS too), once when it was heard.
      assert.equal(askedAgain, 2);
    } finally {
      clearInterval(beating);
    }
  } finally {
    proxy.restore();
    await router.close();
    await earlier.close();
    await proxy.close();
  }
});
