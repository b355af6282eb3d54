// What a protocol adapter offers the transport: the actions it understands (with their schemas),
// a handler that turns a validated wire request into domain calls and back, and the mapping of
// operator commands onto its wire messages.
import type { OcppAction } from '../ocpp/action.js';
import type { JsonObject } from '../ocpp/rpc.js';
import type { Domain } from '../domain/index.js';
import type { Command, CommandResult, OcppVersion, RegistrationStatus, Transport } from '../domain/model.js';

export interface AdapterLog {
  info(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
}

export interface CallContext {
  chargePointId: string;
  log: AdapterLog;
  /** What the call came over: JSON on a WebSocket, or a SOAP POST. */
  transport: Transport;
}

export interface HandledCall {
  response: object;
  /** Set by a BootNotification answer: the charge point's registration from now on. */
  registration?: RegistrationStatus;
}

export interface WireCommand {
  action: string;
  payload: object;
}

export interface ProtocolAdapter {
  readonly ocppVersion: OcppVersion;
  /** Actions a charge point may send us, by name. */
  readonly inbound: Readonly<Record<string, OcppAction>>;
  /** Actions we may send a charge point, by name. */
  readonly outbound: Readonly<Record<string, OcppAction>>;
  /** Every action of the version: one of them that we do not take from a charge point is NotSupported, anything else NotImplemented. */
  readonly knownActions: ReadonlySet<string>;
  /** The one action a charge point that is not Accepted may send. */
  readonly bootAction: string;
  /** Rewrites a known field variant into the schema's shape before validation (documented per adapter). */
  normalizeInbound?(action: string, payload: unknown): unknown;
  /**
   * Rewrites another version's shape of a message, forgiven to a lenient charge point only, into
   * the schema's shape before validation; the payload itself when it has none (documented per adapter).
   */
  lenientInbound?(action: string, payload: unknown): unknown;
  handle(domain: Domain, context: CallContext, action: string, payload: unknown): Promise<HandledCall>;
  command(command: Command): WireCommand;
  commandResult(command: Command, response: JsonObject): CommandResult;
}

/** A JSON-over-WebSocket flavour of an adapter, negotiated by its WebSocket subprotocol. */
export interface JsonProtocolAdapter extends ProtocolAdapter {
  readonly subprotocol: string;
}
