// TLS on the OCPP listener (security profiles 2 and 3): the server's options and what admission
// needs to know about a connection: whether it is TLS, and the client certificate it presented.
import type { ServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { ClientCertificate } from '../domain/registry.js';

/** PEM contents of the server certificate (chain), its key, and the CA client certificates must chain to. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Without it no client certificate is asked for, and profile 3 charge points cannot connect. */
  ca?: Buffer | undefined;
}

export function tlsServerOptions(material: TlsMaterial, handshakeTimeoutMs: number): ServerOptions {
  return {
    cert: material.cert,
    key: material.key,
    minVersion: 'TLSv1.2',
    handshakeTimeout: handshakeTimeoutMs,
    ...(material.ca
      ? {
          ca: material.ca,
          // Asked of every client, required of none: charge points of profiles 1 and 2 have no
          // certificate, and admission decides per charge point (registry.admit).
          requestCert: true,
          rejectUnauthorized: false,
        }
      : {}),
  };
}

export function isTls(socket: Socket): boolean {
  return socket instanceof TLSSocket && socket.encrypted === true;
}

/** The client certificate of a TLS connection, if it presented one. */
export function clientCertificate(socket: Socket): ClientCertificate | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return undefined;
  const cn = peer.subject?.CN as unknown;
  const problem = socket.authorizationError as unknown;
  return {
    verified: socket.authorized === true,
    // Several CNs (an array) name no single charge point.
    commonName: typeof cn === 'string' ? cn : undefined,
    problem: problem === undefined || problem === null ? undefined : String(problem),
  };
}
