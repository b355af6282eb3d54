// Who a SOAP message claims to be is checked before anything is filed under that name. A message
// refused at that point (a stranger without the password, an id no charge point can have) is
// journaled as no one's: it shows in no charge point's frames, and an id too long for the
// journal's index cannot fail the batch the other charge points' messages share. And a SOAP charge
// point's answer to a command is read no further than the limit on the messages it sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestTomada } from '../support/tomada.js';
import { envelope, postRaw } from './helpers.js';

const HEARTBEAT = '<cs:heartbeatRequest/>';

test('a message refused at admission is journaled as no one\'s, and cannot fail the other charge points\' batch', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  try {
    await t.api('/api/v1/charge-points/CP-PROTECTED', { method: 'PUT', body: { password: 'a-password-of-16-chars', securityProfile: 1 } });
    for (let i = 0; i < 10; i++) assert.equal((await postRaw(t, envelope({ id: `CP-SOAP-${i}`, body: HEARTBEAT }))).status, 200);

    // At the same moment: ten charge points, one id of 8,000 characters, and a stranger posing as
    // a charge point whose password it does not have.
    const longId = 'X'.repeat(8000);
    const forged = envelope({ id: 'CP-PROTECTED', body: `${HEARTBEAT}<!-- forged -->` });
    const [tooLong, stranger, ...others] = await Promise.all([
      postRaw(t, envelope({ id: longId, body: HEARTBEAT })),
      postRaw(t, forged),
      ...Array.from({ length: 10 }, (_, i) => postRaw(t, envelope({ id: `CP-SOAP-${i}`, body: HEARTBEAT }))),
    ]);
    assert.equal(tooLong.status, 400, tooLong.text.slice(0, 200));
    assert.equal(stranger.status, 400, stranger.text.slice(0, 200));
    assert.deepEqual(others.map((r) => r.status), Array(10).fill(200), 'every charge point answered');
    assert.deepEqual(((await (await fetch(`${t.httpUrl}/ready`)).json()) as { checks: unknown }).checks, { store: true, storeWrites: true, ocppListeners: true });

    // The stranger's message is not the charge point's: not in its frames.
    const frames = (await t.api('/api/v1/charge-points/CP-PROTECTED/frames')).body.items;
    assert.deepEqual(frames, []);
    // Both refused messages and their faults are in the journal, as no one's.
    const deadline = Date.now() + 5_000;
    const unattributed = async () => (await t.store.listJournal({ limit: 1000 })).filter((row) => row.chargePointId === null).map((row) => row.frame.toString('utf8'));
    while ((await unattributed()).length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const nobody = await unattributed();
    assert.ok(nobody.includes(forged), 'the forged message, as no one\'s');
    assert.ok(nobody.some((frame) => frame.includes(longId) && frame.includes('heartbeatRequest')), 'the long id\'s message, as no one\'s');
    assert.equal(nobody.filter((frame) => frame.includes('Fault')).length, 2, 'and the two faults');
  } finally {
    await t.close();
  }
});

test('an answer to a command larger than the message limit is not read, and not journaled', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept', maxFrameBytes: 16_384 });
  const endpoint = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/soap+xml' });
      // Chunked, with no length announced: the limit must hold while reading.
      for (let i = 0; i < 64; i++) response.write('<x>'.padEnd(4096, 'A'));
      response.end();
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', () => resolve()));
  try {
    const from = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/cp`;
    assert.equal((await postRaw(t, envelope({ id: 'CP-BIG-ANSWER', body: HEARTBEAT, from }))).status, 200);
    const reset = await t.api('/api/v1/charge-points/CP-BIG-ANSWER/commands/reset', { method: 'POST', body: { type: 'Soft' } });
    assert.equal(reset.status, 502, JSON.stringify(reset.body));
    assert.match(reset.body.message, /larger than 16384 bytes; not read/);
    const frames = (await t.api('/api/v1/charge-points/CP-BIG-ANSWER/frames')).body.items as { direction: string; frame: string }[];
    assert.ok(frames.some((f) => f.direction === 'out' && f.frame.includes('resetRequest')), 'our request is journaled');
    assert.ok(frames.every((f) => f.frame.length <= 16_384), 'nothing over the limit is');
  } finally {
    endpoint.close();
    await t.close();
  }
});
