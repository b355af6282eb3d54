// The protocol rules every transport applies the same way, whether a message came over a
// WebSocket or a SOAP POST: schema validation (or its lenient logging), the registration gate,
// the adapter call, validation of our own answer; and for commands, validation of what we send
// and of what the charge point answers. Errors are RpcErrors (OCPP-J codes); the SOAP endpoint
// turns them into faults.
import type { ProtocolAdapter } from '../adapters/adapter.js';
import { ChargePointNotAccepted, CommandFailed, DomainError } from '../domain/errors.js';
import type { Domain } from '../domain/index.js';
import type { Command, CommandResult, RegistrationStatus, Transport } from '../domain/model.js';
import type { Logger } from '../log.js';
import type { OcppAction } from '../ocpp/action.js';
import { echoed } from '../ocpp/echo.js';
import { RpcError, type JsonObject } from '../ocpp/rpc.js';
import { unstorable } from './storable.js';
import { valueAt, violationText, type Violation } from '../ocpp/validate.js';

export interface InboundContext {
  adapter: ProtocolAdapter;
  domain: Domain;
  chargePointId: string;
  log: Logger;
  transport: Transport;
  /** The charge point's registration as this transport knows it. */
  registration: RegistrationStatus;
  /**
   * What the software policy holds the charge point to now, if anything (Registry.softwareHold);
   * asked only for a message it may hold.
   */
  softwareHold(): Promise<RegistrationStatus | undefined>;
  /** Read only when a violation needs it: the operator may switch it at any time. */
  isLenient(): Promise<boolean>;
}

/**
 * What a charge point held for its unvalidated software may still send: the readings and the end
 * of sessions it has, which must reach the central system whatever its software (a charge point
 * charging when the policy was set, or its software withdrawn, would otherwise lose them). It
 * starts nothing, and is told nothing else.
 */
const REPORTS_OF_SESSIONS = new Set(['MeterValues', 'StopTransaction']);

/** How many of a lenient charge point's forgiven violations one log line names. */
const LOGGED_VIOLATIONS = 5;

/**
 * What lenient mode may forgive: a field the message does not define, or a value outside its
 * allowed set or length. A wrong type, a missing field or an unreadable time would reach the
 * domain as garbage (and poison stored data), so it is refused even from a lenient charge point.
 */
function forgivable(violation: Violation): boolean {
  return violation.code === 'FormationViolation' || violation.code === 'PropertyConstraintViolation';
}

/**
 * A field a message reporting readings does not define is forgiven only when it holds text. A
 * list or an object may be readings in a shape the message does not have (a 1.5 charge point
 * sending 1.6's `meterValue`, or 1.6's `{timestamp, sampledValue}` in a 1.5 stop's
 * transactionData, that is no valid 1.6 message: a valid one was converted before this, by the
 * adapter's lenientInbound): forgiven, it was answered as stored and never stored, and the charge point had
 * no reason to send it again. A number or a boolean is no text the readings can take: a 1.5
 * reading's `phase`, which the adapter reads as 1.6 defines it, given as `true` was an
 * InternalError at every resend, and as `5` was stored as "5.0" on SQLite. Text (1.6's stop
 * `reason` in a 1.5 stop, a reading's `phase`) stays forgivable. So does a list or an object in a
 * StopTransaction, with a warning: refused, the stop was never stored, the session stayed open and
 * the charge point sent it again until it gave up, where its meterStop alone gives the session's
 * energy; the readings it held are kept in the journal, as every frame is.
 */
function notForgivenInReadings(name: string, payload: unknown, violation: Violation): boolean {
  if (violation.code !== 'FormationViolation' || !REPORTS_OF_SESSIONS.has(name)) return false;
  if (name === 'StopTransaction' && mayHoldReadings(payload, violation)) return false;
  return typeof valueAt(payload, violation.path) !== 'string';
}

/** An undefined field holding a list or an object: it may be readings in another version's shape. */
function mayHoldReadings(payload: unknown, violation: Violation): boolean {
  const value = valueAt(payload, violation.path);
  return violation.code === 'FormationViolation' && value !== null && typeof value === 'object';
}

export interface DispatchedCall {
  response: JsonObject;
  /** Set when the call was a BootNotification: the registration from now on. */
  registration?: RegistrationStatus;
}

/** The adapter's inbound action, or the RpcError that names why there is none. */
export function inboundAction(adapter: ProtocolAdapter, name: string): OcppAction {
  // Own properties only: an action called "constructor" or "__proto__" is just unknown.
  if (Object.hasOwn(adapter.inbound, name)) return adapter.inbound[name]!;
  const known = adapter.knownActions.has(name);
  throw new RpcError(known ? 'NotSupported' : 'NotImplemented', `Action ${echoed(name)} is ${known ? 'not supported from a charge point' : 'unknown'}`);
}

/**
 * Handles a call from a charge point. Its activity is the transport's to emit, once the answer is
 * written: until then what the call stored may not be durable (see Store.withFrames).
 */
