// Tomada's own metrics: what an operator of the central system watches. Every label comes from a
// bounded set (OCPP action names, OCPP error codes, versions, transports, command kinds), never
// from a charge point id or anything a client may choose, so the series stay few.
import type { ActivityFeed } from '../domain/activity.js';
import type { CommandRouter } from '../domain/commands.js';
import { ChargePointNotConnected, CommandFailed, CommandTimedOut, InvalidRequest } from '../domain/errors.js';
import type { ChargePointView } from '../domain/views.js';
import type { CallGate } from '../ocpp/call-gate.js';
import { v15Actions } from '../ocpp/v15/index.js';
import { v16Actions } from '../ocpp/v16/index.js';
import { RpcErrorCodes } from '../ocpp/rpc.js';
import type { BatchObserver } from '../store/group-commit.js';
import { CollectedGauge, Counter, Histogram, Registry, type Labels } from './exposition.js';

const KNOWN_ACTIONS = new Set([...Object.keys(v16Actions), ...Object.keys(v15Actions)]);
const KNOWN_CODES = new Set<string>(RpcErrorCodes);

/** An action name as a label: one of OCPP's, or "unknown" (a client must not mint series). */
export const actionLabel = (action: string) => (KNOWN_ACTIONS.has(action) ? action : 'unknown');
export const codeLabel = (code: string) => (KNOWN_CODES.has(code) || SOAP_SUBCODE.test(code) ? code : 'unknown');
/** Our own envelope-level SOAP fault subcodes (MessageTooLarge, ...): words we wrote ourselves. */
const SOAP_SUBCODE = /^[A-Z][A-Za-z]{1,40}$/;

const CALL_ERROR = /^\[4,"(?:[^"\\]|\\.)*","(\w+)"/;
const SOAP_FAULT_SUBCODE = /<env:Subcode><env:Value[^>]*>\w+:(\w+)</;
const SOAP_FAULT_CODE = /<env:Code><env:Value>env:(\w+)</;

/** The OCPP error code of one of our outgoing frames, when it is an error answer. */
export function errorCodeOf(text: string): string | undefined {
  if (text.startsWith('[4,')) return CALL_ERROR.exec(text)?.[1];
  if (!text.includes('Fault>')) return undefined;
  return SOAP_FAULT_SUBCODE.exec(text)?.[1] ?? SOAP_FAULT_CODE.exec(text)?.[1];
}

/** How a call was answered, as a label: with a result, or with an error. */
function result(errorCode: string | undefined): 'ok' | 'error' {
  return errorCode === undefined ? 'ok' : 'error';
}

function commandResult(error: unknown): string {
  if (error instanceof CommandTimedOut) return 'timeout';
  if (error instanceof ChargePointNotConnected) return 'not_connected';
  if (error instanceof CommandFailed) return 'failed';
  if (error instanceof InvalidRequest) return 'invalid';
  return 'error';
}

/**
 * The series of one metric that calls count in, found once per (action label, result) pair: every
 * OCPP call counts in two metrics, and building their label sets and series keys each time was
 * about 5 % of the bytes a node allocated per call. Keyed by label, not by the action a client
 * sent, so it holds no more entries than the metric has series; each is made on its first use, as
 * the metric would have made it.
 */
class CallSeries<S> {
  private readonly ok = new Map<string, S>();
  private readonly error = new Map<string, S>();

  constructor(private readonly make: (labels: Labels) => S) {}

  of(action: string, errorCode: string | undefined): S {
    const label = actionLabel(action);
    const byAction = errorCode === undefined ? this.ok : this.error;
    let series = byAction.get(label);
    if (series === undefined) {
      series = this.make({ action: label, result: result(errorCode) });
      byAction.set(label, series);
    }
    return series;
  }
}

export class TomadaMetrics {
  readonly registry = new Registry();
  private connectedProtocols: () => Promise<Pick<ChargePointView, 'ocppVersion' | 'transport'>[]> = async () => [];
  private callGate: Pick<CallGate, 'inside' | 'queued'> | undefined;

