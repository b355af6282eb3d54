// Waiting for SQLite's write lock without holding up the event loop.
//
// better-sqlite3 runs every statement on the main thread, so SQLite's own busy handler (the
// busy_timeout pragma) waits there: while another process held the file's write lock (a sqlite3
// shell left in a transaction, an operator's UPDATE from OPERATIONS.md, a second node on the same
// file by mistake), every batch waited up to 5 s per statement with the whole node frozen: no
// charge point's frames read, no ping answered, /health silent (an audit measured 10 s stalls).
// Instead a batch takes the lock when it begins (BEGIN IMMEDIATE, with no busy wait), and while
// SQLite says the file is busy it tries again after a timer, the event loop free meanwhile.

/** How long a batch waits for another process's write lock before its units fail (SQLite's 5 s before). */
export const WRITE_LOCK_WAIT_MS = 5_000;

/** The longest pause between two tries: short against a lock held for a moment, cheap for a long one. */
const LONGEST_PAUSE_MS = 25;

/** A batch could not begin: another process held the SQLite file's write lock all that time. */
export class WriteLockTimeout extends Error {
  readonly code = 'SQLITE_BUSY';

  constructor(waitedMs: number, cause: unknown) {
    super(
      `the SQLite file stayed locked by another process for ${Math.round(waitedMs)} ms, so nothing could be written: a program holding a write transaction on it (a sqlite3 shell, a second node on the same file) keeps this node's writes waiting`,
      { cause },
    );
    this.name = 'WriteLockTimeout';
  }
}

/** SQLite's answer when another connection holds the lock asked for (SQLITE_BUSY and its extended codes). */
export const lockedByAnother = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/**
 * Runs `transaction` (which begins by taking the write lock, and calls `began` once it has it),
 * trying again after a pause while it fails busy before it began, for `limitMs` at most. A failure
 * once it began is its own: the units ran, and their errors are theirs.
 */
export async function whenUnlocked<T>(transaction: (began: () => void) => Promise<T>, limitMs = WRITE_LOCK_WAIT_MS): Promise<T> {
  const start = performance.now();
  for (let pause = 1; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    let begun = false;
    try {
      return await transaction(() => {
        begun = true;
      });
    } catch (error) {
      if (begun || !lockedByAnother(error)) throw error;
      const waited = performance.now() - start;
      if (waited >= limitMs) throw new WriteLockTimeout(waited, error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, limitMs - waited)));
    }
  }
}
