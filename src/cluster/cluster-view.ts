// What this node believes the other nodes hold, built from their announcements and heartbeats.
// Pure bookkeeping (no NATS here), so its rules are tested on their own.
//
// Each node's claims are kept as that node stated them; when two nodes claim one charge point
// (a takeover not yet seen by the old node), the newer claim is the holder. A node whose
// heartbeat has not been heard for `lostAfterMs` is lost, and a node that says it leaves is gone at
// once: either way its claims are dropped, so its charge points no longer count as connected
// through it.
import { SetDigest } from './digest.js';

export interface Claim {
  node: string;
  /** When the charge point connected, in ms on the claiming node's clock. */
  since: number;
}

interface NodeState {
  instance: string | undefined;
  lastSeen: number;
  claims: Map<string, number>;
  digest: SetDigest;
}

/** Whether claim `a` is newer than claim `b`: later connection, ties broken by node id. */
export function newer(a: Claim, b: Claim): boolean {
  return a.since !== b.since ? a.since > b.since : a.node > b.node;
}

export class ClusterView {
  private readonly nodes = new Map<string, NodeState>();

  constructor(private readonly lostAfterMs: number) {}

  /** The node holding the charge point now, among those alive; undefined: none that we know of. */
  holder(chargePointId: string): Claim | undefined {
    let best: Claim | undefined;
    for (const [node, state] of this.nodes) {
      const since = state.claims.get(chargePointId);
      if (since === undefined) continue;
      const claim = { node, since };
      if (!best || newer(claim, best)) best = claim;
    }
    return best;
  }

  /** The instance (process) of a node that its heartbeats announce; undefined before the first. */
  instanceOf(node: string): string | undefined {
    return this.nodes.get(node)?.instance;
  }

  /** Node ids heard from and not lost. */
  liveNodes(): string[] {
    return [...this.nodes.keys()];
  }

  /** Each node heard from and not lost: how many charge points it claims, and how long since it was heard. */
  summary(now: number): { node: string; chargePoints: number; lastHeardMsAgo: number }[] {
    return [...this.nodes].map(([node, state]) => ({ node, chargePoints: state.claims.size, lastHeardMsAgo: Math.max(0, now - state.lastSeen) }));
  }

  claim(chargePointId: string, node: string, since: number, now: number): void {
    const state = this.seen(node, now);
    const previous = state.claims.get(chargePointId);
    if (previous === undefined) state.digest.add(chargePointId);
    state.claims.set(chargePointId, since);
  }

  /** A release; one from a node not known (lost, or gone) has nothing to remove and brings nothing back. */
  unclaim(chargePointId: string, node: string, now: number): void {
    const state = this.nodes.get(node);
    if (!state) return;
    state.lastSeen = Math.max(state.lastSeen, now);
    if (state.claims.delete(chargePointId)) state.digest.remove(chargePointId);
  }

  /**
   * A heartbeat. Returns true when our record of the node's claims does not match its count and
   * digest (or the node restarted), i.e. its full list should be fetched.
   */
  heartbeat(node: string, instance: string, count: number, digest: number, now: number): boolean {
    let state = this.nodes.get(node);
    if (state && state.instance !== undefined && state.instance !== instance) {
      // Restarted under the same id: whatever it held before is gone with its old process.
      this.nodes.delete(node);
      state = undefined;
    }
    state = this.seen(node, now);
    state.instance = instance;
    return !state.digest.matches(count, digest);
  }

  /**
   * Replaces the node's claims with its own full list; false (and nothing changed) when the node
   * is no longer known: it was lost, or left, while its list was being read.
   */
  replaceClaims(node: string, holdings: readonly (readonly [string, number])[], now: number): boolean {
    if (!this.nodes.has(node)) return false;
    const state = this.seen(node, now);
    state.claims.clear();
    state.digest = new SetDigest();
    for (const [id, since] of holdings) {
      if (!state.claims.has(id)) state.digest.add(id);
      state.claims.set(id, since);
    }
    return true;
  }

  /**
   * Counts every node as heard from now: after this node's own event loop stalled, heartbeats
   * may be waiting unread in the socket, and silence is not the others' fault.
   */
  forgiveAll(now: number): void {
    for (const state of this.nodes.values()) state.lastSeen = Math.max(state.lastSeen, now);
  }

  /**
   * Forgets nodes last heard more than lostAfterMs before `at` (the router passes the time its own
   * heartbeat last came back); returns each with the charge points it claimed.
   */
  expire(at: number): { node: string; chargePointIds: string[] }[] {
    const lost: { node: string; chargePointIds: string[] }[] = [];
    for (const [node, state] of this.nodes) {
      if (at - state.lastSeen <= this.lostAfterMs) continue;
      this.nodes.delete(node);
      lost.push({ node, chargePointIds: [...state.claims.keys()] });
    }
    return lost;
  }

  /**
   * Forgets a node that stopped on purpose; returns the charge points it claimed, or undefined
   * when that node (that instance of it) is not known.
   */
  leave(node: string, instance: string): string[] | undefined {
    const state = this.nodes.get(node);
    if (!state || (state.instance !== undefined && state.instance !== instance)) return undefined;
    this.nodes.delete(node);
    return [...state.claims.keys()];
  }

  private seen(node: string, now: number): NodeState {
    let state = this.nodes.get(node);
    if (!state) {
      state = { instance: undefined, lastSeen: now, claims: new Map(), digest: new SetDigest() };
      this.nodes.set(node, state);
    }
    state.lastSeen = Math.max(state.lastSeen, now);
    return state;
  }
}
