// Configuration from environment variables, checked once at start: a wrong value stops the
// process with a message naming the variable, instead of misbehaving later.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createSecureContext } from 'node:tls';
import { sourceAllowed, type UnknownChargePointPolicy, type UnvalidatedSoftwarePolicy } from './domain/registry.js';
import type { TlsMaterial } from './transport/tls.js';
import { PRIVATE_NETWORKS } from './networks.js';
import { ExplainedOpenFailure, urlThatFailedToOpen } from './store/open-failure.js';
import { urlForLog, urlListForLog } from './url-for-log.js';
import { DEFAULT_ENDPOINT_NETWORKS, type EndpointNetworks } from './transport/soap-endpoint-networks.js';

export interface Config {
  host: string;
  ocppPort: number;
  httpPort: number;
  databaseUrl: string;
  /** PostgreSQL connections at most (TOMADA_DATABASE_POOL); SQLite ignores it. */
  databasePoolSize: number;
  /** How long an idle group committer waits for more work before a batch (TOMADA_COMMIT_DELAY_MS). */
  commitDelayMs: number;
  /** The shortest time between the starts of two batches of a group committer (TOMADA_COMMIT_INTERVAL_MS). */
  commitIntervalMs: number;
  unknownChargePoints: UnknownChargePointPolicy;
  /** What a boot with software not in the validated registry gets. */
  unvalidatedSoftware: UnvalidatedSoftwarePolicy;
  /** Whether this node delivers events to operators' webhooks (one node of a cluster is enough). */
  webhookDelivery: boolean;
  adminToken: string | undefined;
  heartbeatIntervalS: number;
  bootRetryIntervalS: number;
  callTimeoutMs: number;
  pingIntervalMs: number;
  maxFrameBytes: number;
  /** HMAC key of the frame journal's hash chain; without one the chain uses plain SHA-256. */
  journalKey: string | undefined;
  /** Verify signed meter values with a public key sent in the message when none is registered. */
  meterKeyFromMessage: boolean;
  /** Second OCPP listener, over TLS (wss://, https://), when `tls` is set. */
  ocppTlsPort: number;
  /** PEM files of the TLS listener; undefined: no TLS listener. */
  tls: TlsFiles | undefined;
  /** A connection must complete its TLS handshake, and send its request headers, within this. */
  handshakeTimeoutMs: number;
  /** A whole HTTP request (a SOAP message with its body) must arrive within this. */
  requestTimeoutMs: number;
  /** Failed admissions from one address within the window after which it is refused (429). */
  authFailureLimit: number;
  authFailureWindowS: number;
  /** Sustained inbound OCPP-J messages per second per charge point (0: unlimited). */
  maxMessagesPerSecond: number;
  /** Messages a charge point may send above that rate before it is slowed down. */
  messageBurst: number;
  /** Operator commands waiting for one charge point beyond which a new one fails at once. */
  maxQueuedCommands: number;
  /** Inbound OCPP-J CALLs one node handles at once over all its connections; more wait their turn. */
  maxCallsInFlight: number;
  /** Connections the operator listener holds at once, in all and from one address (0: no cap by address). */
  httpMaxConnections: number;
  httpMaxConnectionsPerAddress: number;
  /**
   * Networks a SOAP charge point's own WS-Addressing From may name as its command endpoint (empty:
   * any), and those it may not (the node's own unless the networks are listed or `any`).
   */
  soapEndpointNetworks: EndpointNetworks;
  /** Networks no webhook POST may reach: by default the node's own and private ones; empty: any. */
  webhookDeniedNetworks: readonly string[];
  /** Several nodes: NATS to reach each other; undefined: this node is alone. */
  cluster: ClusterConfig | undefined;
  /**
   * How often the charge points with sessions validation campaigns left running are read from the
   * store (LeftRunningStops; default 30 s). No variable sets it: tests make it long, to show that
   * what another node's campaign left is heard over NATS, not found by this read.
   */
  leftRunningRefreshMs?: number;
}

