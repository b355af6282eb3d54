// A fleet of simulated charge points charging on schedule: for tests of many connections, the
// demo and soaks. Each charge point runs its sessions spread over its connectors (connectors in
// parallel, sessions on one connector one after another), and the summary is what the fleet
// itself measured.
import { createHash } from 'node:crypto';
import { SimulatedChargePoint, type ChargePointOptions, type SimLogEntry, type SimSession } from './charge-point.js';
import type { SimProtocolName } from './protocols.js';

export interface FleetOptions {
  /** WebSocket protocols: the base URL each charge point appends its id to; SOAP: the SOAP endpoint. */
  baseUrl: string;
  /**
   * What every charge point speaks: ocpp1.6-json (the default), ocpp1.5-json or ocpp1.5-soap.
   * Overrides `chargePoint.protocol`.
   */
  protocol?: SimProtocolName;
  count: number;
  /** Charge point ids are `${prefix}0001`, `${prefix}0002`, … */
  prefix?: string;
  connectors?: number;
  sessionsPerChargePoint?: number;
  sessionMs: number;
  /** Pause between two sessions on one connector. */
  pauseMs?: number;
  /** Delay between two charge points' starts, so a fleet does not connect all at once. */
  staggerMs?: number;
  /** Keep charging until stop() (the demo), instead of `sessionsPerChargePoint` sessions. */
  forever?: boolean;
  /** Start no sessions at all: stay connected and answer the central system until stop() (validation). */
  idle?: boolean;
  /** Id tags used in turn by every charge point; by default each has its own (defaultIdTags). */
  idTags?: string[];
  /** How long stop() waits for queued messages to be answered before switching off. */
  stopGraceMs?: number;
  /**
   * Everything else a charge point takes (password, meter, timeouts, faults, SOAP listen address).
   * A SOAP listen port other than 0 is the first charge point's; the n-th listens on port + n − 1.
   */
  chargePoint?: Omit<Partial<ChargePointOptions>, 'id' | 'baseUrl' | 'connectors' | 'idTags' | 'logger'>;
  logger?: (entry: SimLogEntry) => void;
}

export interface FleetSummary {
  chargePoints: number;
  sessions: SimSession[];
  totalDeliveredWh: number;
  /** What went wrong (a refused id tag, a charge point that never booted, …). */
  failures: string[];
  /** Every planned session ran, got a transactionId and was stopped; no failure. */
  complete: boolean;
}

export interface FleetHandle {
  readonly chargePoints: readonly SimulatedChargePoint[];
  /** Settles when every charge point has run its sessions (or after stop()). */
  readonly summary: Promise<FleetSummary>;
  /** Ends running sessions cleanly, waits briefly for their messages, switches everything off. */
  stop(): Promise<FleetSummary>;
}

export function chargePointId(prefix: string, index: number): string {
  return `${prefix}${String(index).padStart(4, '0')}`;
}

/** OCPP id tags are at most 20 characters (IdToken, CiString20Type). */
const ID_TAG_MAX = 20;

/**
 * Default id tags of a charge point: one more than it has connectors, so that a tag is never
 * presented again while its previous session still runs on another connector (a central system
 * rightly answers that with ConcurrentTx). They are made from the charge point's id (its letters
 * and digits, then T1, T2, …: SIM-0001 uses SIM0001T1, SIM0001T2, …), so fleets with different
 * prefixes never share a tag; an id too long for that gives a tag from its SHA-256 instead.
 */
export function defaultIdTags(chargePointId: string, connectors: number): string[] {
  const letters = chargePointId.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  const suffixLength = `T${connectors + 1}`.length;
  const stem = letters.length > 0 && letters.length + suffixLength <= ID_TAG_MAX
    ? letters
    : `SIM${createHash('sha256').update(chargePointId).digest('hex').slice(0, 10).toUpperCase()}`;
  return Array.from({ length: connectors + 1 }, (_, n) => `${stem}T${n + 1}`);
}

export interface FleetMember {
  id: string;
  idTags: string[];
}

/** The charge point ids and id tags a fleet with these options will use. */
export function fleetMembers(options: Pick<FleetOptions, 'count' | 'prefix' | 'connectors' | 'idTags'>): FleetMember[] {
  const connectors = options.connectors ?? 2;
  return Array.from({ length: options.count }, (_, i) => {
    const id = chargePointId(options.prefix ?? 'SIM-', i + 1);
    return { id, idTags: options.idTags ?? defaultIdTags(id, connectors) };
  });
}

/** Sleeps that stop() can cut short, so a stopping fleet never waits out a pause. */
class Sleeper {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private woken = false;

