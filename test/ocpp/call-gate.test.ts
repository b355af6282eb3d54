// The node's call gate with real RPC peers (no sockets): how many inbound CALLs are handled at
// once over all connections, who goes next, and what a connection that closes while its call
// waits gives back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallGate } from '../../src/ocpp/call-gate.js';
import { RpcPeer } from '../../src/ocpp/rpc-peer.js';
import { encodeCall, type JsonObject } from '../../src/ocpp/rpc.js';

/** Lets every pending promise and I/O callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

interface Started {
  peer: number;
  messageId: string;
  finish(answer?: JsonObject): void;
}

/** `count` peers on one gate; each call they are given waits until the test finishes it. */
function peersOnGate(gate: CallGate, count: number) {
  const started: Started[] = [];
  const sent: string[][] = [];
  const peers = Array.from({ length: count }, (_, index) => {
    sent.push([]);
    return new RpcPeer({
      send: (text) => sent[index]!.push(text),
      callTimeoutMs: 1000,
      gate,
      handleCall: (call) =>
        new Promise<JsonObject>((resolve) => {
          // Never more inside than the limit, seen from inside a handler.
          assert.ok(gate.inside <= gate.limit, `${gate.inside} calls handled at once with a limit of ${gate.limit}`);
          started.push({ peer: index, messageId: call.messageId, finish: (answer = { currentTime: 'now' }) => resolve(answer) });
        }),
    });
  });
  const startedIds = () => started.map((s) => s.messageId);
  const find = (messageId: string) => started.find((s) => s.messageId === messageId)!;
  return { peers, started, sent, startedIds, find };
}

test('at most the limit of calls is handled at once over all peers; the others go in arrival order', async () => {
  const gate = new CallGate(2);
  const { peers, sent, startedIds, find } = peersOnGate(gate, 4);
  peers.forEach((peer, index) => peer.receive(encodeCall(`c${index}`, 'Heartbeat', {})));
  await settle();
  assert.deepEqual(startedIds(), ['c0', 'c1']);
  assert.equal(gate.inside, 2);
  assert.equal(gate.queued, 2);

  // The second finishes first: its place goes to the longest waiting call, c2.
  find('c1').finish();
  await settle();
  assert.deepEqual(startedIds(), ['c0', 'c1', 'c2']);
  assert.deepEqual(sent[1], ['[3,"c1",{"currentTime":"now"}]']);
  assert.equal(gate.queued, 1);

  find('c0').finish();
  await settle();
  assert.deepEqual(startedIds(), ['c0', 'c1', 'c2', 'c3']);
  find('c2').finish();
  find('c3').finish();
  await settle();
  assert.equal(gate.inside, 0);
  assert.equal(gate.queued, 0);
  assert.deepEqual(sent.map((frames) => frames.length), [1, 1, 1, 1], 'every call answered once');
});

test("one charge point's calls keep their order through the gate", async () => {
  const gate = new CallGate(1);
  const { peers, startedIds, find, sent } = peersOnGate(gate, 2);
  peers[1]!.receive(encodeCall('other', 'Heartbeat', {}));
  // OCPP-J allows one call in flight, but a charge point that sends more gets them handled in order.
  for (const id of ['a', 'b', 'c']) peers[0]!.receive(encodeCall(id, 'Heartbeat', {}));
  await settle();
  assert.deepEqual(startedIds(), ['other']);
  find('other').finish();
  for (const id of ['a', 'b', 'c']) {
    await settle();
    assert.equal(startedIds().at(-1), id);
    find(id).finish();
  }
  await settle();
  assert.deepEqual(sent[0]!.map((frame) => (JSON.parse(frame) as unknown[])[1]), ['a', 'b', 'c']);
  assert.equal(gate.inside, 0);
});

test('a peer that closes while its call waits gives its place on, and that call is never handled', async () => {
  const gate = new CallGate(1);
  const { peers, startedIds, find, sent } = peersOnGate(gate, 3);
  peers.forEach((peer, index) => peer.receive(encodeCall(`c${index}`, 'Heartbeat', {})));
  await settle();
  assert.deepEqual(startedIds(), ['c0']);
  peers[1]!.close('connection closed');
  find('c0').finish();
  await settle();
  assert.deepEqual(startedIds(), ['c0', 'c2'], 'c1 was dropped with its connection; c2 got the place');
  assert.deepEqual(sent[1], []);
  find('c2').finish();
  await settle();
  assert.equal(gate.inside, 0);
  assert.equal(gate.queued, 0);
});

