// The charge point's outgoing messages, in one ordered queue, sent one at a time.
//
// Transaction messages (StartTransaction, StopTransaction, MeterValues) are kept until the central
// system answers them, as OCPP 1.6 §4.7 asks of a charge point: they wait out a lost connection
// and are sent in their original order after the next accepted boot. Their payload is built only
// when it is sent, so a message queued behind an unanswered StartTransaction carries the
// transactionId that answer brings. Other messages are worth nothing late and are dropped while
// offline.
import { CallErrorResponse, CallTimeoutError } from '../ocpp/rpc-peer.js';
import type { JsonObject } from '../ocpp/rpc.js';
import type { OutboundCall } from './protocol.js';

export type SendOutcome =
  | { ok: true; payload: JsonObject }
  | { ok: false; reason: 'offline' | 'timeout' | 'refused' | 'skipped'; message: string };

export interface OutboxItem {
  /** Builds the CALL at send time; undefined means it can no longer be sent (logged, dropped). */
  build(): OutboundCall | undefined;
  transactional: boolean;
  /** Called with the answer that counts (the last one when the message is sent twice). */
  answered?(payload: JsonObject): void;
  /** Called when a transaction message is given up for good. */
  abandoned?(): void;
}

export interface OutboxOptions {
  call(action: string, payload: JsonObject): Promise<JsonObject>;
  /** Send every transaction message twice, as a charge point that lost the first answer would. */
  duplicateTransactionMessages: boolean;
  /** How often a transaction message answered with a CALLERROR is sent before it is given up. */
  transactionMessageAttempts: number;
  retryDelayMs: number;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

interface Entry {
  item: OutboxItem;
  attempts: number;
  settle(outcome: SendOutcome): void;
}

export class Outbox {
  private readonly entries: Entry[] = [];
  private online = false;
  private pumping = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private idleWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(private readonly options: OutboxOptions) {}

  /** Transaction messages not yet answered (including the one in flight). */
  get pendingTransactionMessages(): number {
    return this.entries.filter((e) => e.item.transactional).length;
  }

  /** Queues a message; resolves when it is answered, dropped or given up. Never rejects. */
  send(item: OutboxItem): Promise<SendOutcome> {
    return new Promise((resolve) => {
      if (this.closed || (!this.online && !item.transactional)) {
        resolve({ ok: false, reason: 'offline', message: 'not connected' });
        return;
      }
      this.entries.push({ item, attempts: 0, settle: resolve });
      void this.pump();
    });
  }

  /** Online: sending may proceed (after an accepted boot). Offline: drop what is worth nothing late. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) {
      void this.pump();
      return;
    }
    this.wakeRetry?.();
    // The entry in flight (entries[0] while pumping) settles itself when its call fails.
    const keep = this.entries.filter((e, i) => e.item.transactional || (this.pumping && i === 0));
    for (const e of this.entries) {
      if (!keep.includes(e)) e.settle({ ok: false, reason: 'offline', message: 'connection lost' });
    }
    this.entries.splice(0, this.entries.length, ...keep);
  }

  /** Fault backlog-dropped: forgets every queued message that is not in flight, as a charger with no offline memory. */
  dropQueued(): void {
    const dropped = this.entries.splice(this.pumping ? 1 : 0);
    for (const e of dropped) e.settle({ ok: false, reason: 'skipped', message: 'dropped (fault backlog-dropped)' });
    if (dropped.length > 0) this.options.log('warn', `fault: dropped ${dropped.length} queued messages`);
  }

  /** Resolves when nothing is queued or in flight; rejects if the outbox is closed first. */
  idle(): Promise<void> {
    if (this.entries.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
  }

  /** Stops sending for good (the charge point is switched off). Queued messages stay unsent. */
  close(): void {
    this.closed = true;
    this.online = false;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    for (const e of this.entries.splice(0)) e.settle({ ok: false, reason: 'offline', message: 'charge point stopped' });
    for (const w of this.idleWaiters.splice(0)) w.reject(new Error('charge point stopped'));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let entry = this.entries[0]; entry && this.online; entry = this.entries[0]) {
        const done = await this.attempt(entry);
        if (done) this.entries.shift();
        else if (this.online && !this.closed) await this.pause(this.options.retryDelayMs);
      }
    } finally {
      this.pumping = false;
    }
    if (this.entries.length === 0) for (const w of this.idleWaiters.splice(0)) w.resolve();
  }

  /** Sends the entry (twice when duplicating); true when it is settled and leaves the queue. */
  private async attempt(entry: Entry): Promise<boolean> {
    const { item } = entry;
    const call = item.build();
    if (!call) {
      entry.settle({ ok: false, reason: 'skipped', message: 'message can no longer be sent' });
      return true;
    }
    const times = item.transactional && this.options.duplicateTransactionMessages ? 2 : 1;
    let answer: JsonObject | undefined;
    for (let i = 0; i < times; i++) {
      try {
        answer = await this.options.call(call.action, call.payload);
      } catch (error) {
        // The first copy was answered: the message is delivered whatever befalls the duplicate.
        if (answer !== undefined) break;
        return this.failed(entry, call.action, error as Error);
      }
    }
    if (answer === undefined) return true; // unreachable: times >= 1
    try {
      item.answered?.(answer);
    } catch (error) {
      // An answer we cannot use (a StartTransaction answer without a transactionId, say).
      this.options.log('warn', `${call.action} answer unusable: ${(error as Error).message}`);
      item.abandoned?.();
    }
    entry.settle({ ok: true, payload: answer });
    return true;
  }

  private failed(entry: Entry, action: string, error: Error): boolean {
    const reason =
      error instanceof CallTimeoutError ? 'timeout' : error instanceof CallErrorResponse ? 'refused' : 'offline';
    if (!entry.item.transactional) {
      entry.settle({ ok: false, reason, message: error.message });
      return true;
    }
    if (reason === 'refused') {
      entry.attempts += 1;
      if (entry.attempts >= this.options.transactionMessageAttempts) {
        this.options.log('warn', `${action} given up after ${entry.attempts} refusals: ${error.message}`);
        entry.item.abandoned?.();
        entry.settle({ ok: false, reason, message: error.message });
        return true;
      }
    }
    // Lost connection or timeout: the message stays first in line and is sent again.
    this.options.log('debug', `${action} not answered (${error.message}); will resend`);
    return false;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = () => {
        clearTimeout(this.retryTimer);
        this.wakeRetry = undefined;
        resolve();
      };
      this.retryTimer = setTimeout(() => this.wakeRetry?.(), ms);
    });
  }
}
