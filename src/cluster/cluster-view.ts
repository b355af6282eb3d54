// What this node believes the other nodes hold, built from their announcements and heartbeats.
// Pure bookkeeping (no NATS here), so its rules are tested on their own.
//
// Each node's claims are kept as that node stated them; when two nodes claim one charge point
// (a takeover not yet seen by the old node), the newer claim is the holder. A node whose
// heartbeat has not been heard for `lostAfterMs` is lost, and a node that says it leaves is gone at
// once: either way its claims are dropped, so its charge points no longer count as connected
// through it. A view made afresh (this node's NATS link came back) still expects the nodes the one
// before it knew: one not heard again within `lostAfterMs` is lost as well, so that a node that
// died while this node's own link was down is not forgotten without being judged.
//
// One node id, two processes: an earlier one frozen (or cut off) while a replacement started, and
// then woken. The earlier one is superseded: its heartbeats, claims and releases are not heard
// (they would take the replacement's claims away at each of its heartbeats) for as long as the
// replacement is the node. A process is superseded once this view has seen it replaced by another
// process of its node, or judged lost (whatever the clocks say), or, for one this view never knew,
// when its heartbeat says it started before the process the view knows.
import { SetDigest } from './digest.js';

export interface Claim {
  node: string;
  /** When the charge point connected, in ms on the claiming node's clock. */
  since: number;
}

interface NodeState {
  instance: string | undefined;
  /** When that process started (its heartbeat's startedAt): undefined before its first, or from an earlier version. */
  startedAt: number | undefined;
  lastSeen: number;
  claims: Map<string, number>;
  digest: SetDigest;
}

/** Whether claim `a` is newer than claim `b`: later connection, ties broken by node id. */
export function newer(a: Claim, b: Claim): boolean {
  return a.since !== b.since ? a.since > b.since : a.node > b.node;
}

/** A node the view before this one knew, not heard on this one yet: since when it is waited for. */
interface Expected {
  instance: string | undefined;
  startedAt: number | undefined;
  since: number;
  claims: string[];
}

/** Superseded processes remembered per node: the latest few. */
const SUPERSEDED_KEPT = 8;
/**
 * Nodes whose superseded processes are remembered, the latest first kept: node ids that come and
 * go (the default TOMADA_NODE_ID names the process id) would otherwise add one each, for good.
 */
const SUPERSEDED_NODES_KEPT = 1_000;

export class ClusterView {
  private readonly nodes = new Map<string, NodeState>();
  private readonly expected = new Map<string, Expected>();
  /** Per node: the instances of its processes that a later one superseded, oldest first. */
  private readonly supersededInstances = new Map<string, string[]>();

  constructor(private readonly lostAfterMs: number) {}

  /**
   * A fresh view (what was heard before may be stale: it holds no claims) that still waits for the
   * nodes `previous` knew, from `now`: each is lost (expire) unless heard again within lostAfterMs.
   */
  static after(previous: ClusterView, now: number): ClusterView {
    const view = new ClusterView(previous.lostAfterMs);
    for (const [node, expected] of previous.expected) view.expected.set(node, { ...expected, since: now });
    for (const [node, state] of previous.nodes) view.expected.set(node, { instance: state.instance, startedAt: state.startedAt, since: now, claims: [...state.claims.keys()] });
    for (const [node, instances] of previous.supersededInstances) view.supersededInstances.set(node, [...instances]);
    return view;
  }

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

  /** The instance last heard of a node, by this view or, while it is expected again, the one before. */
  lastInstance(node: string): string | undefined {
    return this.nodes.get(node)?.instance ?? this.expected.get(node)?.instance;
  }

  /** A node expected again (not heard since the view began) that claimed the charge point before. */
  expectedHolder(chargePointId: string): string | undefined {
    for (const [node, expected] of this.expected) if (expected.claims.includes(chargePointId)) return node;
    return undefined;
  }

  /** Node ids heard from and not lost. */
  liveNodes(): string[] {
    return [...this.nodes.keys()];
  }

  /** Each node heard from and not lost: how many charge points it claims, and how long since it was heard. */
  summary(now: number): { node: string; chargePoints: number; lastHeardMsAgo: number }[] {
    return [...this.nodes].map(([node, state]) => ({ node, chargePoints: state.claims.size, lastHeardMsAgo: Math.max(0, now - state.lastSeen) }));
  }

  /**
   * Whether a process of `node` is superseded while another process of it is the node (alive, or
   * expected again): one this view saw replaced or judged lost, or one its heartbeat says started
   * (`startedAt`) before the process the view knows. What it says is then not heard. With no other
   * process of its node known it is heard, and is the node. Without start times (a node of an
   * earlier version), a heartbeat of another instance is a restart.
   */
  superseded(node: string, instance: string, startedAt?: number): boolean {
    const known = this.nodes.get(node) ?? this.expected.get(node);
    if (known?.instance === undefined || known.instance === instance) return false;
    if (this.supersededInstances.get(node)?.includes(instance)) return true;
    if (startedAt === undefined || known.startedAt === undefined || startedAt >= known.startedAt) return false;
    this.noteSuperseded(node, instance);
    return true;
  }

