// How long the disk takes to make a write durable: the floor under every acknowledgement Tomada
// sends on SQLite, where each batch is answered only after an fdatasync of its WAL (wal-sync.ts).
// Appends blocks of `bytes` to a file in `dir` (where the database will live), syncs each, and
// waits `gapMs` between them as batches do; then does the same over a file that is already full
// size, as a WAL is once SQLite reuses it after a checkpoint. Nothing else runs, so what it shows
// is the disk and the kernel, not Tomada: the server's own wait adds its CPU queueing to this.
import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Histogram } from '../lib/histogram.js';
import { log } from '../lib/report.js';

export interface DiskSyncOptions {
  dir: string;
  /** Bytes written before each sync (a batch's WAL pages). */
  bytes: number;
  syncs: number;
  /** Busy-wait between syncs (ms), as batches at least 3 ms apart leave. */
  gapMs: number;
}

export interface SyncLatency {
  syncs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface DiskSyncResult extends DiskSyncOptions {
  growing: SyncLatency;
  reused: SyncLatency;
}

function measure(path: string, options: DiskSyncOptions, reuse: boolean): SyncLatency {
  const block = Buffer.alloc(options.bytes, 0x5a);
  const histogram = new Histogram();
  // 'r+' keeps the file the first pass left, at its full size.
  const fd = openSync(path, reuse ? 'r+' : 'w');
  try {
    let offset = 0;
    for (let i = 0; i < options.syncs; i++) {
      writeSync(fd, block, 0, block.length, offset);
      offset += block.length;
      const started = performance.now();
      fdatasyncSync(fd);
      histogram.recordMs(performance.now() - started);
      const until = performance.now() + options.gapMs;
      while (performance.now() < until);
    }
  } finally {
    closeSync(fd);
  }
  const at = (q: number) => Number(histogram.percentileMs(q).toFixed(2));
  return { syncs: options.syncs, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), p999Ms: at(0.999), maxMs: Number((histogram.max / 1000).toFixed(2)) };
}

export function diskSync(options: DiskSyncOptions): DiskSyncResult {
  mkdirSync(options.dir, { recursive: true });
  const path = join(options.dir, `.tomada-disk-sync-${process.pid}.bin`);
  try {
    log(`disk-sync: ${options.syncs} × (${options.bytes} bytes, fdatasync) in ${options.dir}, a file that grows`);
    const growing = measure(path, options, false);
    // The same file again, now full size: writes land on blocks it already has.
    log('disk-sync: the same over the file at its full size');
    const reused = measure(path, options, true);
    return { ...options, growing, reused };
  } finally {
    rmSync(path, { force: true });
  }
}

export function printDiskSync(result: DiskSyncResult): void {
  console.log(`\nfdatasync after ${result.bytes} bytes, ${result.gapMs} ms apart, in ${result.dir}`);
  console.log('file     syncs  p50 ms  p90 ms  p99 ms  p999 ms  max ms');
  for (const [name, r] of [['growing', result.growing], ['reused', result.reused]] as const) {
    console.log(
      `${name.padEnd(7)}  ${String(r.syncs).padStart(5)}  ${r.p50Ms.toFixed(2).padStart(6)}  ${r.p90Ms.toFixed(2).padStart(6)}  ${r.p99Ms.toFixed(2).padStart(6)}  ${r.p999Ms.toFixed(2).padStart(7)}  ${r.maxMs.toFixed(2).padStart(6)}`,
    );
  }
}
