// A simulated charge point that behaves as a real one does: it boots, reports its connectors,
// sends heartbeats, charges with a deterministic meter, answers the central system's commands,
// keeps its transaction messages through a lost connection and reconnects by itself.
// Protocol wording lives in a ChargePointProtocol (protocol-16.ts, protocol-15.ts), the connection
// in a SimTransport: OCPP-J over WebSocket (link.ts) or OCPP 1.5 SOAP over HTTP (soap-link.ts).
import { PeerClosedError } from '../ocpp/rpc-peer.js';
import type { CallFrame, JsonObject } from '../ocpp/rpc.js';
import { webSocketTransport, type SimLink, type SimTransport } from './link.js';
import type { EnergyMode, EnergyUnit } from './meter.js';
import { Outbox } from './outbox.js';
import { simProtocols, type SimProtocolName } from './protocols.js';
import type { ChargePointProtocol, Command, CommandOutcome, ConnectorStatus, OutboundCall, StopReason } from './protocol.js';
import { ActiveSession, Connector, type MeterSettings, type SimSession } from './session.js';
import { soapTransport } from './soap-link.js';
import { OutgoingFaults, type SimFault } from './faults.js';

export type { SimSession } from './session.js';
export type { StopReason } from './protocol.js';

export interface SimLogEntry {
  chargePointId: string;
  level: 'debug' | 'info' | 'warn';
  message: string;
}

export interface MeterOptions {
  mode?: EnergyMode;
  unit?: EnergyUnit;
  /** Constant charging power while a session runs. */
  powerW?: number;
  /** A MeterValues every this many ms; each one advances the meter by powerW × this interval. */
  sampleIntervalMs?: number;
  /** Register of every connector's meter when the simulator starts. */
  initialRegisterWh?: number;
}

export interface ChargePointOptions {
  id: string;
  /**
   * WebSocket protocols: like ws://127.0.0.1:9000/ocpp; the charge point connects to
   * `${baseUrl}/${id}`. SOAP: the central system's SOAP endpoint itself, like
   * http://127.0.0.1:9000/ocpp/soap (every charge point posts there).
   */
  baseUrl: string;
  /** Sent as HTTP Basic auth (user = id) in the handshake (SOAP: on every POST) when given. */
  password?: string;
  connectors?: number;
  vendor?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  meter?: MeterOptions;
  callTimeoutMs?: number;
  reconnectDelayMs?: number;
  /** Floor for the boot retry and heartbeat intervals the central system gives (0 would spin). */
  minIntervalMs?: number;
  /** Id tags used, in turn, by startSession when it is given none. */
  idTags?: string[];
  /** Fault: every transaction message is sent twice, as by a charger that lost the first answer. */
  duplicateTransactionMessages?: boolean;
  /** Sends of a transaction message answered by a CALLERROR before it is given up. */
  transactionMessageAttempts?: number;
  /**
   * What the charge point speaks: a protocol name (ocpp1.6-json by default, ocpp1.5-json,
   * ocpp1.5-soap), or a ChargePointProtocol wording spoken over WebSocket.
   */
  protocol?: ChargePointProtocol | SimProtocolName;
  /**
   * SOAP only: where the charge point's own ChargePointService (the commands' endpoint, sent as
   * the WS-Addressing From of every request) listens. Default 127.0.0.1, port 0 (any free port).
   */
  soapListen?: { host?: string; port?: number };
  logger?: (entry: SimLogEntry) => void;
  /** Misbehaviours to simulate (src/sim/faults.ts), for validation campaigns to catch. */
  faults?: readonly SimFault[];
  /** A remotely started session begins only once a vehicle is plugged in (plugIn), as on most AC chargers. */
  cableRequired?: boolean;
}

type State = 'idle' | 'connecting' | 'booting' | 'accepted' | 'stopped';

