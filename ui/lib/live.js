// @ts-check
// The live picture every page shares: charge points and running transactions as the stream
// reports them. Pages read it and ask to be told when it changes.
import { follow } from './api.js';

/** @type {Map<string, any>} charge point id → charge point */
export const chargePoints = new Map();
/** @type {Map<number, any>} transaction id → transaction (running ones, and those that ended while we watched) */
export const transactions = new Map();
export const status = { connected: false, ready: false };

/** @type {Set<(what: {type: string, data?: any}) => void>} */
const listeners = new Set();
/** @type {(() => void) | undefined} */
let stopFollowing;
/**
 * The charge points the current stream has sent, until its `ready`: any other one kept from an
 * earlier stream is no longer ours to see (given to another operator while we were reconnecting).
 * @type {Set<string> | undefined}
 */
let sentByThisStream;
/**
 * The running transactions the current stream has sent, until its `ready`: one kept from an earlier
 * stream as running and not sent again ended while we were reconnecting.
 * @type {Set<number> | undefined}
 */
let runningSentByThisStream;

/** @param {{type: string, data?: any}} what */
function notify(what) {
  for (const listener of [...listeners]) listener(what);
}

/** A charge point we may no longer see goes, with its transactions. @param {string} id */
function forget(id) {
  chargePoints.delete(id);
  for (const [txId, tx] of transactions) if (tx.chargePointId === id) transactions.delete(txId);
}

export function start() {
  if (stopFollowing) return;
  stopFollowing = follow(
    (type, data) => {
      if (type === 'chargePoint') {
        chargePoints.set(data.id, data);
        sentByThisStream?.add(data.id);
      } else if (type === 'chargePointRemoved') forget(data.id);
      else if (type === 'transaction') {
        transactions.set(data.id, data);
        runningSentByThisStream?.add(data.id);
      } else if (type === 'ready') {
        status.ready = true;
        const sent = sentByThisStream;
        const running = runningSentByThisStream;
        sentByThisStream = undefined;
        runningSentByThisStream = undefined;
        for (const id of [...chargePoints.keys()].filter((id) => sent && !sent.has(id))) {
          forget(id);
          notify({ type: 'chargePointRemoved', data: { id } });
        }
        // Its end was not seen: dropped rather than shown running (its page reads it afresh).
        for (const [txId, tx] of transactions) if (running && tx.stoppedAt === null && !running.has(txId)) transactions.delete(txId);
      }
      notify({ type, data });
    },
    (connected) => {
      if (connected) {
        sentByThisStream = new Set();
        runningSentByThisStream = new Set();
      }
      status.connected = connected;
      notify({ type: 'connection' });
    },
  );
}

export function stop() {
  stopFollowing?.();
  stopFollowing = undefined;
  chargePoints.clear();
  transactions.clear();
  status.connected = false;
  status.ready = false;
}

/** @param {(what: {type: string, data?: any}) => void} listener @returns {() => void} */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The running transaction on a connector, if any. @param {string} chargePointId @param {number} connectorId */
export function runningOn(chargePointId, connectorId) {
  for (const tx of transactions.values()) {
    if (tx.chargePointId === chargePointId && tx.connectorId === connectorId && tx.stoppedAt === null) return tx;
  }
  return undefined;
}

/**
 * How a charge point is reachable: a live WebSocket, or (OCPP 1.5 SOAP, which holds no connection)
 * a recent message.
 * @param {any} cp
 */
export function presence(cp, now = Date.now()) {
  if (cp.connected) return 'online';
  if (cp.transport === 'soap' && cp.lastSeenAt && now - Date.parse(cp.lastSeenAt) < 10 * 60_000) return 'online';
  return 'offline';
}