export async function dispatchInbound(context: InboundContext, name: string, payload: unknown): Promise<DispatchedCall> {
  const { adapter, domain, chargePointId, log, transport } = context;
  const action = inboundAction(adapter, name);
  const request = action.validateRequest(payload);
  if (!request.ok) {
    if (!forgivable(request.violation) || !(await context.isLenient())) throw new RpcError(request.violation.code, violationText(request.violation));
    // The first violation is only where the check stopped: a wrong type further on must be
    // refused all the same (a meterStart of "abc" stored as NaN broke every session list).
    const violations = request.allViolations();
    const unforgivable = violations.find((violation) => !forgivable(violation));
    if (unforgivable) throw new RpcError(unforgivable.code, violationText(unforgivable));
    const notText = violations.find((violation) => notForgivenInReadings(name, payload, violation));
    if (notText) throw new RpcError(notText.code, `${violationText(notText)}, and is not text: not forgiven in a report of readings, even in lenient mode`);
    // The first few, and how many: a frame of a thousand unknown fields must not make a log line
    // several times its own size.
    log.warn({ action: name, violations: violations.slice(0, LOGGED_VIOLATIONS), count: violations.length }, 'schema violation accepted (lenient mode)');
    const unread = name === 'StopTransaction' ? violations.filter((violation) => mayHoldReadings(payload, violation)) : [];
    if (unread.length > 0) log.warn({ action: name, fields: unread.slice(0, LOGGED_VIOLATIONS).map((violation) => violation.path) }, 'a lenient stop held fields this version does not define that may be readings: the stop is stored, those readings only in the journal (lenient mode)');
  }
  if (name !== adapter.bootAction) {
    // The registration is named as the registry holds it, not as the boot was answered: OCPP 1.5
    // has no Pending, and a 1.5 charge point held Pending was answered Rejected.
    if (context.registration !== 'Accepted') {
      throw new RpcError('SecurityError', `Charge point is not Accepted (its registration is ${context.registration}): only ${adapter.bootAction} is allowed until a ${adapter.bootAction} is answered Accepted`);
    }
    if (domain.registry.holdsUnvalidatedSoftware && !REPORTS_OF_SESSIONS.has(name) && (await context.softwareHold())) {
      throw new RpcError('SecurityError', `Charge point's software is not validated by the network: only ${adapter.bootAction}, MeterValues and StopTransaction are taken until it is`);
    }
  }
  // Not forgivable: what no store can keep as it came would be refused by one and not another.
  const unkeepable = unstorable(payload, name);
  if (unkeepable) throw new RpcError(unkeepable.code, violationText(unkeepable));
  try {
    const handled = await adapter.handle(domain, { chargePointId, log, transport }, name, payload);
    const response = action.validateResponse(handled.response);
    if (!response.ok) {
      log.error({ action: name, violation: response.violation }, 'our own answer fails its schema');
      throw new RpcError('InternalError', 'The central system produced an invalid answer');
    }
    return { response: handled.response as JsonObject, ...(handled.registration ? { registration: handled.registration } : {}) };
  } catch (error) {
    if (error instanceof RpcError) throw error;
    if (error instanceof ChargePointNotAccepted) throw new RpcError('SecurityError', error.message);
    if (!(error instanceof DomainError)) log.error({ err: error, action: name }, 'call failed');
    throw new RpcError('InternalError', 'The central system could not handle this call');
  }
}

export interface OutboundCall {
  action: OcppAction;
  payload: object;
}

/** The wire call for a command, checked against its schema before it is sent. */
export function outboundCall(adapter: ProtocolAdapter, command: Command): OutboundCall {
  const wire = adapter.command(command);
  const action = Object.hasOwn(adapter.outbound, wire.action) ? adapter.outbound[wire.action] : undefined;
  if (!action || !action.validateRequest(wire.payload).ok) {
    throw new CommandFailed(`Command ${command.kind} cannot be expressed in OCPP ${adapter.ocppVersion}`);
  }
  return { action, payload: wire.payload };
}

/**
 * The charge point's answer to a command, validated. A lenient charge point is forgiven what its
 * calls are (a field the answer does not define, a status outside the allowed set: logged), not a
 * missing status or one of the wrong type, which until 2026-12-07 reached the operator as a
 * success with the status "undefined", "5" or "[object Object]".
 */
export async function commandAnswer(
  adapter: ProtocolAdapter,
  call: OutboundCall,
  command: Command,
  response: JsonObject,
  context: Pick<InboundContext, 'log' | 'isLenient'>,
): Promise<CommandResult> {
  const answer = call.action.validateResponse(response);
  if (!answer.ok) {
    context.log.warn({ action: call.action.name, violation: answer.violation }, 'invalid answer to our call');
    const refused = !forgivable(answer.violation) || !(await context.isLenient()) ? answer.violation : answer.allViolations().find((violation) => !forgivable(violation));
    if (refused) throw new CommandFailed(`${call.action.name} answer is invalid: ${violationText(refused)}`);
  }
  return adapter.commandResult(command, response);
}
