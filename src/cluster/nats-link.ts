// This node's connection to NATS, kept up by itself: the first connection is retried until it
// succeeds (the node serves its own charge points meanwhile), later outages are ridden out by
// nats.js's own reconnection, which restores every subscription. `up` says whether messages can
// be exchanged right now, so callers fail fast instead of waiting for a timeout.
import { connect, Events, type NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import { urlListForLog } from '../url-for-log.js';

export interface NatsLinkOptions {
  servers: string;
  /** Shown in the NATS server's connection list. */
  name: string;
  log: Logger;
  /** How often the server is pinged; two pings unanswered close the connection (and nats.js reconnects). */
  pingIntervalMs: number;
  /** Called on every (re)connection, with subscriptions to make on a fresh connection. */
  onConnect(connection: NatsConnection, fresh: boolean): void;
}

const RETRY_MS = 1_000;
/**
 * A connection attempt's time limit. Generous on purpose: a refused connection fails at once
 * anyway, and nats.js does not close a socket whose attempt timed out, so a short limit on a
 * busy machine leaves connections behind.
 */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long a stop waits for the drain. A drain flushes through the server, so on a link that has
 * gone silent it would wait for the pings to fail; a stop must finish whatever NATS does.
 */
const DRAIN_LIMIT_MS = 2_000;

export class NatsLink {
  connection: NatsConnection | undefined;
  /** Connected right now (not closed, not between reconnection attempts). */
  up = false;
  private stopped = false;
  private readonly running: Promise<void>;
  private wake: (() => void) | undefined;

  constructor(private readonly options: NatsLinkOptions) {
    this.running = this.run();
  }

  /** Publishes if connected; an announcement lost to an outage is repaired by the heartbeat digests. */
  publish(subject: string, data: Uint8Array): void {
    if (!this.up || !this.connection) return;
    try {
      this.connection.publish(subject, data);
    } catch (error) {
      this.options.log.debug({ err: (error as Error).message, subject }, 'NATS publish failed');
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const connection = this.connection;
    const wasUp = this.up;
    this.up = false;
    if (connection && !connection.isClosed()) {
      // Between reconnection attempts a drain resolves without closing (its flush fails and is
      // swallowed by nats.js), and there is nothing to send anyway: close at once.
      if (wasUp) await drainWithin(connection, DRAIN_LIMIT_MS);
      if (!connection.isClosed()) await connection.close();
    }
    await this.running;
  }

  private async run(): Promise<void> {
    const { log, servers, name, pingIntervalMs } = this.options;
    let failures = 0;
    while (!this.stopped) {
      let connection: NatsConnection;
      try {
        connection = await connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: RETRY_MS, pingInterval: pingIntervalMs, maxPingOut: 2, timeout: CONNECT_TIMEOUT_MS });
      } catch (error) {
        // Once per outage at warn, then at debug: a node without NATS still serves its own charge points.
        if (failures++ === 0) log.warn({ err: (error as Error).message, servers: urlListForLog(servers) }, 'NATS unreachable: serving only the charge points held here, retrying');
        else log.debug({ err: (error as Error).message }, 'NATS still unreachable');
        await this.pause(RETRY_MS);
        continue;
      }
      if (this.stopped) {
        await connection.close();
        break;
      }
      failures = 0;
      this.connection = connection;
      this.up = true;
      log.info({ servers: urlListForLog(servers), server: connection.getServer() }, 'connected to NATS');
      this.options.onConnect(connection, true);
      void this.watch(connection);
      const closed = await connection.closed();
      this.up = false;
      if (!this.stopped) log.warn({ err: closed?.message }, 'NATS connection closed; connecting again');
    }
  }

  private async watch(connection: NatsConnection): Promise<void> {
    const { log } = this.options;
    for await (const status of connection.status()) {
      if (status.type === Events.Disconnect) {
        this.up = false;
        log.warn({ server: status.data }, 'NATS connection lost: commands reach only the charge points held here until it is back');
      } else if (status.type === Events.Reconnect) {
        this.up = true;
        log.info({ server: status.data }, 'NATS connection back');
        this.options.onConnect(connection, false);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** Drains (replies being sent and announcements already published still go out), giving up after `ms`. */
async function drainWithin(connection: NatsConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([connection.drain().catch(() => undefined), limit]);
  clearTimeout(timer);
}