  sleep(ms: number): Promise<void> {
    if (this.woken || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.wake(), ms),
        wake: () => {
          clearTimeout(entry.timer);
          this.pending.delete(entry);
          resolve();
        },
      };
      this.pending.add(entry);
    });
  }

  wakeAll(): void {
    this.woken = true;
    for (const entry of [...this.pending]) entry.wake();
  }
}

export function runFleet(options: FleetOptions): FleetHandle {
  if (!Number.isInteger(options.count) || options.count < 1) throw new RangeError('count must be a positive integer');
  const prefix = options.prefix ?? 'SIM-';
  const connectors = options.connectors ?? 2;
  const planned = options.sessionsPerChargePoint ?? 1;
  const pauseMs = options.pauseMs ?? 1_000;
  const staggerMs = options.staggerMs ?? 20;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const sleeper = new Sleeper();
  const failures: string[] = [];
  let stopping = false;
  const booted = new Set<SimulatedChargePoint>();
  const log = (entry: SimLogEntry): void => options.logger?.(entry);

  const listen = options.chargePoint?.soapListen;
  const chargePoints = fleetMembers({ ...options, prefix, connectors }).map(
    ({ id, idTags }, index) =>
      new SimulatedChargePoint({
        ...options.chargePoint,
        ...(options.protocol ? { protocol: options.protocol } : {}),
        ...(listen ? { soapListen: { ...listen, port: listen.port ? listen.port + index : 0 } } : {}),
        id,
        baseUrl: options.baseUrl,
        connectors,
        idTags,
        ...(options.logger ? { logger: options.logger } : {}),
      }),
  );

  /** Session k of a charge point goes to connector (k mod connectors) + 1. */
  const sessionsOn = (connectorId: number): number =>
    Math.floor(planned / connectors) + (connectorId <= planned % connectors ? 1 : 0);

  async function runConnector(cp: SimulatedChargePoint, connectorId: number): Promise<void> {
    const count = options.forever ? Infinity : sessionsOn(connectorId);
    for (let k = 0; k < count && !stopping; k++) {
      if (k > 0) await sleeper.sleep(pauseMs);
      if (stopping) return;
      try {
        await cp.startSession(connectorId);
      } catch (error) {
        failures.push(`${cp.id} connector ${connectorId}: ${(error as Error).message}`);
        continue;
      }
      await sleeper.sleep(options.sessionMs);
      // Stop even when the fleet is stopping: every session that began also ends.
      await cp.stopSession(connectorId, 'EVDisconnected').catch(() => {
        // Already stopped by the central system (remote stop, unlock, reset): nothing to do.
      });
    }
  }

  async function runChargePoint(cp: SimulatedChargePoint, index: number): Promise<void> {
    await sleeper.sleep(index * staggerMs);
    if (stopping) return;
    log({ chargePointId: cp.id, level: 'info', message: 'starting' });
    cp.start();
    try {
      await cp.ready();
      booted.add(cp);
    } catch {
      failures.push(`${cp.id}: stopped before its boot was accepted`);
      return;
    }
    const ids = Array.from({ length: connectors }, (_, i) => i + 1);
    if (options.idle) while (!stopping) await sleeper.sleep(60_000);
    else await Promise.all(ids.map((connectorId) => runConnector(cp, connectorId)));
    if (!(await drained(cp))) failures.push(`${cp.id}: messages still unanswered at stop`);
    await cp.stop();
  }

  /** Waits for the charge point's queue to empty; once stopping, for stopGraceMs at most. */
  async function drained(cp: SimulatedChargePoint): Promise<boolean> {
    const done = cp.drain().then(
      () => true,
      () => false,
    );
    if (!stopping) return done;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), stopGraceMs);
    });
    try {
      return await Promise.race([done, grace]);
    } finally {
      clearTimeout(timer);
    }
  }

  const summary = (async (): Promise<FleetSummary> => {
    await Promise.all(chargePoints.map((cp, i) => runChargePoint(cp, i)));
    await Promise.all(chargePoints.map((cp) => cp.stop()));
    const sessions = chargePoints.flatMap((cp) => cp.sessions());
    const everySessionRan = options.forever || options.idle || sessions.length === planned * options.count;
    return {
      chargePoints: chargePoints.length,
      sessions,
      totalDeliveredWh: sessions.reduce((sum, s) => sum + (s.deliveredWh ?? 0), 0),
      failures,
      complete:
        everySessionRan &&
        failures.length === 0 &&
        sessions.every((s) => s.transactionId !== undefined && s.stopReason !== undefined),
    };
  })();

  return {
    chargePoints,
    summary,
    async stop() {
      if (!stopping) {
        stopping = true;
        sleeper.wakeAll();
        // A charge point still waiting for its first accepted boot would wait forever: switch it off.
        for (const cp of chargePoints) if (!booted.has(cp)) void cp.stop();
      }
      return summary;
    },
  };
}
