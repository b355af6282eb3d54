// The load generator's own WebSocket client, against the `ws` package's server: if it framed,
// masked or read anything wrong, every benchmark would measure its mistakes instead of the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { LeanWebSocket } from '../../bench/lib/lean-websocket.js';

async function server(t: { after(fn: () => Promise<void>): void }, onConnection: (socket: WebSocket, path: string) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (offered) => (offered.has('ocpp1.6') ? 'ocpp1.6' : false) });
  wss.on('connection', (socket, request) => onConnection(socket, request.url ?? ''));
  await once(wss, 'listening');
  t.after(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

const texts = (ws: LeanWebSocket) => {
  const received: string[] = [];
  let closed = false;
  ws.listen({ text: (text) => received.push(text), close: () => (closed = true) });
  return { received, closed: () => closed };
};

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), 'in time');
};

test('texts of every length class go both ways intact, and the server sees them masked as a client must send them', async (t) => {
  const seen: string[] = [];
  const url = await server(t, (socket) =>
    socket.on('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      seen.push(data.toString());
      socket.send(`echo:${data.toString()}`);
    }),
  );
  const ws = await LeanWebSocket.open(`${url}/ocpp/LEAN-1`, { protocol: 'ocpp1.6', timeoutMs: 2_000 });
  const { received } = texts(ws);
  // 7-bit, 16-bit and 64-bit payload lengths; non-ASCII text.
  const messages = ['[2,"1","Heartbeat",{}]', 'x'.repeat(300), 'é€'.repeat(40_000)];
  for (const message of messages) ws.send(message);
  await until(() => received.length === messages.length);
  assert.deepEqual(seen, messages); // ws refuses unmasked client frames: they arrived masked
  assert.deepEqual(received, messages.map((m) => `echo:${m}`));
  ws.close();
});

test('a ping is answered with a pong carrying its data, a fragmented message is read whole, a close is answered', async (t) => {
  let serverSide: WebSocket | undefined;
  const url = await server(t, (socket) => (serverSide = socket));
  const ws = await LeanWebSocket.open(`${url}/ocpp/LEAN-2`, { protocol: 'ocpp1.6', timeoutMs: 2_000 });
  const { received, closed } = texts(ws);
  await until(() => serverSide !== undefined);
  const pong = once(serverSide!, 'pong');
  serverSide!.ping(Buffer.from('are you there'));
  assert.equal(String((await pong)[0]), 'are you there');
  serverSide!.send('first half, ', { fin: false });
  serverSide!.send('second half', { fin: true });
  await until(() => received.length === 1);
  assert.deepEqual(received, ['first half, second half']);
  const serverClosed = once(serverSide!, 'close');
  serverSide!.close(1000, 'bye');
  const [code] = await serverClosed;
  assert.equal(code, 1000, 'the client echoed the close code');
  await until(closed);
});

test('a refused handshake rejects with its HTTP status; a subprotocol the server did not pick rejects too', async (t) => {
  const url = await server(t, () => undefined);
  await assert.rejects(LeanWebSocket.open(`${url}/ocpp/LEAN-3`, { protocol: 'ocpp9.9', timeoutMs: 2_000 }), /HTTP 400|subprotocol/);
  const { createServer } = await import('node:http');
  const refusing = createServer((_request, response) => response.writeHead(404).end());
  refusing.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
  refusing.listen(0, '127.0.0.1');
  await once(refusing, 'listening');
  t.after(() => new Promise<void>((resolve) => refusing.close(() => resolve())));
  const port = (refusing.address() as AddressInfo).port;
  await assert.rejects(LeanWebSocket.open(`ws://127.0.0.1:${port}/ocpp/LEAN-4`, { protocol: 'ocpp1.6', timeoutMs: 2_000 }), /HTTP 404/);
});

test('a frame the server sends with its handshake, and a close before anyone listens, wait for listen()', async (t) => {
  const url = await server(t, (socket) => {
    socket.send('[2,"1","Reset",{"type":"Soft"}]'); // in the same write as the 101, as often as not
    socket.close(1000);
  });
  const ws = await LeanWebSocket.open(`${url}/ocpp/LEAN-5`, { protocol: 'ocpp1.6', timeoutMs: 2_000 });
  await new Promise((resolve) => setTimeout(resolve, 100)); // the frame and the close have arrived
  const { received, closed } = texts(ws);
  await until(() => received.length === 1 && closed());
  assert.deepEqual(received, ['[2,"1","Reset",{"type":"Soft"}]']);
});