export interface ClusterConfig {
  natsUrl: string;
  /** Unique per running node; names it in announcements, logs and events. */
  nodeId: string;
  /** Subject prefix shared by the nodes of one cluster. */
  prefix: string;
  /** Node heartbeat interval; a node silent for three of them is lost. */
  heartbeatMs: number;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA that client certificates (security profile 3) must chain to. */
  caFile: string | undefined;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** IP addresses and networks (CIDR), separated by commas; none: an empty list. */
function networks(env: Env, name: string): string[] {
  const entries = (env[name] ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const { invalid } = sourceAllowed(entries, undefined);
  if (invalid.length > 0) {
    throw new ConfigError(`${name} must be IP addresses or networks (such as 10.64.0.0/12 or 2001:db8::/32) separated by commas, got "${invalid.join('", "')}"`);
  }
  return entries;
}

/** TOMADA_WEBHOOK_DENIED_NETWORKS: unset, the private networks; `none`, any address; else the networks given. */
function webhookDeniedNetworks(env: Env): readonly string[] {
  const value = env.TOMADA_WEBHOOK_DENIED_NETWORKS?.trim();
  if (value === undefined || value === '') return PRIVATE_NETWORKS;
  if (value === 'none') return [];
  return networks(env, 'TOMADA_WEBHOOK_DENIED_NETWORKS');
}

/**
 * TOMADA_SOAP_ENDPOINT_NETWORKS: unset, any address but the node's own and link-local ones; `any`,
 * any address at all; else only the networks given.
 */
function soapEndpointNetworks(env: Env): EndpointNetworks {
  const value = env.TOMADA_SOAP_ENDPOINT_NETWORKS?.trim();
  if (value === undefined || value === '') return DEFAULT_ENDPOINT_NETWORKS;
  if (value === 'any') return { allowed: [], denied: [] };
  return { allowed: networks(env, 'TOMADA_SOAP_ENDPOINT_NETWORKS'), denied: [] };
}

function tlsFiles(env: Env): TlsFiles | undefined {
  const certFile = env.TOMADA_TLS_CERT || undefined;
  const keyFile = env.TOMADA_TLS_KEY || undefined;
  const caFile = env.TOMADA_TLS_CA || undefined;
  if (!certFile && !keyFile) {
    if (caFile) throw new ConfigError('TOMADA_TLS_CA needs TOMADA_TLS_CERT and TOMADA_TLS_KEY (the TLS listener)');
    return undefined;
  }
  if (!certFile) throw new ConfigError('TOMADA_TLS_KEY is set but TOMADA_TLS_CERT is not: both are needed for the TLS listener');
  if (!keyFile) throw new ConfigError('TOMADA_TLS_CERT is set but TOMADA_TLS_KEY is not: both are needed for the TLS listener');
  return { certFile, keyFile, caFile };
}

/** Reads the PEM files and checks that they make a usable TLS context (the key matches the certificate). */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const read = (name: string, path: string) => {
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (error) {
      throw new ConfigError(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (!pem.includes('-----BEGIN ')) throw new ConfigError(`${name}: ${path} is not a PEM file`);
    return pem;
  };
  const material: TlsMaterial = {
    cert: read('TOMADA_TLS_CERT', files.certFile),
    key: read('TOMADA_TLS_KEY', files.keyFile),
    ca: files.caFile === undefined ? undefined : read('TOMADA_TLS_CA', files.caFile),
  };
  try {
    createSecureContext({ cert: material.cert, key: material.key, ...(material.ca ? { ca: material.ca } : {}) });
  } catch (error) {
    // The message names the problem (e.g. "key values mismatch"), never the key itself.
    throw new ConfigError(`TOMADA_TLS_CERT / TOMADA_TLS_KEY${material.ca ? ' / TOMADA_TLS_CA' : ''}: unusable (${(error as Error).message})`);
  }
  return material;
}

function clusterConfig(env: Env): ClusterConfig | undefined {
  const natsUrl = env.TOMADA_NATS_URL || undefined;
  if (!natsUrl) return undefined;
  const nodeId = env.TOMADA_NODE_ID || `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(nodeId)) throw new ConfigError(`TOMADA_NODE_ID must be 1 to 100 letters, digits or "_.:-", got "${nodeId}"`);
  const prefix = env.TOMADA_NATS_PREFIX || 'tomada';
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) throw new ConfigError(`TOMADA_NATS_PREFIX must be dot-separated words of letters, digits, "_" or "-", got "${prefix}"`);
  const heartbeatMs = integer(env, 'TOMADA_NODE_HEARTBEAT_MS', 2_000, 50, 60_000);
  if (!/^(nats|tls|wss?):\/\/[^,\s]+(,(nats|tls|wss?):\/\/[^,\s]+)*$/.test(natsUrl)) {
    throw new ConfigError(`TOMADA_NATS_URL must be nats://HOST:PORT (several separated by commas), got "${urlListForLog(natsUrl)}"`);
  }
  return { natsUrl, nodeId, prefix, heartbeatMs };
}

/**
 * A listener that could not open says only "listen EADDRINUSE: address already in use". This
 * names the setting that chose the port or address, so the operator knows what to change; any
 * other error is returned as it is.
 */
export function explainListenError(error: unknown, config: Config): unknown {
  const { code, port, address } = error as { code?: string; port?: number; address?: string };
  const ports: Array<[string, number | undefined]> = [
    ['TOMADA_OCPP_PORT', config.ocppPort],
    ['TOMADA_OCPP_TLS_PORT', config.tls ? config.ocppTlsPort : undefined],
    ['TOMADA_HTTP_PORT', config.httpPort],
  ];
  const setting = ports.filter(([, value]) => value === port).map(([name]) => name).join(' or ') || 'the TOMADA_*_PORT variables';
  if (code === 'EADDRINUSE') {
    return new ConfigError(`${address}:${port} is already in use (another Tomada, or another program): stop it, or set ${setting} to a free port`);
  }
  if (code === 'EACCES') return new ConfigError(`${address}:${port}: permission denied (a port below 1024 needs privileges): set ${setting} to a port from 1024`);
  // A host name that does not resolve fails the listen as a look-up (the database's own look-up
  // fails before any listener opens, with its own host name).
  const unresolved = (code === 'ENOTFOUND' || code === 'EAI_AGAIN') && (error as { hostname?: string }).hostname === config.host;
  if (code === 'EADDRNOTAVAIL' || unresolved) {
    return new ConfigError(`TOMADA_HOST ${config.host} is not an address of this machine: set it to one of its addresses, or 0.0.0.0`);
  }
  return error;
}

/** Node's codes for a server that could not be reached at all (refused, no such host, no route). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * The store could not be opened: the driver says "connect ECONNREFUSED 127.0.0.1:5432" or
 * 'database "tomada" does not exist' and nothing of where that address came from. This adds the
 * setting that named the database (`setting`); any other error is returned as it is. PostgreSQL's
 * own refusals carry a severity (pg's DatabaseError); failed connections carry a system code.
 */
export function explainStoreError(error: unknown, setting: string): unknown {
  if (!(error instanceof Error) || error instanceof ConfigError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  // A failed connection to `localhost` (IPv6, then IPv4) is an AggregateError with an empty message.
  const message = error.message || (error instanceof AggregateError ? error.errors.map((e: Error) => e.message).join('; ') : '') || String(code);
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new Error(`cannot reach the database (${message}): is PostgreSQL running there, and does ${setting} name it?`);
  }
  if ('severity' in error) return new Error(`the database named by ${setting} refused: ${message}`);
  // Any other failure to open the store ("EEXIST: file already exists, mkdir './data'", "The
  // server does not support SSL connections") said nothing of the setting: it names it, with the
  // URL as it may be printed, and what to do where that is known. One that names it already, or
  // says what to do already, is kept.
  const url = urlThatFailedToOpen(error);
  if (url === undefined || error instanceof ExplainedOpenFailure || message.includes('TOMADA_DATABASE_URL') || message.includes(setting)) return error;
  const hint = storeOpenHint(error, message, setting);
  return new Error(`cannot open the database at ${setting}=${urlForLog(url)} (${message})${hint === undefined ? '' : `: ${hint}`}`);
}

/** Node's codes for a server certificate that did not chain to a CA it trusts. */
const UNTRUSTED_CERTIFICATE = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

/** What to do about a store that did not open, where the error says enough to tell. */
function storeOpenHint(error: Error, message: string, setting: string): string | undefined {
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (syscall === 'mkdir' && (code === 'EEXIST' || code === 'ENOTDIR')) {
    return `a file stands where a folder of its path should be (${path}): move it, or set ${setting} to a path in another folder`;
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'SQLITE_CANTOPEN') {
    return `this user may not create or write that file: set ${setting} to a path it may write to, or give it the right to`;
  }
  if (code === 'SQLITE_NOTADB') return `that file is not a SQLite database: set ${setting} to the store's file`;
  if (code === 'ENOENT' && path !== undefined) return `a file the URL names is missing (${path}): correct its path in ${setting}`;
  if (message === 'The server does not support SSL connections') {
    return `the server has SSL turned off: take sslmode out of ${setting}, or turn ssl on in the server's postgresql.conf`;
  }
  if (code !== undefined && UNTRUSTED_CERTIFICATE.has(code)) {
    return `the server's certificate is not from a CA this node trusts: for a private CA, add sslrootcert=/path/to/ca.pem to ${setting} (docs/OPERATIONS.md, PostgreSQL)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's certificate does not name the host ${setting} gives: connect by a name the certificate holds`;
  if (code === 'CERT_HAS_EXPIRED') return `the server's certificate has expired: renew it on the server`;
  return undefined;
}

export function loadConfig(env: Env = process.env): Config {
  const adminToken = env.TOMADA_ADMIN_TOKEN === '' ? undefined : env.TOMADA_ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < 16) throw new ConfigError('TOMADA_ADMIN_TOKEN must be at least 16 characters');
  // Read by createLogger (log.ts); checked here with the rest, so a mistyped level is named
  // instead of pino's "default level:verbose must be included in custom levels".
  oneOf(env, 'TOMADA_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info');
  const databaseUrl = env.TOMADA_DATABASE_URL || 'sqlite:./data/tomada.db';
  const handshakeTimeoutMs = integer(env, 'TOMADA_HANDSHAKE_TIMEOUT_MS', 10_000, 100, 600_000);
  const requestTimeoutMs = integer(env, 'TOMADA_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  if (requestTimeoutMs < handshakeTimeoutMs) {
    throw new ConfigError(`TOMADA_REQUEST_TIMEOUT_MS (${requestTimeoutMs}) must not be shorter than TOMADA_HANDSHAKE_TIMEOUT_MS (${handshakeTimeoutMs})`);
  }
  return {
    host: env.TOMADA_HOST || '0.0.0.0',
    ocppPort: integer(env, 'TOMADA_OCPP_PORT', 9000, 0, 65535),
    httpPort: integer(env, 'TOMADA_HTTP_PORT', 8080, 0, 65535),
    databaseUrl,
    databasePoolSize: integer(env, 'TOMADA_DATABASE_POOL', 10, 2, 1000),
    commitDelayMs: integer(env, 'TOMADA_COMMIT_DELAY_MS', 1, 0, 100),
    commitIntervalMs: integer(env, 'TOMADA_COMMIT_INTERVAL_MS', 3, 0, 100),
    unknownChargePoints: oneOf(env, 'TOMADA_UNKNOWN_CHARGE_POINTS', ['reject', 'accept', 'pending'], 'reject'),
    unvalidatedSoftware: oneOf(env, 'TOMADA_UNVALIDATED_SOFTWARE', ['flag', 'pending', 'reject'], 'flag'),
    webhookDelivery: oneOf(env, 'TOMADA_WEBHOOK_DELIVERY', ['on', 'off'], 'on') === 'on',
    adminToken,
    heartbeatIntervalS: integer(env, 'TOMADA_HEARTBEAT_INTERVAL', 300, 1, 86400),
    bootRetryIntervalS: integer(env, 'TOMADA_BOOT_RETRY_INTERVAL', 60, 1, 86400),
    callTimeoutMs: integer(env, 'TOMADA_CALL_TIMEOUT_MS', 30_000, 100, 600_000),
    pingIntervalMs: integer(env, 'TOMADA_PING_INTERVAL_MS', 30_000, 100, 3_600_000),
    // 1 MiB: a StopTransaction carries the session's transactionData, which a charger set to
    // sample every minute fills to several hundred KiB over a day (libocpp thins it for that
    // reason). Refused, it is resent for ever and holds up the transaction messages behind it.
    maxFrameBytes: integer(env, 'TOMADA_MAX_FRAME_BYTES', 1024 * 1024, 1024, 16 * 1024 * 1024),
    journalKey: env.TOMADA_JOURNAL_KEY || undefined,
    meterKeyFromMessage: oneOf(env, 'TOMADA_METER_KEY_FROM_MESSAGE', ['deny', 'allow'], 'deny') === 'allow',
    ocppTlsPort: integer(env, 'TOMADA_OCPP_TLS_PORT', 9443, 0, 65535),
    tls: tlsFiles(env),
    handshakeTimeoutMs,
    requestTimeoutMs,
    authFailureLimit: integer(env, 'TOMADA_AUTH_FAILURE_LIMIT', 10, 1, 1_000_000),
    authFailureWindowS: integer(env, 'TOMADA_AUTH_FAILURE_WINDOW_S', 60, 1, 86_400),
    maxMessagesPerSecond: integer(env, 'TOMADA_MAX_MESSAGES_PER_SECOND', 100, 0, 1_000_000),
    messageBurst: integer(env, 'TOMADA_MESSAGE_BURST', 10_000, 1, 10_000_000),
    maxQueuedCommands: integer(env, 'TOMADA_MAX_QUEUED_COMMANDS', 10, 1, 10_000),
    maxCallsInFlight: integer(env, 'TOMADA_MAX_CALLS_IN_FLIGHT', 1_000, 1, 1_000_000),
    httpMaxConnections: integer(env, 'TOMADA_HTTP_MAX_CONNECTIONS', 1_000, 1, 1_000_000),
    httpMaxConnectionsPerAddress: integer(env, 'TOMADA_HTTP_MAX_CONNECTIONS_PER_ADDRESS', 0, 0, 1_000_000),
    soapEndpointNetworks: soapEndpointNetworks(env),
    webhookDeniedNetworks: webhookDeniedNetworks(env),
    cluster: clusterConfig(env),
  };
}