  readonly connections = this.registry.add(
    new CollectedGauge('tomada_ocpp_connections', 'Connected charge points as this node\'s router knows them (with several nodes: on any node), by the OCPP version and transport they use', async () => {
      const counts = new Map<string, number>();
      for (const cp of await this.connectedProtocols()) {
        const key = `${cp.ocppVersion ?? 'unknown'} ${cp.transport ?? 'unknown'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return [...counts].map(([key, value]) => {
        const [version, transport] = key.split(' ') as [string, string];
        return { labels: { ocpp_version: version, transport }, value };
      });
    }),
  );
  readonly calls = this.registry.add(
    new CollectedGauge('tomada_ocpp_calls', 'Calls from OCPP-J charge points on this node right now: being handled (at most TOMADA_MAX_CALLS_IN_FLIGHT) or waiting for their turn', () => {
      const gate = this.callGate;
      return gate ? [{ labels: { state: 'handling' }, value: gate.inside }, { labels: { state: 'waiting' }, value: gate.queued }] : [];
    }),
  );
  readonly messages = this.registry.add(
    new Counter('tomada_ocpp_messages_total', 'OCPP calls from charge points, by action and result (ok: answered with a result; error: with an OCPP error)'),
  );
  readonly answers = this.registry.add(
    new Histogram(
      'tomada_ocpp_answer_duration_seconds',
      'Calls from charge points, from arrival until the answer was written (its data and its journal row durable first), by action and result',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ),
  );
  private readonly messageSeries = new CallSeries((labels) => this.messages.handle(labels));
  private readonly answerSeries = new CallSeries((labels) => this.answers.handle(labels));
  readonly errors = this.registry.add(
    new Counter('tomada_ocpp_errors_total', 'OCPP errors answered to charge points (CALLERROR or SOAP fault), by OCPP error code', RpcErrorCodes.map((code) => ({ code }))),
  );
  readonly commands = this.registry.add(
    new Histogram('tomada_command_duration_seconds', 'Operator commands to charge points, from request to answer, by command and result', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]),
  );
  readonly commits = this.registry.add(
    new Histogram('tomada_store_commit_duration_seconds', 'Group commits of the store, from the first statement until the batch is durable (COMMIT and, on SQLite, the sync of its WAL)', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]),
  );
  readonly batchSizes = this.registry.add(new Histogram('tomada_store_batch_size', 'Units of work per group commit', [1, 2, 5, 10, 20, 50, 100, 200, 500]));
  readonly commitFailures = this.registry.add(new Counter('tomada_store_commit_failures_total', 'Group commits that failed as a whole (every unit in them was refused)', [{}]));

  constructor(version: string) {
    const started = Date.now() / 1000;
    this.registry.add(new CollectedGauge('tomada_build_info', 'Always 1; the running version in its label', () => [{ labels: { version }, value: 1 }]));
    this.registry.add(new CollectedGauge('process_start_time_seconds', 'Start time of the process since the Unix epoch', () => [{ labels: {}, value: started }]));
    this.registry.add(new CollectedGauge('process_resident_memory_bytes', 'Resident memory of the process', () => [{ labels: {}, value: process.memoryUsage.rss() }]));
  }

  /** Where the protocols of the connected charge points are read from at scrape time. */
  watchConnections(read: () => Promise<Pick<ChargePointView, 'ocppVersion' | 'transport'>[]>): void {
    this.connectedProtocols = read;
  }

  /** Where the node's calls in flight are read from at scrape time. */
  watchCalls(gate: Pick<CallGate, 'inside' | 'queued'>): void {
    this.callGate = gate;
  }

  /**
   * Counts what the node's charge points do: each call they make (with its answer's result) and
   * each error that leaves towards them, whether from a call or from a frame that could not be
   * read (OCPP-J CALLERROR, SOAP fault). Errors are read from our own outgoing frames, so every
   * one is counted once, whichever layer refused.
   */
  observe(feed: ActivityFeed): () => void {
    return feed.listen((activity) => {
      if (activity.kind === 'call') this.call(activity.action, activity.errorCode);
      else if (activity.kind === 'answered') this.answerSeries.of(activity.action, activity.errorCode).observe(activity.seconds);
      else if (activity.kind === 'frame' && activity.direction === 'out') {
        const code = errorCodeOf(activity.text);
        if (code !== undefined) this.error(code);
      }
    });
  }

  /** A call from a charge point was answered: with a result, or with an OCPP error code. */
  call(action: string, errorCode?: string): void {
    this.messageSeries.of(action, errorCode).inc();
  }

  /** An OCPP error went to a charge point (before or after dispatch, any transport). */
  error(code: string): void {
    this.errors.inc({ code: codeLabel(code) });
  }

  readonly storeObserver: BatchObserver = {
    committed: (size, durationMs) => {
      this.commits.observe(durationMs / 1000);
      this.batchSizes.observe(size);
    },
    failed: (size) => {
      this.commitFailures.inc();
      this.batchSizes.observe(size);
    },
  };

  /** The router, timing every command it delivers. */
  instrumentRouter(router: CommandRouter): CommandRouter {
    return {
      attach: (id, target) => router.attach(id, target),
      isConnected: (id) => router.isConnected(id),
      endConnection: (id, reason) => router.endConnection(id, reason),
      endedSince: (id, since) => router.endedSince(id, since),
      ...(router.holderOf ? { holderOf: (id: string) => router.holderOf!(id) } : {}),
      ...(router.cluster ? { cluster: () => router.cluster!() } : {}),
      send: async (id, command) => {
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          const result = await router.send(id, command);
          this.commands.observe(seconds(), { command: command.kind, result: 'answered' });
          return result;
        } catch (error) {
          this.commands.observe(seconds(), { command: command.kind, result: commandResult(error) });
          throw error;
        }
      },
    };
  }
}