  /** A claim; one by a superseded process (`instance`) is not heard. */
  claim(chargePointId: string, node: string, since: number, now: number, instance?: string): void {
    if (instance !== undefined && this.superseded(node, instance)) return;
    const state = this.seen(node, now);
    const previous = state.claims.get(chargePointId);
    if (previous === undefined) state.digest.add(chargePointId);
    state.claims.set(chargePointId, since);
  }

  /**
   * A release; one from a node not known (lost, or gone) has nothing to remove and brings nothing
   * back. One by another process of the node than the one known (`instance`) is not heard: the
   * claims are that process's. A process superseded may release before its next heartbeat shows
   * it superseded; a restarted one, before its first heartbeat replaces the claims of the one before.
   */
  unclaim(chargePointId: string, node: string, now: number, instance?: string): void {
    const state = this.nodes.get(node);
    if (!state) return;
    if (instance !== undefined && state.instance !== undefined && state.instance !== instance) return;
    // This version names the process; a release naming none, once the known process says when it
    // started (this version), is an earlier version's process of the node, superseded.
    if (instance === undefined && state.startedAt !== undefined) return;
    state.lastSeen = Math.max(state.lastSeen, now);
    if (state.claims.delete(chargePointId)) state.digest.remove(chargePointId);
  }

  /**
   * A heartbeat. Returns true when our record of the node's claims does not match its count and
   * digest (or the node restarted), i.e. its full list should be fetched.
   */
  heartbeat(node: string, instance: string, count: number, digest: number, now: number, startedAt?: number): boolean {
    let state = this.nodes.get(node);
    const earlier = state?.instance ?? this.expected.get(node)?.instance;
    if (earlier !== undefined && earlier !== instance) {
      // Restarted under the same id: whatever it held before is gone with its old process, which,
      // should it still run (frozen meanwhile), is superseded.
      if (startedAt !== undefined) this.noteSuperseded(node, earlier);
      if (state) this.nodes.delete(node);
      state = undefined;
    }
    state = this.seen(node, now);
    state.instance = instance;
    state.startedAt = startedAt;
    // Heard as the node (no other process of it known): no longer superseded.
    const superseded = this.supersededInstances.get(node);
    if (superseded?.includes(instance)) superseded.splice(superseded.indexOf(instance), 1);
    return !state.digest.matches(count, digest);
  }

  /**
   * Replaces the node's claims with its own full list; false (and nothing changed) when the node
   * is no longer known: it was lost, or left, while its list was being read.
   */
  replaceClaims(node: string, holdings: readonly (readonly [string, number])[], now: number, instance?: string): boolean {
    if (!this.nodes.has(node)) return false;
    // The list of a process the view no longer takes for the node (restarted, or superseded, while it was read).
    if (instance !== undefined && this.nodes.get(node)!.instance !== instance) return false;
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
    for (const expected of this.expected.values()) expected.since = Math.max(expected.since, now);
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
      // Should it wake while another process of its node runs, that one is the node.
      if (state.instance !== undefined) this.noteSuperseded(node, state.instance);
      lost.push({ node, chargePointIds: [...state.claims.keys()] });
    }
    for (const [node, expected] of this.expected) {
      if (at - expected.since <= this.lostAfterMs) continue;
      this.expected.delete(node);
      if (expected.instance !== undefined) this.noteSuperseded(node, expected.instance);
      lost.push({ node, chargePointIds: expected.claims });
    }
    return lost;
  }

  /**
   * Forgets a node that stopped on purpose; returns the charge points it claimed, or undefined
   * when that node (that instance of it) is not known.
   */
  leave(node: string, instance: string): string[] | undefined {
    const expected = this.expected.get(node);
    if (expected && (expected.instance === undefined || expected.instance === instance)) {
      this.expected.delete(node);
      return expected.claims;
    }
    const state = this.nodes.get(node);
    if (!state || (state.instance !== undefined && state.instance !== instance)) return undefined;
    this.nodes.delete(node);
    return [...state.claims.keys()];
  }

  /** Whether the process the view takes for the node says when it started (this version's heartbeats do). */
  announcesStart(node: string): boolean {
    return this.nodes.get(node)?.startedAt !== undefined;
  }

  private noteSuperseded(node: string, instance: string): void {
    const instances = this.supersededInstances.get(node) ?? [];
    if (instances.includes(instance)) return;
    instances.push(instance);
    if (instances.length > SUPERSEDED_KEPT) instances.shift();
    // Latest last: the node noted longest ago goes first.
    this.supersededInstances.delete(node);
    this.supersededInstances.set(node, instances);
    if (this.supersededInstances.size > SUPERSEDED_NODES_KEPT) this.supersededInstances.delete(this.supersededInstances.keys().next().value!);
  }

  private seen(node: string, now: number): NodeState {
    // Heard again (restarted or not): no longer waited for.
    this.expected.delete(node);
    let state = this.nodes.get(node);
    if (!state) {
      state = { instance: undefined, startedAt: undefined, lastSeen: now, claims: new Map(), digest: new SetDigest() };
      this.nodes.set(node, state);
    }
    state.lastSeen = Math.max(state.lastSeen, now);
    return state;
  }
}
