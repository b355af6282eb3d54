// Domain errors: each names a rule that was broken, so every adapter can answer it in its own
// protocol's words (an OCPP-J CALLERROR code, a SOAP fault, an HTTP status).

export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The charge point has not been Accepted by a BootNotification answer yet. */
export class ChargePointNotAccepted extends DomainError {}

/**
 * No charge point with this id is registered. Worded as the API words any thing nobody has
 * (src/api/errors.ts, `missing`), so that no answer tells an unknown id from another's.
 */
export class UnknownChargePoint extends DomainError {
  constructor(chargePointId: string) {
    super(`Charge point "${chargePointId}" not found`);
  }
}

/** The charge point holds no live connection to any node. */
export class ChargePointNotConnected extends DomainError {}

/** The charge point did not answer a command in time. */
export class CommandTimedOut extends DomainError {}

/** The charge point answered a command with an error, or the connection failed under it. */
export class CommandFailed extends DomainError {}

/** What the request names does not exist (a campaign, a case, a registry entry). */
export class NotFound extends DomainError {}

/** The request cannot be done in the current state (a campaign already running, a case not waiting). */
export class Conflict extends DomainError {}

/** The request itself is wrong (an unknown case id, a value out of range). */
export class InvalidRequest extends DomainError {}

/**
 * The request is for work another node does (a validation campaign runs on the node holding its
 * charge point). The API carries it to that node when it can; otherwise the message tells the
 * operator where to send it.
 */
export class OnAnotherNode extends Conflict {
  constructor(
    message: string,
    readonly node: string,
  ) {
    super(message);
  }
}

/** No node of that name answered a request sent to it (stopped, lost, or NATS is down). */
export class NodeUnreachable extends DomainError {}
