// A WebSocket client connection written for the load generator, on a bare TCP socket: the
// handshake (RFC 6455 §4.1, its Sec-WebSocket-Accept checked), masked text frames out, and frames
// in (text, ping answered with pong, close). What the `ws` package does per connection (an HTTP
// client request, its parser, an agent) cost the load processes about as much CPU per charge point
// as the server spent on it, on the same two cores (docs/PERFORMANCE-LOG.md). No extensions, no
// fragmented sends, no binary reads: the load needs none of them.
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export interface LeanConnectOptions {
  protocol: string;
  localAddress?: string | undefined;
  timeoutMs: number;
}

export interface LeanEvents {
  text(text: string): void;
  close(): void;
}

/** Masking keys are taken from a pool refilled in one call, as `ws` does. */
const maskPool = Buffer.alloc(4 * 1024);
let maskOffset = maskPool.length;
function maskKey(): Buffer {
  if (maskOffset === maskPool.length) {
    randomFillSync(maskPool);
    maskOffset = 0;
  }
  maskOffset += 4;
  return maskPool.subarray(maskOffset - 4, maskOffset);
}

/** One frame from the client: FIN, masked (every client frame must be, RFC 6455 §5.3). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = 2 + lengthBytes + 4;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const key = maskKey();
  key.copy(frame, header - 4);
  for (let i = 0; i < length; i++) frame[header + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

export class LeanWebSocket {
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;
  /** Our close frame is sent: nothing more may be written. */
  private closing = false;
  /** Set by listen(): until then what arrives is kept, and a close is remembered. */
  private events: LeanEvents | undefined;

  private constructor(private readonly socket: Socket) {}

  /** Starts delivering frames (those that came with the handshake first) and the close. */
  listen(events: LeanEvents): void {
    this.events = events;
    this.read(Buffer.alloc(0));
    if (this.closed) events.close();
  }

  /** Opens the connection and completes the handshake; rejects with the HTTP status when refused. */
  static open(url: string, options: LeanConnectOptions): Promise<LeanWebSocket> {
    const { hostname, port, pathname } = new URL(url);
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    const socket = connect({ host: hostname, port: Number(port), noDelay: true, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${options.protocol}\r\n\r\n`,
    );
    return new Promise((resolve, reject) => {
      let head: Buffer = Buffer.alloc(0);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`no handshake within ${options.timeoutMs} ms`)), options.timeoutMs);
      const onData = (chunk: Buffer) => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        socket.off('error', fail);
        socket.off('close', onEarlyClose);
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1];
        if (status !== '101') return fail(new Error(`HTTP ${status ?? '?'}`));
        const header = (name: string) => lines.find((line) => line.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
        if (header('sec-websocket-accept') !== accept) return fail(new Error('handshake: wrong Sec-WebSocket-Accept'));
        if (header('sec-websocket-protocol') !== options.protocol) return fail(new Error(`handshake: subprotocol ${header('sec-websocket-protocol') ?? 'none'}`));
        clearTimeout(timer);
        const connection = new LeanWebSocket(socket);
        socket.on('data', (data: Buffer) => connection.read(data));
        socket.on('error', () => undefined); // a close follows
        socket.on('close', () => connection.ended());
        // Frames that came with the handshake wait for listen().
        connection.read(head.subarray(end + 4));
        resolve(connection);
      };
      const onEarlyClose = () => fail(new Error('connection closed during the handshake'));
      socket.on('data', onData);
      socket.on('error', fail);
      socket.on('close', onEarlyClose);
    });
  }

  send(text: string | Buffer, binary = false): void {
    if (this.closed || this.closing) return;
    this.socket.write(clientFrame(binary ? OP_BINARY : OP_TEXT, typeof text === 'string' ? Buffer.from(text) : text));
  }

  /** A close handshake: our close frame, then the server's, then the socket ends. */
  close(): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    this.socket.write(clientFrame(OP_CLOSE, Buffer.from([0x03, 0xe8])));
    this.socket.end();
  }

  terminate(): void {
    this.socket.destroy();
  }

  private read(data: Buffer): void {
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    if (!this.events) return;
    for (;;) {
      const buffer = this.buffered;
      if (buffer.length < 2) return;
      const fin = (buffer[0]! & 0x80) !== 0;
      const opcode = buffer[0]! & 0x0f;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      // Server frames are never masked (RFC 6455 §5.1).
      if (buffer.length < offset + length) return;
      const payload = buffer.subarray(offset, offset + length);
      this.buffered = buffer.subarray(offset + length);
      this.frame(fin, opcode, payload);
    }
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OP_PING) {
      if (!this.closing) this.socket.write(clientFrame(OP_PONG, payload));
      return;
    }
    if (opcode === OP_CLOSE) {
      // The server closes: echo its code (RFC 6455 §5.5.1), then end our side.
      if (!this.closing) this.socket.write(clientFrame(OP_CLOSE, payload.subarray(0, 2)));
      this.closing = true;
      this.socket.end();
      return;
    }
    if (opcode !== OP_TEXT && opcode !== OP_CONTINUATION) return; // pong, binary: nothing to do
    if (!fin || this.fragments.length > 0) {
      this.fragments.push(Buffer.from(payload));
      if (!fin) return;
      payload = Buffer.concat(this.fragments);
      this.fragments = [];
    }
    this.events!.text(payload.toString('utf8'));
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    this.events?.close();
  }
}
