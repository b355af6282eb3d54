// The simulated charge point's connection to the central system. The charge point sees only
// SimTransport and SimLink: here one WebSocket carrying one OCPP-J conversation (RpcPeer) per
// link; soap-link.ts gives the OCPP 1.5 SOAP equivalent.
import WebSocket from 'ws';
import { RpcPeer, type InboundCallHandler } from '../ocpp/rpc-peer.js';
import type { JsonObject } from '../ocpp/rpc.js';
import { untrustedCertificateHint } from '../untrusted-certificate.js';

export interface SimLink {
  /** Sends a CALL and resolves with the answer; rejects with the RpcPeer errors. */
  call(action: string, payload: JsonObject): Promise<JsonObject>;
  /** Closes cleanly (close handshake, then a hard stop if the other side does not answer). */
  close(): Promise<void>;
  /** Drops the connection at once, as a lost network would. */
  terminate(): void;
}

export interface LinkHandlers {
  handleCall: InboundCallHandler;
  /** The connection is up: CALLs may be sent. */
  opened(): void;
  /** The connection is gone (or never came up); called exactly once per link. */
  closed(reason: string): void;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

/**
 * How a charge point reaches its central system: it opens one link per connection (the charge
 * point reconnects by opening another) and is shut down once, when the charge point stops.
 */
export interface SimTransport {
  /** Where the links go, for logs. */
  readonly target: string;
  open(handlers: LinkHandlers): SimLink;
  /** Releases what outlives a single link (the SOAP command server); the WebSocket has nothing. */
  shutdown(): Promise<void>;
}

export interface WebSocketLinkOptions {
  url: string;
  subprotocol: string;
  basicAuth: { user: string; password: string } | undefined;
  callTimeoutMs: number;
}

const CLOSE_GRACE_MS = 1000;

function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** For a TLS failure (Node's `code`) of a central system under a private CA, how to trust it; else ''. */
export function centralSystemCertificateHint(code: string | undefined): string {
  return untrustedCertificateHint(code, "the central system's");
}

/**
 * What a central system's refusal of the handshake means to whoever runs the simulator: ws says
 * only "Unexpected server response: 404". The statuses are Tomada's admission (docs/SECURITY.md).
 */
function refusalHint(error: Error): string {
  const certificate = centralSystemCertificateHint((error as NodeJS.ErrnoException).code);
  if (certificate !== '') return certificate;
  switch (/^Unexpected server response: (\d{3})$/.exec(error.message)?.[1]) {
    case '404':
      return ' (a --url other than ws://HOST:PORT/ocpp, or a charge point id the central system does not know: register it, e.g. with --api-token)';
    case '401':
      return ' (the charge point\'s password is missing or wrong: --password)';
    case '403':
      return ' (refused by the charge point\'s registration: its allowed source addresses, or a security profile that needs wss:// or a client certificate)';
    case '429':
      return ' (too many failed admissions from this address: wait for the window, TOMADA_AUTH_FAILURE_WINDOW_S, to pass)';
    default:
      return '';
  }
}

export function openWebSocketLink(options: WebSocketLinkOptions, handlers: LinkHandlers): SimLink {
  const headers: Record<string, string> = {};
  if (options.basicAuth) {
    const { user, password } = options.basicAuth;
    headers['Authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  const socket = new WebSocket(options.url, [options.subprotocol], {
    headers,
    handshakeTimeout: options.callTimeoutMs,
  });
  const peer = new RpcPeer({
    send: (text) => socket.send(text),
    handleCall: handlers.handleCall,
    callTimeoutMs: options.callTimeoutMs,
    events: {
      unexpected: (d) => handlers.log('warn', `unexpected frame ${d.messageId}: ${d.reason}`),
      refused: (d) => handlers.log('warn', `refused frame ${d.messageId}: ${d.code} ${d.description}`),
    },
  });
  let closed = false;

  socket.on('open', () => handlers.opened());
  socket.on('message', (data, isBinary) => {
    if (isBinary) peer.refuseUnreadable('Binary frames are not OCPP-J');
    else peer.receive(textOf(data));
  });
  // ws always emits 'close' after 'error' (also when the handshake fails), so 'close' does the work.
  socket.on('error', (error) => handlers.log('warn', `connection error: ${error.message}${refusalHint(error)}`));
  socket.on('close', (code, reason) => {
    if (closed) return;
    closed = true;
    const text = `connection closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
    peer.close(text);
    handlers.closed(text);
  });

  return {
    call: (action, payload) => peer.call(action, payload),
    terminate: () => socket.terminate(),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        if (socket.readyState === WebSocket.CONNECTING) {
          socket.terminate();
          return;
        }
        socket.close(1000);
        // A peer that never completes the close handshake must not keep us (or a test) waiting.
        const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
        socket.once('close', () => clearTimeout(timer));
      }),
  };
}

/** OCPP-J over WebSocket: a new socket for every link. */
export function webSocketTransport(options: WebSocketLinkOptions): SimTransport {
  return {
    target: options.url,
    open: (handlers) => openWebSocketLink(options, handlers),
    shutdown: () => Promise.resolve(),
  };
}
