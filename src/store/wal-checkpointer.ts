// Copies the SQLite write-ahead log back into the database file from a worker thread. SQLite's own
// automatic checkpoint runs inside whichever COMMIT crosses its threshold, on the main thread,
// with two fsyncs: it made the average COMMIT about 1.6 times longer, and every charge point
// waited meanwhile (docs/PERFORMANCE.md). Here a second connection, in its own thread, runs PASSIVE
// checkpoints, which never block the writer; the main connection keeps a far higher automatic
// threshold only as a backstop, should this thread ever fall behind or stop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints (ms): small enough that the WAL stays a few MB under load. */
const DEFAULT_INTERVAL_MS = 200;

// The worker is plain CommonJS given as text, so it runs the same from dist/ and under tsx.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointLog {
  warn(detail: Record<string, unknown>, message: string): void;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(path: string, log?: CheckpointLog, intervalMs = DEFAULT_INTERVAL_MS) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { path, driver, intervalMs } });
    // A busy database only delays a checkpoint; anything else is worth a line in the log.
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error && !/busy|locked/i.test(message.error)) log?.warn({ err: message.error }, 'WAL checkpoint failed');
    });
    this.worker.on('error', (error) => log?.warn({ err: error.message }, 'WAL checkpoint thread stopped: SQLite checkpoints on commit again'));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // The thread never keeps the process alive on its own.
    this.worker.unref();
  }

  async close(): Promise<void> {
    // Waiting for the thread to end must keep the process alive until it has.
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}
