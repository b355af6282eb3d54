// The frame journal's hash chain. Each row's hash covers its own content and the previous row's
// hash, so changing, inserting or removing any row breaks every link after it. With a key
// (TOMADA_JOURNAL_KEY) the links are HMACs: someone who can write to the database but does not
// hold the key cannot forge a consistent chain.
import { createHmac } from 'node:crypto';
import { sha256 } from './sha256.js';

/** The prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

export interface JournalFrame {
  at: string;
  chargePointId: string | null;
  direction: 'in' | 'out';
  /** Protocol and transport the frame travelled on: ocpp1.6-json, ocpp1.5-json, ocpp1.5-soap. */
  protocol: string;
  /** The bytes exactly as received or sent. */
  frame: Buffer;
}

export interface JournalRow extends JournalFrame {
  seq: number;
  prevHash: string;
  hash: string;
}

export function chainHash(prevHash: string, frame: JournalFrame, key?: string): string {
  const content = sha256(frame.frame, 'hex');
  const link = [prevHash, frame.at, frame.chargePointId ?? '', frame.direction, frame.protocol, content].join('\n');
  return key ? createHmac('sha256', key).update(link).digest('hex') : sha256(link, 'hex');
}
