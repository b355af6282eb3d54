// The cases of the network's validation campaign, in the order they run. Each names the mandatory
// messages it exercises, what it does to the charge point, what it expects, and decides a verdict
// with a reason that names the problem. docs/VALIDATION.md lists them with their pass criteria.
import { computeEnergy, Anomaly, energyToWh, isPlainReading } from '../domain/energy.js';
import type { MeterSample } from '../domain/model.js';
import { fail, notApplicable, pass, skip, type CaseContext, type ManualOutcome, type Outcome } from './context.js';
import { BOOT_FIELDS, ENERGY_UNITS, INTERVAL, REGISTER, energyWh, field, sameTag, samplesOf } from './readings.js';
import type { Call } from './watch.js';

export interface CaseDefinition {
  id: string;
  title: string;
  messages: string[];
  stimulus: string;
  expected: string;
  run(ctx: CaseContext): Promise<Outcome>;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
/** Wh as a reader expects it: kWh readings converted to Wh carry float noise (1.005 kWh → 1004.9999… Wh). */
const wh = (value: number) => `${Math.round(value * 1000) / 1000} Wh`;
const caseMs = (ctx: CaseContext) => ctx.timing.caseTimeoutS * 1000;
const quietMs = (ctx: CaseContext) => ctx.timing.quietS * 1000;
const is = (action: string) => (call: Call) => call.action === action;
const forTransaction = (action: string, id: number) => (call: Call) => call.action === action && field.transactionId(call) === id;
const gapMs = (a: Call, b: Call) => Date.parse(b.at) - Date.parse(a.at);

/** The verdict of a manual step that did not bring its message. */
function manualProblem(outcome: Exclude<ManualOutcome, { call: Call }>, missing: string): Outcome {
  if ('declined' in outcome) return { verdict: 'manual', reason: `not run: ${outcome.declined}` };
  if (outcome.timedOut === 'unconfirmed') return { verdict: 'manual', reason: 'not run: the operator did not confirm the step in time' };
  return fail(`the operator confirmed the step, but ${missing}`);
}

/** A refused card: its Authorize answered `expected`, and no transaction started with it afterwards. */
async function refusedCard(ctx: CaseContext, expected: 'Invalid' | 'Blocked', prompt: string, idTag: string): Promise<Outcome> {
  const from = ctx.mark();
  const outcome = await ctx.manual(prompt, { kind: 'presentCard', idTag }, from, (c) => c.action === 'Authorize' && field.answerStatus(c) === expected);
  if (!('call' in outcome)) return manualProblem(outcome, `no Authorize answered ${expected} arrived`);
  const tag = field.idTag(outcome.call);
  const started = await ctx.next(ctx.mark(), (c) => c.action === 'StartTransaction' && sameTag(field.idTag(c), tag), quietMs(ctx));
  if (started) return fail(`a StartTransaction with "${tag}" followed the ${expected} answer`);
  return pass(`Authorize "${tag}" answered ${expected}; no transaction started with it`);
}

/** Reset with the connector idle: Accepted, then the charge point boots again. */
async function resetWhileIdle(ctx: CaseContext, type: 'Soft' | 'Hard', hooks: { beforeReset?: () => void; booted?: (boot: Call) => void } = {}): Promise<Outcome> {
  if (!(await ctx.ensureIdle())) return skip(`connector ${ctx.connectorId} could not be made idle`);
  hooks.beforeReset?.();
  const from = ctx.mark();
  const reset = await ctx.command({ kind: 'reset', type });
  if (reset.error !== undefined) return fail(`Reset ${type} was not answered: ${reset.error}`);
  if (reset.status !== 'Accepted') return fail(`Reset ${type} answered ${reset.status}, expected Accepted`);
  const boot = await ctx.next(from, is('BootNotification'), caseMs(ctx));
  if (!boot) return fail(`no BootNotification within ${ctx.timing.caseTimeoutS} s after the accepted ${type.toLowerCase()} reset`);
  hooks.booted?.(boot);
  return pass(`Reset ${type} accepted and the charge point booted again`);
}

/** Reset during a transaction: it must be stopped (soft: before the boot), and the charge point boot again. */
async function resetWhileCharging(ctx: CaseContext, type: 'Soft' | 'Hard'): Promise<Outcome> {
  if (!(await ctx.ensureIdle())) return skip(`connector ${ctx.connectorId} could not be made idle to begin`);
  const started = await ctx.startTransaction();
  if ('problem' in started) return skip(`no transaction to reset during: ${started.problem} (see remote.start)`);
  const id = started.transactionId;
  const from = ctx.mark();
  const reset = await ctx.command({ kind: 'reset', type });
  if (reset.error !== undefined) return fail(`Reset ${type} was not answered: ${reset.error}`);
  if (reset.status !== 'Accepted') return fail(`Reset ${type} answered ${reset.status}, expected Accepted`);
  const boot = await ctx.next(from, is('BootNotification'), caseMs(ctx));
  if (!boot) return fail(`no BootNotification within ${ctx.timing.caseTimeoutS} s after the accepted ${type.toLowerCase()} reset`);
  const sinceReset = ctx.callsSince(from);
  const stopBeforeBoot = sinceReset.slice(0, sinceReset.indexOf(boot)).find(forTransaction('StopTransaction', id));
  const stop = stopBeforeBoot ?? (type === 'Hard' ? await ctx.next(from, forTransaction('StopTransaction', id), caseMs(ctx)) : undefined);
  if (!stop) {
    return fail(type === 'Soft' ? `the charge point booted again without stopping transaction ${id} first` : `transaction ${id} was never stopped after the hard reset`);
  }
  const reasons = type === 'Soft' ? ['SoftReset'] : ['HardReset', 'Reboot', 'PowerLoss'];
  const reason = field.reason(stop);
  if (stop.ocppVersion === '1.6' && !reasons.includes(reason ?? '')) {
    return fail(`transaction ${id} stopped with reason ${reason ?? 'absent (Local)'}, expected ${reasons.join(' or ')}`);
  }
  return pass(`transaction ${id} stopped${stopBeforeBoot ? ' before the boot' : ' after the boot'}, then the charge point booted again`);
}

/** An active-energy sample: a register or an interval reading, whatever its phase, location or format. */
const isActiveEnergy = (s: MeterSample) => s.measurand === REGISTER || s.measurand === INTERVAL;

/**
 * What keeps energy samples from giving Wh: a unit other than Wh or kWh, or a plain reading whose
 * value is not a decimal number ("1,05" with a decimal comma): the session's energy could not be
 * computed from it (docs/METERING.md, unreadableEnergySample).
 */
function energyProblem(samples: MeterSample[]): string | undefined {
  const energy = samples.filter(isActiveEnergy);
  const badUnit = energy.find((s) => !ENERGY_UNITS.includes(s.unit));
  if (badUnit) return `${badUnit.measurand} in unit "${badUnit.unit}"; expected Wh or kWh`;
  const unreadable = energy.find((s) => s.format !== 'SignedData' && energyToWh(s.value, s.unit) === null);
  if (unreadable) return `${unreadable.measurand} value "${unreadable.value}" ${unreadable.unit} is not a number`;
  return undefined;
}

/**
 * How a message's active-energy samples all fall outside what Tomada computes energy from (a
 * phase's part, the EV's own meter, a signed value without its plain twin), or undefined when one
 * of them counts: a total register or interval at the outlet (or cable, inlet, body).
 */
function notCounted(samples: MeterSample[]): string | undefined {
  const energy = samples.filter(isActiveEnergy);
  if (energy.some((s) => isPlainReading(s, s.measurand))) return undefined;
  const phases = [...new Set(energy.filter((s) => s.phase !== null).map((s) => s.phase))];
  const ways = [
    ...(phases.length > 0 ? [`per phase (${phases.join(', ')})`] : []),
    ...(energy.some((s) => s.phase === null && s.location === 'EV') ? ['at the EV (location EV)'] : []),
    ...(energy.some((s) => s.phase === null && s.location !== 'EV' && s.format === 'SignedData') ? ['as signed data'] : []),
  ];
  return ways.join(', ');
}

/** The energy samples of MeterValues messages, in arrival order, with the message they came in. */
function energySamples(calls: Call[]): { call: Call; sample: MeterSample }[] {
  return calls.flatMap((call) => samplesOf(call).filter(isActiveEnergy).map((sample) => ({ call, sample })));
}

export const cases: CaseDefinition[] = [
  {
    id: 'ocpp.version',
    title: 'Negotiated OCPP version and transport equal the declared ones',
    messages: ['BootNotification'],
    stimulus: 'None: compares the operator’s declaration with the connection the charge point opened.',
    expected: 'The charge point connects with the OCPP version and transport its operator declared.',
    async run(ctx) {
      const cp = await ctx.chargePoint();
      if (cp.declaredOcppVersion === null || cp.declaredTransport === null) {
        const missing = [cp.declaredOcppVersion === null ? 'OCPP version' : undefined, cp.declaredTransport === null ? 'transport (json or soap)' : undefined].filter(Boolean);
        return fail(`the operator has not declared the charge point’s ${missing.join(' and ')}`);
      }
      if (cp.declaredOcppVersion !== cp.ocppVersion || cp.declaredTransport !== cp.transport) {
        return fail(`declared OCPP ${cp.declaredOcppVersion} over ${cp.declaredTransport}, but it connected with OCPP ${cp.ocppVersion} over ${cp.transport}`);
      }
      return pass(`OCPP ${cp.ocppVersion} over ${cp.transport}, as declared`);
    },
  },
  {
    id: 'reset.soft.idle',
    title: 'Soft reset while idle',
    messages: ['Reset', 'BootNotification'],
    stimulus: 'Reset (Soft) with no transaction running.',
    expected: 'Reset answered Accepted, then a new BootNotification (answered Pending for the next case).',
    run: (ctx) => resetWhileIdle(ctx, 'Soft', { beforeReset: () => ctx.armPendingBoot(), booted: (boot) => (ctx.state.pendingBoot = boot) }),
  },
  {
    id: 'boot.fields',
    title: 'Boot fields present and matching the registry',
    messages: ['BootNotification'],
    stimulus: 'The BootNotification after the soft reset.',
    expected: 'Vendor, model, firmware version and a serial number present, equal to what the registry held before.',
    async run(ctx) {
      const boot = ctx.state.pendingBoot;
      if (!boot) return skip('no BootNotification was observed (see reset.soft.idle)');
      const missing = BOOT_FIELDS.filter((name) => typeof boot.payload[name] !== 'string' || !(boot.payload[name] as string).trim());
      if (missing.length > 0) return fail(`BootNotification lacks ${missing.join(', ')}: the software cannot be identified`);
      if (boot.payload.chargePointSerialNumber === undefined && boot.payload.chargeBoxSerialNumber === undefined) {
        return fail('BootNotification has neither chargePointSerialNumber nor chargeBoxSerialNumber');
      }
      const before = ctx.state.identityBefore;
      const pairs: [string, string | null][] = [
        ['chargePointVendor', before.vendor],
        ['chargePointModel', before.model],
        ['firmwareVersion', before.firmwareVersion],
        ['chargePointSerialNumber', before.chargePointSerialNumber],
        ['chargeBoxSerialNumber', before.chargeBoxSerialNumber],
      ];
      for (const [name, registered] of pairs) {
        const reported = (boot.payload[name] as string | undefined) ?? null;
        if (registered !== null && reported !== registered) return fail(`BootNotification reports ${name} "${reported}", the registry has "${registered}"`);
      }
      return pass(`${boot.payload.chargePointVendor} ${boot.payload.chargePointModel}, firmware ${boot.payload.firmwareVersion}, as registered`);
    },
  },
  {
    id: 'boot.pending',
    title: 'Boot answered Pending, then Accepted: the charge point waits and retries',
    messages: ['BootNotification'],
    stimulus: 'The boot after the soft reset is answered Pending (OCPP 1.5: Rejected) with a retry interval.',
    expected: 'No other request while Pending; the next BootNotification no sooner than the interval (±10 %, at least 1 s); it is answered Accepted.',
    async run(ctx) {
      const pending = ctx.state.pendingBoot;
      if (!pending) return skip('no BootNotification was answered Pending (see reset.soft.idle)');
      const from = ctx.after(pending);
      const intervalS = field.bootInterval(pending) ?? ctx.timing.pendingIntervalS;
      const retry = await ctx.next(from, is('BootNotification'), (intervalS + ctx.timing.caseTimeoutS) * 1000);
      if (!retry) return fail(`no new BootNotification within ${intervalS + ctx.timing.caseTimeoutS} s of the ${field.answerStatus(pending)} answer`);
      ctx.state.acceptedBoot = retry;
      const between = ctx.callsSince(from);
      const others = between.slice(0, between.indexOf(retry)).filter((c) => c.action !== 'BootNotification');
      if (others.length > 0) return fail(`sent ${[...new Set(others.map((c) => c.action))].join(', ')} while not yet Accepted`);
      const waited = gapMs(pending, retry);
      const toleranceMs = Math.max(1000, intervalS * 100);
      if (waited < intervalS * 1000 - toleranceMs) return fail(`booted again after ${seconds(waited)}, before the ${intervalS} s interval it was given`);
      if (field.answerStatus(retry) !== 'Accepted') return skip(`the retry was answered ${field.answerStatus(retry)}, not Accepted (the charge point’s registration)`);
      return pass(`waited ${seconds(waited)} (interval ${intervalS} s) and was Accepted`);
    },
  },
  {
    id: 'status.connectors',
    title: 'Status notifications for connector 0 and every connector',
    messages: ['StatusNotification'],
    stimulus: 'The accepted boot.',
    expected: 'A StatusNotification for connector 0 and for each connector after the accepted boot.',
    async run(ctx) {
      const boot = ctx.state.acceptedBoot;
      if (!boot) return skip('no accepted boot to follow (see boot.pending)');
      const ids = [0, ...(await ctx.connectorIds())];
      const deadline = Date.now() + caseMs(ctx);
      const missing: number[] = [];
      for (const id of ids) {
        const seen = await ctx.next(ctx.after(boot), (c) => c.action === 'StatusNotification' && field.connectorId(c) === id, deadline - Date.now());
        if (!seen) missing.push(id);
      }
      if (missing.length > 0) return fail(`no StatusNotification for connector ${missing.join(', ')} within ${ctx.timing.caseTimeoutS} s of the accepted boot`);
      return pass(`StatusNotification for connectors ${ids.join(', ')}`);
    },
  },
  {
    id: 'heartbeat.interval',
    title: 'Heartbeat at the configured interval',
    messages: ['Heartbeat', 'BootNotification'],
    stimulus: 'The accepted boot gives the heartbeat interval.',
    expected: 'Two consecutive Heartbeats the interval apart (±25 %, at least ±2 s).',
    async run(ctx) {
      const boot = ctx.state.acceptedBoot;
      if (!boot) return skip('no accepted boot gave an interval (see boot.pending)');
      const intervalS = field.bootInterval(boot) ?? ctx.timing.heartbeatIntervalS;
      const toleranceMs = Math.max(2000, intervalS * 250);
      const first = await ctx.next(ctx.after(boot), is('Heartbeat'), intervalS * 1000 + toleranceMs + caseMs(ctx));
      if (!first) return fail(`no Heartbeat within ${seconds(intervalS * 1000 + toleranceMs + caseMs(ctx))} of the accepted boot (interval ${intervalS} s)`);
      const second = await ctx.next(ctx.after(first), is('Heartbeat'), intervalS * 1000 + toleranceMs + 1000);
      if (!second) return fail(`no second Heartbeat within ${seconds(intervalS * 1000 + toleranceMs)} of the first (interval ${intervalS} s)`);
      const gap = gapMs(first, second);
      if (Math.abs(gap - intervalS * 1000) > toleranceMs) return fail(`Heartbeats ${seconds(gap)} apart; the configured interval is ${intervalS} s`);
      return pass(`Heartbeats ${seconds(gap)} apart (interval ${intervalS} s)`);
    },
  },
  {
    id: 'authorize.valid',
    title: 'Authorize with a valid card',
    messages: ['Authorize'],
    stimulus: 'Manual: the operator presents the campaign’s valid card.',
    expected: 'An Authorize with that idTag, answered Accepted.',
    async run(ctx) {
      const from = ctx.mark();
      const outcome = await ctx.manual(`Present the card "${ctx.idTag}" at the charge point.`, { kind: 'presentCard', idTag: ctx.idTag }, from, (c) =>
        c.action === 'Authorize' && sameTag(field.idTag(c), ctx.idTag),
      );
      if (!('call' in outcome)) return manualProblem(outcome, `no Authorize for "${ctx.idTag}" arrived`);
      const status = field.answerStatus(outcome.call);
      if (status !== 'Accepted') return skip(`Authorize "${ctx.idTag}" was answered ${status}: the tag is not Accepted in the registry`);
      return pass(`Authorize "${ctx.idTag}" sent and answered Accepted`);
    },
  },
  {
    id: 'authorize.invalid',
    title: 'Authorize with an unknown card',
    messages: ['Authorize', 'StartTransaction'],
    stimulus: 'Manual: the operator presents a card that is not registered.',
    expected: 'An Authorize answered Invalid, and no StartTransaction with that card.',
    run: (ctx) => refusedCard(ctx, 'Invalid', `Present a card that is not registered (for example "${ctx.invalidIdTag}").`, ctx.invalidIdTag),
  },
  {
    id: 'authorize.blocked',
    title: 'Authorize with a blocked card',
    messages: ['Authorize', 'StartTransaction'],
    stimulus: 'Manual: the operator presents the card the campaign registered as Blocked.',
    expected: 'An Authorize answered Blocked, and no StartTransaction with that card.',
    run: (ctx) => refusedCard(ctx, 'Blocked', `Present the blocked card "${ctx.blockedIdTag}".`, ctx.blockedIdTag),
  },
  {
    id: 'remote.start',
    title: 'Remote start accepted and followed by StartTransaction',
    messages: ['RemoteStartTransaction', 'StartTransaction'],
    stimulus: 'RemoteStartTransaction with the campaign’s idTag and connector; when no transaction begins, manual: plug a vehicle in.',
    expected: 'Accepted; then StartTransaction on that connector with the same idTag and a meterStart not below the connector’s last register.',
    async run(ctx) {
      if (!(await ctx.ensureIdle())) return skip(`connector ${ctx.connectorId} could not be made idle`);
      const floorWh = await ctx.lastRegisterWh();
      const from = ctx.mark();
      const answer = await ctx.command({ kind: 'remoteStart', idTag: ctx.idTag, connectorId: ctx.connectorId });
      if (answer.error !== undefined) return fail(`RemoteStartTransaction was not answered: ${answer.error}`);
      if (answer.status !== 'Accepted') return fail(`RemoteStartTransaction answered ${answer.status}, expected Accepted`);
      const started = await ctx.awaitStart(from, true);
      if ('notRun' in started) return { verdict: 'manual', reason: started.notRun };
      if ('missing' in started) return fail(started.missing);
      const start = started.call;
      const id = field.answerTransactionId(start);
      ctx.state.transactionFrom = ctx.after(start);
      if (field.connectorId(start) !== ctx.connectorId) return fail(`StartTransaction on connector ${field.connectorId(start)}, the remote start asked for ${ctx.connectorId}`);
      if (!sameTag(field.idTag(start), ctx.idTag)) return fail(`StartTransaction carries idTag "${field.idTag(start)}", the remote start gave "${ctx.idTag}"`);
      const meterStart = field.meterStart(start) ?? NaN;
      if (floorWh !== undefined && meterStart < floorWh) return fail(`meterStart ${meterStart} Wh is below the connector’s last register, ${floorWh} Wh`);
      return pass(`transaction ${id} started on connector ${ctx.connectorId} with "${ctx.idTag}", meterStart ${meterStart} Wh`);
    },
  },
  {
    id: 'remote.start.busy',
    title: 'Remote start on a busy connector rejected',
    messages: ['RemoteStartTransaction'],
    stimulus: 'RemoteStartTransaction on the connector that is charging.',
    expected: 'Rejected, and no second StartTransaction.',
    async run(ctx) {
      if (!(await ctx.activeTransaction())) return skip(`no transaction is running on connector ${ctx.connectorId} (see remote.start)`);
      const from = ctx.mark();
      const answer = await ctx.command({ kind: 'remoteStart', idTag: ctx.idTag, connectorId: ctx.connectorId });
      if (answer.error !== undefined) return fail(`RemoteStartTransaction was not answered: ${answer.error}`);
      if (answer.status !== 'Rejected') return fail(`RemoteStartTransaction on busy connector ${ctx.connectorId} answered ${answer.status}, expected Rejected`);
      const second = await ctx.next(from, is('StartTransaction'), quietMs(ctx));
      if (second) return fail('a StartTransaction followed the Rejected answer');
      return pass('Rejected, and no transaction started');
    },
  },
  {
    id: 'meter.values',
    title: 'Meter values while charging',
    messages: ['MeterValues'],
    stimulus: 'The running transaction.',
    expected: 'MeterValues with the transactionId, a total (no phase, not at the EV) Energy.Active.Import.Register or .Interval as a number in Wh or kWh, and a register that never decreases.',
    async run(ctx) {
      const active = await ctx.activeTransaction();
      if (!active) return skip(`no transaction is running on connector ${ctx.connectorId} (see remote.start)`);
      const deadline = Date.now() + caseMs(ctx);
      const onConnector = (c: Call) => c.action === 'MeterValues' && field.connectorId(c) === ctx.connectorId;
      const received: Call[] = [];
      let from = ctx.state.transactionFrom ?? ctx.mark();
      while (received.length < 3) {
        const next = await ctx.next(from, onConnector, deadline - Date.now());
        if (!next) break;
        received.push(next);
        from = ctx.after(next);
      }
      if (received.length === 0) return fail(`no MeterValues for connector ${ctx.connectorId} within ${ctx.timing.caseTimeoutS} s of charging`);
      for (const call of received) {
        const id = field.transactionId(call);
        if (id !== active.id) return fail(id === undefined ? `MeterValues at ${call.at} has no transactionId (transaction ${active.id} is running)` : `MeterValues carries transactionId ${id}, the running transaction is ${active.id}`);
        const measurands = [...new Set(samplesOf(call).map((s) => s.measurand))];
        if (!measurands.includes(REGISTER) && !measurands.includes(INTERVAL)) {
          return fail(`MeterValues reports ${measurands.join(', ') || 'nothing'}, without ${REGISTER} or ${INTERVAL}`);
        }
        const unusable = notCounted(samplesOf(call));
        if (unusable) return fail(`MeterValues at ${call.at} reports active energy only ${unusable}: none of it is the charge point’s total, from which Tomada computes a session’s energy (docs/METERING.md)`);
      }
      const samples = energySamples(received);
      const problem = energyProblem(samples.map(({ sample }) => sample));
      if (problem) return fail(problem);
      let previous = active.meterStartWh;
      for (const { sample } of samples) {
        const reading = energyWh(sample, REGISTER);
        if (reading === undefined) continue;
        if (reading < previous) return fail(`the register went from ${wh(previous)} down to ${wh(reading)}`);
        previous = reading;
      }
      return pass(`${received.length} MeterValues with the transactionId, energy in ${[...new Set(samples.map((s) => s.sample.unit))].join('/')}, register never decreasing`);
    },
  },
  {
    id: 'remote.stop',
    title: 'Remote stop followed by StopTransaction',
    messages: ['RemoteStopTransaction', 'StopTransaction'],
    stimulus: 'RemoteStopTransaction for the running transaction.',
    expected: 'Accepted; then StopTransaction for it with reason Remote (OCPP 1.6), meterStop ≥ meterStart and a total (no phase, not at the EV) energy reading in transactionData, as a number in Wh or kWh.',
    async run(ctx) {
      const active = await ctx.activeTransaction();
      if (!active) return skip(`no transaction is running on connector ${ctx.connectorId} (see remote.start)`);
      const from = ctx.mark();
      const answer = await ctx.command({ kind: 'remoteStop', transactionId: active.id });
      if (answer.error !== undefined) return fail(`RemoteStopTransaction was not answered: ${answer.error}`);
      if (answer.status !== 'Accepted') return fail(`RemoteStopTransaction answered ${answer.status}, expected Accepted`);
      const stop = await ctx.next(from, forTransaction('StopTransaction', active.id), caseMs(ctx));
      if (!stop) return fail(`no StopTransaction for transaction ${active.id} within ${ctx.timing.caseTimeoutS} s of the accepted RemoteStopTransaction`);
      ctx.state.stoppedTransactionId = active.id;
      const reason = field.reason(stop);
      if (stop.ocppVersion === '1.6' && reason !== 'Remote') return fail(`StopTransaction reason is ${reason ?? 'absent (Local)'}, expected Remote`);
      const meterStop = field.meterStop(stop) ?? NaN;
      if (!(meterStop >= active.meterStartWh)) return fail(`meterStop ${meterStop} Wh is below meterStart ${active.meterStartWh} Wh`);
      const energy = samplesOf(stop).filter(isActiveEnergy);
      if (energy.length === 0) return fail(`StopTransaction has no transactionData with ${REGISTER} or ${INTERVAL}`);
      const unusable = notCounted(energy);
      if (unusable) return fail(`StopTransaction transactionData reports active energy only ${unusable}: none of it is the charge point’s total, from which Tomada computes a session’s energy (docs/METERING.md)`);
      const problem = energyProblem(energy);
      if (problem) return fail(`StopTransaction transactionData: ${problem}`);
      return pass(`transaction ${active.id} stopped (reason ${reason ?? 'not reported in 1.5'}), ${meterStop - active.meterStartWh} Wh, energy in transactionData`);
    },
  },
  {
    id: 'meter.consistency',
    title: 'Readings consistent with meterStart and meterStop',
    messages: ['MeterValues', 'StopTransaction'],
    stimulus: 'Every reading stored for the stopped transaction.',
    expected: 'Every energy reading readable in Wh or kWh; the register never going down and within [meterStart, meterStop]; interval values summing to meterStop − meterStart.',
    async run(ctx) {
      const id = ctx.state.stoppedTransactionId;
      const transaction = id === undefined ? undefined : await ctx.transaction(id);
      if (!transaction || transaction.meterStopWh === null) return skip('no transaction was stopped (see remote.stop)');
      const samples = await ctx.samples(transaction.id);
      const input = { meterStartWh: transaction.meterStartWh, meterStopWh: transaction.meterStopWh };
      const all = computeEnergy({ ...input, samples });
      if (all.anomalies.includes(Anomaly.unreadableEnergySample)) return fail('an energy reading stored for the transaction cannot be read as Wh or kWh');
      if (all.anomalies.includes(Anomaly.registerDecreased)) return fail('the register went down between two readings of the transaction');
      if (all.anomalies.includes(Anomaly.registerBelowMeterStart)) return fail(`a register reading is below meterStart ${transaction.meterStartWh} Wh`);
      if (all.anomalies.includes(Anomaly.registerAboveMeterStop)) return fail(`a register reading is above meterStop ${transaction.meterStopWh} Wh`);
      const intervals = samples.filter((s) => s.measurand === INTERVAL);
      if (intervals.length > 0) {
        const summed = computeEnergy({ ...input, samples: intervals });
        const delta = transaction.meterStopWh - transaction.meterStartWh;
        // Such a sum is no energy, and the session's then comes from meterStop alone.
        if (summed.anomalies.includes(Anomaly.intervalSumOutOfRange)) return fail(`interval values sum past ${Number.MAX_SAFE_INTEGER} Wh, no energy a session holds; meterStop − meterStart is ${delta} Wh`);
        if (summed.anomalies.includes(Anomaly.intervalSumDiffersFromMeterStop)) return fail(`interval values sum to ${summed.energyWh} Wh, meterStop − meterStart is ${delta} Wh`);
        return pass(`${intervals.length} interval values sum to ${summed.energyWh} Wh = meterStop − meterStart`);
      }
      return pass(`register readings within [${transaction.meterStartWh}, ${transaction.meterStopWh}] Wh`);
    },
  },
  {
    id: 'signed.meter',
    title: 'Signed meter values verified when present',
    messages: ['MeterValues', 'StopTransaction'],
    stimulus: 'The signed values (OCMF) of the stopped transaction, if the charge point sends any.',
    expected: 'Every signed value verifies with the meter’s key and agrees with the plain readings.',
    async run(ctx) {
      const id = ctx.state.stoppedTransactionId;
      const transaction = id === undefined ? undefined : await ctx.transaction(id);
      if (!transaction) return skip('no transaction was stopped (see remote.stop)');
      if (transaction.signedMeterStatus === 'absent') return notApplicable('the charge point sent no signed meter values');
      if (transaction.signedMeterStatus === 'failed') return fail(`signed meter values do not verify: ${transaction.signedMeterReason ?? 'no reason recorded'}`);
      // A key the charge point sent itself proves the readings unaltered, not that they come from
      // the registered meter: the reason says which key verified them.
      return pass(transaction.signedMeterReason ? `signed meter values: ${transaction.signedMeterReason}` : 'signed meter values verified');
    },
  },
  {
    id: 'remote.stop.unknown',
    title: 'Remote stop of an unknown transaction rejected',
    messages: ['RemoteStopTransaction'],
    stimulus: 'RemoteStopTransaction for a transaction id that does not exist.',
    expected: 'Rejected, and no StopTransaction.',
    async run(ctx) {
      const unknownId = await ctx.unknownTransactionId();
      const from = ctx.mark();
      const answer = await ctx.command({ kind: 'remoteStop', transactionId: unknownId });
      if (answer.error !== undefined) return fail(`RemoteStopTransaction was not answered: ${answer.error}`);
      if (answer.status !== 'Rejected') return fail(`RemoteStopTransaction for unknown transaction ${unknownId} answered ${answer.status}, expected Rejected`);
      if (await ctx.next(from, is('StopTransaction'), quietMs(ctx))) return fail('a StopTransaction followed the Rejected answer');
      return pass(`transaction ${unknownId}: Rejected`);
    },
  },
  {
    id: 'unlock.idle',
    title: 'Unlock an idle connector',
    messages: ['UnlockConnector'],
    stimulus: 'UnlockConnector on the campaign’s connector while idle.',
    expected: 'Unlocked (OCPP 1.5: Accepted); NotSupported (no lock: a fixed cable) makes the case not applicable.',
    async run(ctx) {
      if (!(await ctx.ensureIdle())) return skip(`connector ${ctx.connectorId} could not be made idle`);
      const expected = (await ctx.chargePoint()).ocppVersion === '1.5' ? 'Accepted' : 'Unlocked';
      const answer = await ctx.command({ kind: 'unlock', connectorId: ctx.connectorId });
      if (answer.error !== undefined) return fail(`UnlockConnector was not answered: ${answer.error}`);
      // A charge point with a fixed cable (every DC charger) has no lock to release.
      if (answer.status === 'NotSupported') return notApplicable('the charge point has no connector lock (NotSupported)');
      if (answer.status !== expected) return fail(`UnlockConnector answered ${answer.status}, expected ${expected}`);
      return pass(`connector ${ctx.connectorId}: ${answer.status}`);
    },
  },
  {
    id: 'unlock.unknown',
    title: 'Unlock a connector that does not exist',
    messages: ['UnlockConnector'],
    stimulus: 'UnlockConnector on a connector number past the last one.',
    expected: 'NotSupported (OCPP 1.5: Rejected) or a CALLERROR; never Unlocked.',
    async run(ctx) {
      const connectorId = Math.max(...(await ctx.connectorIds())) + 1;
      const answer = await ctx.command({ kind: 'unlock', connectorId });
      if (answer.error !== undefined) {
        return answer.refused ? pass(`connector ${connectorId}: refused with an error (${answer.error})`) : fail(`UnlockConnector was not answered: ${answer.error}`);
      }
      if (answer.status === 'NotSupported' || answer.status === 'Rejected') return pass(`connector ${connectorId}: ${answer.status}`);
      return fail(`UnlockConnector for connector ${connectorId}, which does not exist, answered ${answer.status}`);
    },
  },
  {
    id: 'reset.hard.idle',
    title: 'Hard reset while idle',
    messages: ['Reset', 'BootNotification'],
    stimulus: 'Reset (Hard) with no transaction running.',
    expected: 'Accepted, then a new BootNotification.',
    run: (ctx) => resetWhileIdle(ctx, 'Hard'),
  },
  {
    id: 'reset.soft.charging',
    title: 'Soft reset during a transaction',
    messages: ['Reset', 'StopTransaction', 'BootNotification'],
    stimulus: 'Reset (Soft) while a transaction runs.',
    expected: 'Accepted; StopTransaction (reason SoftReset in 1.6) before the new BootNotification.',
    run: (ctx) => resetWhileCharging(ctx, 'Soft'),
  },
  {
    id: 'reset.hard.charging',
    title: 'Hard reset during a transaction',
    messages: ['Reset', 'StopTransaction', 'BootNotification'],
    stimulus: 'Reset (Hard) while a transaction runs.',
    expected: 'Accepted; the transaction stopped (reason HardReset, Reboot or PowerLoss in 1.6, before or after the boot) and a new BootNotification.',
    run: (ctx) => resetWhileCharging(ctx, 'Hard'),
  },
  {
    id: 'offline.backlog',
    title: 'Offline backlog delivered in order, nothing lost',
    messages: ['MeterValues', 'StartTransaction'],
    stimulus: 'During a transaction the central system drops the connection and stays unreachable for a while.',
    expected: 'After reconnecting, the MeterValues sampled while offline arrive, in time order, with no gap larger than twice the sampling interval.',
    async run(ctx) {
      if (!(await ctx.ensureIdle())) return skip(`connector ${ctx.connectorId} could not be made idle`);
      const started = await ctx.startTransaction();
      if ('problem' in started) return skip(`no transaction to go offline during: ${started.problem} (see remote.start)`);
      const id = started.transactionId;
      const from = ctx.mark();
      const mine = forTransaction('MeterValues', id);
      const first = await ctx.next(from, mine, caseMs(ctx));
      const second = first && (await ctx.next(ctx.after(first), mine, caseMs(ctx)));
      if (!first || !second) return skip('the charge point sent too few MeterValues while charging to judge a backlog (see meter.values)');
      const sampledAt = (call: Call) => Math.min(...samplesOf(call).map((s) => Date.parse(s.timestamp)));
      const cadenceMs = Math.max(1, sampledAt(second) - sampledAt(first));
      const offlineMs = ctx.timing.offlineS * 1000;
      const offlineFrom = Date.now();
      ctx.holdOffline(offlineMs);
      await ctx.sleep(offlineMs);
      const offlineUntil = Date.now();
      const live = await ctx.next(ctx.after(second), (c) => mine(c) && sampledAt(c) > offlineUntil, caseMs(ctx) + 2 * cadenceMs);
      if (!live) return fail(`no MeterValues sampled after the connection came back within ${ctx.timing.caseTimeoutS} s`);
      const delivered = ctx.callsSince(ctx.after(second)).filter(mine);
      const times = [sampledAt(second), ...delivered.slice(0, delivered.indexOf(live) + 1).map(sampledAt)];
      for (let i = 1; i < times.length; i++) {
        if (times[i]! < times[i - 1]!) return fail(`out of order: a value sampled at ${new Date(times[i]!).toISOString()} arrived after one sampled at ${new Date(times[i - 1]!).toISOString()}`);
        const gap = times[i]! - times[i - 1]!;
        if (gap > 2 * cadenceMs + 1000) {
          return fail(`nothing sampled between ${new Date(times[i - 1]!).toISOString()} and ${new Date(times[i]!).toISOString()} (${seconds(gap)}, sampling every ${seconds(cadenceMs)}): the backlog was lost`);
        }
      }
      const backlog = times.filter((t) => t > offlineFrom && t < offlineUntil).length;
      // Offline for less than two sampling intervals, a lost backlog leaves no gap to see: the
      // backlog was not judged, and a case that judged nothing does not pass.
      if (offlineMs < 2 * cadenceMs) {
        return skip(`not run: offline for ${ctx.timing.offlineS} s, less than twice the charge point’s sampling interval (${seconds(cadenceMs)}), so a lost backlog could not be told; set offlineS to at least ${Math.ceil((2 * cadenceMs) / 1000)}`);
      }
      if (backlog === 0) return fail(`no value sampled during the ${ctx.timing.offlineS} s offline arrived: the backlog was lost`);
      return pass(`${backlog} MeterValues sampled while offline arrived in order after reconnection, no gap`);
    },
  },
];

export const caseIds = cases.map((c) => c.id);