test('a call whose handling fails still gives its place back', async () => {
  const gate = new CallGate(1);
  const sent: string[] = [];
  let calls = 0;
  const peer = new RpcPeer({
    send: (text) => sent.push(text),
    callTimeoutMs: 1000,
    gate,
    handleCall: async () => {
      calls++;
      if (calls === 1) throw new Error('store down');
      return {};
    },
  });
  peer.receive(encodeCall('x', 'Heartbeat', {}));
  peer.receive(encodeCall('y', 'Heartbeat', {}));
  await settle();
  assert.equal(sent.length, 2);
  assert.match(sent[0]!, /^\[4,"x","InternalError"/);
  assert.equal(sent[1], '[3,"y",{}]');
  assert.equal(gate.inside, 0);
});

test('thousands of waiting calls are let in in the order they came, however long the queue grows', async () => {
  const gate = new CallGate(1);
  assert.equal(gate.enter(), undefined, 'the first takes the free place');
  const order: number[] = [];
  const waits = Array.from({ length: 3000 }, (_, i) => gate.enter()!.then(() => order.push(i)));
  assert.equal(gate.queued, 3000);
  for (let i = 0; i < 1500; i++) gate.leave();
  // More arrive while the queue is half read.
  const later = Array.from({ length: 500 }, (_, i) => gate.enter()!.then(() => order.push(3000 + i)));
  for (let i = 0; i < 2000; i++) gate.leave();
  await Promise.all([...waits, ...later]);
  assert.deepEqual(order, Array.from({ length: 3500 }, (_, i) => i));
  assert.equal(gate.queued, 0);
  assert.equal(gate.inside, 1, 'the last one let in still holds its place');
  gate.leave();
  assert.equal(gate.inside, 0);
});

test('a gate needs a limit of at least one', () => {
  assert.throws(() => new CallGate(0), /at least 1/);
  assert.throws(() => new CallGate(1.5), /at least 1/);
});

test('a connection stops being read once its waiting CALLs pass a number, or a size, whichever comes first', async () => {
  const backlog: boolean[] = [];
  const finishers: (() => void)[] = [];
  const peer = new RpcPeer({
    send: () => undefined,
    callTimeoutMs: 1000,
    inboundHighWater: 100,
    inboundHighWaterChars: 4 * 1024 * 1024,
    events: { backlog: (high) => backlog.push(high) },
    handleCall: () => new Promise<JsonObject>((resolve) => finishers.push(() => resolve({}))),
  });
  // Large frames: the first is handled, and the reading stops once those waiting hold 4 Mi
  // characters, the fifth, long before there are 100 of them.
  const large = (i: number) => encodeCall(`big${i}`, 'DataTransfer', { vendorId: 'V', data: 'x'.repeat(1024 * 1024) });
  for (let i = 0; i < 4; i++) peer.receive(large(i));
  await settle();
  assert.deepEqual(backlog, [], 'three waiting, about 3 Mi characters: still read');
  peer.receive(large(4));
  assert.deepEqual(backlog, [true], 'four waiting, past 4 Mi characters: paused');
  // As they are answered the waiting ones shrink, and reading resumes.
  finishers.shift()!();
  await settle();
  assert.deepEqual(backlog, [true, false]);
  for (let i = 0; i < 4; i++) {
    finishers.shift()!();
    await settle();
  }
  assert.deepEqual(backlog, [true, false]);

  // Small frames: the number decides, as before.
  for (let i = 0; i < 100; i++) peer.receive(encodeCall(`small${i}`, 'Heartbeat', {}));
  assert.deepEqual(backlog, [true, false], '99 waiting');
  peer.receive(encodeCall('small100', 'Heartbeat', {}));
  assert.deepEqual(backlog, [true, false, true], '100 waiting');
  peer.close('test over');
});
