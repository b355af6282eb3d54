// A holding node that crashes and is restarted under its id (a supervisor restarts it within a
// second or two) while a command waits on it: its new process is heard before the old one could be
// judged lost, and the old process's requests will never be answered. The asker must fail them
// when it hears the new process, saying why, not wait out their whole time (62 s by default) for
// an answer that cannot come. Real ClusterRouters on the shared NATS; the holder reaches it
// through a TCP proxy the test cuts for good, as a killed process leaves it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { eventually, natsUnavailable, proxiedNats, randomPrefix, SHARED_NATS } from './helpers.js';

const skip = await natsUnavailable();

test('a command waiting on a process that restarted under its node id fails when the new process is heard', { skip, timeout: 60_000 }, async () => {
  const prefix = randomPrefix();
  const log = pino({ level: 'silent' });
  const { proxy, url: throughProxy } = await proxiedNats();
  // 1 s heartbeats: the crashed process would be judged lost after 3 s; its replacement is heard sooner.
  const options = { prefix, heartbeatMs: 1_000, requestTimeoutMs: 30_000, log };
  const asker = new ClusterRouter({ ...options, natsUrl: SHARED_NATS, nodeId: 'asker' });
  const crashed = new ClusterRouter({ ...options, natsUrl: throughProxy, nodeId: 'holder' });
  let restarted: ClusterRouter | undefined;
  try {
    let sent = 0;
    crashed.attach('CP-1', { execute: () => (sent++, new Promise(() => undefined)) });
    await eventually('the asker knows the holder holds CP-1', () => asker.holderOf('CP-1') === 'holder');
    const waiting = asker.send('CP-1', { kind: 'reset', type: 'Hard' });
    await eventually('the command reached the charge point', () => sent === 1);
    // The holder's process dies (gone from NATS for good); its supervisor starts it again.
    proxy.refuse();
    proxy.cutAll();
    restarted = new ClusterRouter({ ...options, natsUrl: SHARED_NATS, nodeId: 'holder' });
    await assert.rejects(waiting, (error: Error) => {
      assert.equal(error.name, 'CommandFailed');
      assert.match(error.message, /^Node holder restarted before it answered the request, which may have been carried out/);
      return true;
    });
    assert.equal(sent, 1);
  } finally {
    await Promise.all([asker.close(), crashed.close(), restarted?.close()]);
    await proxy.close();
  }
});