export class SimulatedChargePoint {
  readonly id: string;
  private readonly protocol: ChargePointProtocol;
  private readonly transport: SimTransport;
  private readonly meter: MeterSettings;
  private readonly connectors: Connector[];
  private readonly outbox: Outbox;
  private readonly records: SimSession[] = [];
  private readonly callTimeoutMs: number;
  private readonly reconnectDelayMs: number;
  private readonly minIntervalMs: number;
  private readonly idTags: string[];
  private nextIdTag = 0;
  private state: State = 'idle';
  private link: SimLink | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private bootTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private resetting = false;
  /** The heartbeat interval of the last accepted boot, kept for a connection that skips its boot. */
  private lastHeartbeatMs = 60_000;
  private lastTimestampMs = 0;
  /** The status word last reported per connector since the boot was accepted. */
  private readonly reported = new Map<number, string>();
  private readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly faults: ReadonlySet<SimFault>;
  /** Connectors with a vehicle plugged in (cableRequired), and remote starts waiting for one. */
  private readonly plugged = new Set<number>();
  private readonly awaitingCable = new Map<number, string>();
  /** Fault no-boot-after-reset: the connection after a reset skips its BootNotification. */
  private skipNextBoot = false;

  constructor(private readonly options: ChargePointOptions) {
    this.id = options.id;
    this.faults = new Set(options.faults ?? []);
    const outgoing = new OutgoingFaults(this.faults);
    const named = typeof options.protocol === 'string' || options.protocol === undefined;
    const info = named ? simProtocols[(options.protocol as SimProtocolName | undefined) ?? 'ocpp1.6-json'] : undefined;
    if (named && !info) throw new RangeError(`unknown protocol ${String(options.protocol)}`);
    this.protocol = info?.wording ?? (options.protocol as ChargePointProtocol);
    this.meter = {
      mode: options.meter?.mode ?? 'register',
      unit: options.meter?.unit ?? 'Wh',
      powerW: options.meter?.powerW ?? 11_000,
      sampleIntervalMs: options.meter?.sampleIntervalMs ?? 60_000,
    };
    if (!(this.meter.sampleIntervalMs > 0)) throw new RangeError('sampleIntervalMs must be positive');
    const count = options.connectors ?? 2;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('connectors must be a positive integer');
    this.connectors = Array.from({ length: count }, (_, i) => new Connector(i + 1, options.meter?.initialRegisterWh ?? 0));
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 5_000;
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.idTags = options.idTags && options.idTags.length > 0 ? options.idTags : ['SIMTAG01'];
    const basicAuth = options.password === undefined ? undefined : { user: this.id, password: options.password };
    this.transport =
      info?.transport === 'soap'
        ? soapTransport({
            url: options.baseUrl,
            chargeBoxIdentity: this.id,
            basicAuth,
            callTimeoutMs: this.callTimeoutMs,
            listenHost: options.soapListen?.host ?? '127.0.0.1',
            listenPort: options.soapListen?.port ?? 0,
          })
        : webSocketTransport({
            url: `${options.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.id)}`,
            subprotocol: this.protocol.subprotocol,
            basicAuth,
            callTimeoutMs: this.callTimeoutMs,
          });
    this.outbox = new Outbox({
      call: (action, payload) => this.link?.call(action, outgoing.rewrite(action, payload)) ?? Promise.reject(new PeerClosedError('not connected')),
      duplicateTransactionMessages: options.duplicateTransactionMessages ?? false,
      transactionMessageAttempts: options.transactionMessageAttempts ?? 3,
      retryDelayMs: Math.min(this.reconnectDelayMs, this.callTimeoutMs),
      log: (level, message) => this.log(level, message),
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Connects (and keeps reconnecting) until stop(). */
  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** Resolves once the central system has accepted the boot (at once if it already has). */
  ready(): Promise<void> {
    if (this.state === 'accepted') return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error(`${this.id} is stopped`));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Switched off for good by stop(). (A getter, so TypeScript does not narrow it across awaits.) */
  get stopped(): boolean {
    return this.state === 'stopped';
  }

  get accepted(): boolean {
    return this.state === 'accepted';
  }

  /** Resolves when every queued message has been answered (needs a connection to get there). */
  drain(): Promise<void> {
    return this.outbox.idle();
  }

  /** Switches the charge point off: timers, socket. Sessions still running stay unstopped. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.state = 'stopped';
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.bootTimer);
    clearInterval(this.heartbeatTimer);
    for (const c of this.connectors) clearInterval(c.session?.timer);
    this.outbox.close();
    for (const w of this.readyWaiters.splice(0)) w.reject(new Error(`${this.id} is stopped`));
    await this.link?.close();
    await this.transport.shutdown();
  }

  /** Fault: the connection dies at once; charging goes on and messages queue until reconnected. */
  dropConnection(): void {
    this.log('info', 'dropping the connection');
    this.link?.terminate();
  }

  // ---- sessions --------------------------------------------------------------------------------

  /** What the simulator measured, one record per session, in start order. */
  sessions(): SimSession[] {
    return this.records.map((r) => ({ ...r }));
  }

  get connectorCount(): number {
    return this.connectors.length;
  }

  connectorStatus(connectorId: number): ConnectorStatus {
    return this.connector(connectorId).status;
  }

  /**
   * Authorizes (locally when offline) and starts charging; resolves once the session runs, its
   * StartTransaction queued. Rejects if the connector is busy or the id tag is not accepted.
   */
  async startSession(connectorId: number, idTag?: string): Promise<void> {
    if (this.stopped) throw new Error(`${this.id} is stopped`);
    const connector = this.connector(connectorId);
    if (!connector.free) throw new Error(`${this.id} connector ${connectorId} is not free`);
    connector.reserved = true;
    await this.runSession(connector, idTag ?? this.takeIdTag());
  }

  /**
   * A card held to the reader with no cable plugged in: the charge point asks the central system
   * (Authorize) and resolves with the answer's status, or 'Unanswered'.
   */
  async presentCard(idTag: string): Promise<string> {
    const outcome = await this.outbox.send({ build: () => this.protocol.authorize(idTag), transactional: false });
    return outcome.ok ? this.protocol.readAuthorizeAnswer(outcome.payload) : 'Unanswered';
  }

  /** A vehicle plugged into the connector (it stays plugged): a remote start waiting for it begins. */
  plugIn(connectorId: number): void {
    const connector = this.connector(connectorId);
    this.plugged.add(connectorId);
    const idTag = this.awaitingCable.get(connectorId);
    if (idTag === undefined) return;
    this.awaitingCable.delete(connectorId);
    this.log('info', `connector ${connectorId}: vehicle plugged in`);
    this.runSession(connector, idTag).catch((error: Error) => this.log('warn', error.message));
  }

  /** Stops the session on the connector; resolves with its record once StopTransaction is queued. */
  async stopSession(connectorId: number, reason: StopReason = 'Local'): Promise<SimSession> {
    const connector = this.connector(connectorId);
    const record = this.endSession(connector, reason);
    if (!record) throw new Error(`${this.id} connector ${connectorId} has no session`);
    return record;
  }

  private connector(connectorId: number): Connector {
    const connector = this.connectors[connectorId - 1];
    if (!connector || connector.id !== connectorId) throw new Error(`${this.id} has no connector ${connectorId}`);
    return connector;
  }

  private takeIdTag(): string {
    const tag = this.idTags[this.nextIdTag % this.idTags.length] as string;
    this.nextIdTag += 1;
    return tag;
  }

  /** The connector is reserved by the caller; this authorizes, then begins charging. */
  private async runSession(connector: Connector, idTag: string): Promise<void> {
    try {
      if (this.state === 'accepted') {
        const outcome = await this.outbox.send({ build: () => this.protocol.authorize(idTag), transactional: false });
        if (outcome.ok) {
          const status = this.protocol.readAuthorizeAnswer(outcome.payload);
          if (status !== 'Accepted') throw new Error(`${this.id} id tag ${idTag} not authorized: ${status}`);
        } else if (outcome.reason === 'refused') {
          throw new Error(`${this.id} Authorize refused: ${outcome.message}`);
        } else {
          // No answer: charge anyway, as a charger allowing offline transactions does.
          this.log('info', `Authorize of ${idTag} unanswered (${outcome.message}); authorized locally`);
        }
      }
      if (this.stopped) throw new Error(`${this.id} is stopped`);
      this.beginSession(connector, idTag);
    } finally {
      connector.reserved = false;
    }
  }

  private beginSession(connector: Connector, idTag: string): void {
    this.setStatus(connector, 'Preparing');
    const timestamp = this.now();
    const record: SimSession = {
      chargePointId: this.id,
      connectorId: connector.id,
      transactionId: undefined,
      idTag,
      meterStartWh: connector.meter.registerWh,
      meterStopWh: undefined,
      deliveredWh: undefined,
      stopReason: undefined,
      startedAt: timestamp.toISOString(),
      stoppedAt: undefined,
    };
    this.records.push(record);
    const session = new ActiveSession(record);
    connector.session = session;
    const start = this.protocol.startTransaction({
      connectorId: connector.id,
      idTag: this.faults.has('other-id-tag') ? (idTag === 'SIMOTHER1' ? 'SIMOTHER2' : 'SIMOTHER1') : idTag,
      meterStartWh: record.meterStartWh,
      timestamp,
    });
    void this.outbox.send({
      build: () => start,
      transactional: true,
      answered: (payload) => {
        const answer = this.protocol.readStartTransactionAnswer(payload);
        record.transactionId = answer.transactionId;
        this.log('info', `connector ${connector.id}: transaction ${answer.transactionId} started (${idTag})`);
        if (answer.idTagStatus !== 'Accepted' && connector.session === session && !session.stopping && !this.faults.has('other-id-tag')) {
          this.log('warn', `transaction ${answer.transactionId}: id tag ${answer.idTagStatus}; stopping`);
          this.endSession(connector, 'DeAuthorized');
        }
      },
    });
    this.setStatus(connector, 'Charging');
    session.timer = setInterval(() => this.sample(connector, session), this.meter.sampleIntervalMs);
  }

  /** One meter tick: the energy of one interval at constant power, then its MeterValues. */
  private sample(connector: Connector, session: ActiveSession): void {
    connector.meter.advance(this.meter.powerW, this.meter.sampleIntervalMs);
    const reading = session.reading(this.meter, connector.meter.registerWh, this.now(), 'Sample.Periodic');
    const { record } = session;
    if (this.faults.has('no-meter-values')) return;
    this.sendTransactional(() =>
      record.transactionId === undefined
        ? undefined
        : this.protocol.meterValues(connector.id, record.transactionId, reading),
    );
  }

  /** Ends the connector's session now (synchronously); undefined when there is none. */
  private endSession(connector: Connector, reason: StopReason): SimSession | undefined {
    const session = connector.session;
    if (!session) return undefined;
    clearInterval(session.timer);
    connector.session = undefined;
    const { record } = session;
    const timestamp = this.now();
    const meterStopWh = connector.meter.registerWh;
    const final = session.reading(this.meter, meterStopWh, timestamp, 'Transaction.End');
    record.meterStopWh = meterStopWh;
    record.deliveredWh = meterStopWh - record.meterStartWh;
    record.stopReason = reason;
    record.stoppedAt = timestamp.toISOString();
    this.log('info', `connector ${connector.id}: session stopped (${reason}), ${record.deliveredWh} Wh`);
    this.sendTransactional(() =>
      record.transactionId === undefined
        ? undefined
        : this.protocol.stopTransaction({
            transactionId: record.transactionId,
            idTag: record.idTag,
            meterStopWh,
            timestamp,
            reason,
            final,
          }),
    );
    this.setStatus(connector, 'Finishing');
    this.setStatus(connector, 'Available');
    return { ...record };
  }

  /** Queues a transaction message whose payload needs the transactionId (known at send time). */
  private sendTransactional(build: () => OutboundCall | undefined): void {
    void this.outbox.send({
      transactional: true,
      build: () => {
        const call = build();
        if (!call) this.log('warn', 'dropping a transaction message: its StartTransaction was never accepted');
        return call;
      },
    });
  }

  private setStatus(connector: Connector | undefined, status: ConnectorStatus): void {
    if (connector) connector.status = status;
    this.sendStatus(connector?.id ?? 0, status);
  }

  private sendStatus(connectorId: number, status: ConnectorStatus): void {
    // Not a transaction message: offline it is dropped; the next boot reports every connector anew.
    if (this.state !== 'accepted') return;
    // A change the version cannot tell from the previous state (1.5: Preparing → Charging, both
    // Occupied) is not reported again.
    const word = this.protocol.reportedStatus(status);
    if (this.reported.get(connectorId) === word) return;
    this.reported.set(connectorId, word);
    const timestamp = this.now();
    void this.outbox.send({
      build: () => this.protocol.statusNotification(connectorId, status, timestamp),
      transactional: false,
    });
  }

  /** Wall-clock time, but never twice the same millisecond: messages keep their order by timestamp. */
  private now(): Date {
    this.lastTimestampMs = Math.max(Date.now(), this.lastTimestampMs + 1);
    return new Date(this.lastTimestampMs);
  }

  // ---- connection and boot ---------------------------------------------------------------------

  private connect(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    this.log('debug', `connecting to ${this.transport.target}`);
    // A transport reports opened/closed asynchronously, so `this.link` is set by then.
    const link: SimLink = this.transport.open({
      handleCall: (call) => this.handleCall(call),
      opened: () => {
        if (this.link !== link || this.stopped) return;
        this.state = 'booting';
        this.log('info', 'connected');
        if (this.skipNextBoot) {
          this.skipNextBoot = false;
          this.log('warn', 'fault: no BootNotification after the reset');
          this.becomeAccepted(link, this.lastHeartbeatMs);
          return;
        }
        void this.boot(link);
      },
      closed: (reason) => {
        if (this.link !== link) return;
        this.disconnected(reason);
      },
      log: (level, message) => this.log(level, message),
    });
    this.link = link;
  }

  private disconnected(reason: string): void {
    this.link = undefined;
    clearTimeout(this.bootTimer);
    clearInterval(this.heartbeatTimer);
    this.outbox.setOnline(false);
    if (this.stopped) return;
    this.state = 'connecting';
    this.log('info', `${reason}; reconnecting in ${this.reconnectDelayMs} ms`);
    this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectDelayMs);
  }

  private async boot(link: SimLink): Promise<void> {
    if (this.link !== link || this.stopped) return;
    const call = this.protocol.bootNotification({
      vendor: this.options.vendor ?? 'Tomada',
      model: this.options.model ?? 'Simulator',
      serialNumber: this.options.serialNumber ?? this.id.slice(0, 25),
      firmwareVersion: this.options.firmwareVersion ?? '1.0.0',
    });
    let answer;
    try {
      // Sent on the link, not through the outbox: the outbox stays shut until the boot is accepted.
      answer = this.protocol.readBootAnswer(await link.call(call.action, call.payload));
    } catch (error) {
      if (error instanceof PeerClosedError || this.link !== link) return;
      this.log('warn', `BootNotification failed: ${(error as Error).message}`);
      this.bootTimer = setTimeout(() => void this.boot(link), this.minIntervalMs);
      return;
    }
    if (this.link !== link || this.stopped) return;
    const intervalMs = Math.max(answer.intervalSeconds * 1000, this.minIntervalMs);
    if (answer.status !== 'Accepted') {
      const retryMs = this.faults.has('boot-retry-early') ? Math.min(intervalMs, 100) : intervalMs;
      this.log('info', `boot ${answer.status}; booting again in ${retryMs} ms`);
      this.bootTimer = setTimeout(() => void this.boot(link), retryMs);
      return;
    }
    this.log('info', 'boot accepted');
    this.becomeAccepted(link, intervalMs);
  }

  /** Accepted: the queue goes out, every connector is reported, heartbeats begin. */
  private becomeAccepted(link: SimLink, heartbeatMs: number): void {
    if (this.link !== link || this.stopped) return;
    this.state = 'accepted';
    this.lastHeartbeatMs = heartbeatMs;
    if (this.faults.has('backlog-dropped')) this.outbox.dropQueued();
    this.outbox.setOnline(true);
    this.reported.clear();
    if (!this.faults.has('no-status-connector-0')) this.sendStatus(0, 'Available');
    for (const connector of this.connectors) this.sendStatus(connector.id, connector.status);
    const everyMs = this.faults.has('heartbeat-interval-ignored') ? heartbeatMs * 3 : heartbeatMs;
    this.heartbeatTimer = setInterval(() => {
      void this.outbox.send({ build: () => this.protocol.heartbeat(), transactional: false });
    }, everyMs);
    for (const w of this.readyWaiters.splice(0)) w.resolve();
  }

  // ---- commands from the central system --------------------------------------------------------

  private async handleCall(call: CallFrame): Promise<JsonObject> {
    const command = this.protocol.readCommand(call.action, call.payload); // throws RpcError
    const { outcome, effect } = this.decide(command);
    this.log('info', `${call.action}: ${outcome}`);
    // The answer goes out first (the peer writes it when this promise settles); then the effect.
    if (effect) {
      setImmediate(() => {
        if (!this.stopped) effect();
      });
    }
    return this.protocol.answerCommand(command, outcome);
  }

  /** Decides synchronously (claiming connectors and sessions), so the next command sees the claim. */
  private decide(command: Command): { outcome: CommandOutcome; effect?: () => void } {
    switch (command.kind) {
      case 'RemoteStart': {
        const connector =
          command.connectorId === undefined
            ? this.connectors.find((c) => c.free)
            : this.connectors.find((c) => c.id === command.connectorId && c.free);
        if (!connector || this.resetting) return { outcome: this.faults.has('busy-start-accepted') && !this.resetting ? 'Accepted' : 'Rejected' };
        connector.reserved = true;
        if (this.options.cableRequired && !this.plugged.has(connector.id)) {
          // Accepted, but charging waits for the cable (plugIn).
          this.awaitingCable.set(connector.id, command.idTag);
          return { outcome: 'Accepted' };
        }
        return {
          outcome: 'Accepted',
          effect: () => {
            this.runSession(connector, command.idTag).catch((error: Error) => this.log('warn', error.message));
          },
        };
      }
      case 'RemoteStop': {
        const connector = this.connectors.find(
          (c) => c.session?.record.transactionId === command.transactionId && !c.session.stopping,
        );
        if (!connector?.session) return { outcome: this.faults.has('remote-stop-unknown-accepted') ? 'Accepted' : 'Rejected' };
        if (this.faults.has('remote-stop-ignored')) return { outcome: 'Accepted' };
        connector.session.stopping = true;
        return { outcome: 'Accepted', effect: () => this.endSession(connector, 'Remote') };
      }
      case 'Reset': {
        if (this.resetting) return { outcome: 'Rejected' };
        this.resetting = true;
        return { outcome: 'Accepted', effect: () => void this.reset(command.type) };
      }
      case 'Unlock': {
        const connector = this.connectors.find((c) => c.id === command.connectorId);
        if (!connector) return { outcome: this.faults.has('unlock-unknown-accepted') ? 'Unlocked' : 'NotSupported' };
        const session = connector.session;
        if (!session || session.stopping) return { outcome: 'Unlocked' };
        session.stopping = true;
        return { outcome: 'Unlocked', effect: () => this.endSession(connector, 'UnlockCommand') };
      }
    }
  }

  /** Stops every session, gives the StopTransactions a moment to go out, then reboots. */
  private async reset(type: 'Soft' | 'Hard'): Promise<void> {
    try {
      const reason: StopReason = type === 'Hard' ? 'HardReset' : 'SoftReset';
      if (!(type === 'Soft' && this.faults.has('soft-reset-keeps-transaction'))) {
        for (const connector of this.connectors) this.endSession(connector, reason);
      }
      if (this.faults.has('no-boot-after-reset')) this.skipNextBoot = true;
      await this.settleWithin(this.outbox.idle(), this.callTimeoutMs);
      if (this.stopped) return;
      this.log('info', `${type} reset: rebooting`);
      // Closing leads to the ordinary reconnect, and every connection begins with a boot.
      await this.link?.close();
    } finally {
      this.resetting = false;
    }
  }

  private async settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    try {
      await Promise.race([promise.catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private log(level: SimLogEntry['level'], message: string): void {
    this.options.logger?.({ chargePointId: this.id, level, message });
  }
}
