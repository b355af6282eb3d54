// The fault proxy itself, in front of a real echo server: each mode does what the fault tests
// rely on it to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { TcpProxy } from './tcp-proxy.js';

async function withEcho(run: (proxy: TcpProxy) => Promise<void>): Promise<void> {
  const server: Server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: address.port });
  try {
    await run(proxy);
  } finally {
    await proxy.close();
    server.close();
  }
}

async function open(proxy: TcpProxy): Promise<{ socket: Socket; received: () => string; closed: Promise<unknown> }> {
  const socket = connect(proxy.port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk) => (data += chunk));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  return { socket, received: () => data, closed };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), 'condition never met');
}

test('forwards both ways', async () => {
  await withEcho(async (proxy) => {
    const { socket, received } = await open(proxy);
    socket.write('hello');
    await until(() => received() === 'hello');
    socket.destroy();
  });
});

test('a delay holds every chunk at least that long', async () => {
  await withEcho(async (proxy) => {
    const { socket, received } = await open(proxy);
    proxy.delay(150);
    const started = Date.now();
    socket.write('late');
    await until(() => received() === 'late');
    // Two legs (there and back), each delayed.
    assert.ok(Date.now() - started >= 300, `arrived after ${Date.now() - started} ms`);
    socket.destroy();
  });
});

test('a stall holds traffic until restored, and nothing is lost or reordered', async () => {
  await withEcho(async (proxy) => {
    const { socket, received } = await open(proxy);
    proxy.stall();
    socket.write('a');
    socket.write('b');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(received(), '');
    proxy.restore();
    await until(() => received() === 'ab');
    socket.destroy();
  });
});

test('truncation lets exactly so many bytes through, then cuts the connection', async () => {
  await withEcho(async (proxy) => {
    const { socket, received, closed } = await open(proxy);
    proxy.truncateAfter(7); // 5 there, 2 of the 5 on the way back
    socket.write('12345');
    await closed;
    assert.equal(received(), '12');
  });
});

test('cutAll closes open connections; refuse resets new ones; restore accepts again', async () => {
  await withEcho(async (proxy) => {
    const { closed } = await open(proxy);
    assert.equal(proxy.openConnections, 1);
    proxy.cutAll();
    await closed;
    proxy.refuse();
    const refused = connect(proxy.port, '127.0.0.1');
    const [error] = (await once(refused, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNRESET');
    proxy.restore();
    const { socket, received } = await open(proxy);
    socket.write('again');
    await until(() => received() === 'again');
    socket.destroy();
  });
});
