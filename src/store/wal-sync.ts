// Durability of SQLite commits without stopping the event loop. The database runs in WAL mode with
// `synchronous = NORMAL`: COMMIT appends the transaction to the -wal file (into the OS page cache)
// and returns at once, and this class makes it durable with an fdatasync of that file on libuv's
// thread pool — the same sync `synchronous = FULL` would have done inside COMMIT, on the main
// thread, where it stopped every connection for the length of a disk flush. Requests coalesce: one
// sync runs at a time, and every request made while it runs is served by the next one, which
// covers every commit made before it started. A failed sync fails every later one too: after a
// failed fdatasync the kernel may have dropped the unwritten pages, so a later sync that succeeds
// would not prove the earlier commits durable (PostgreSQL stops for the same reason).
import { open, type FileHandle } from 'node:fs/promises';

/** The sync could not open the WAL for want of file descriptors: this sync failed, the next one tries again. */
class OutOfDescriptors extends Error {}

export class WalSync {
  private handle: Promise<FileHandle> | undefined;
  /** The sync running now, if any. */
  private running: Promise<void> | undefined;
  /** The sync that will start when the running one ends, shared by everyone who asked meanwhile. */
  private next: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(private readonly walPath: string) {}

  /** Resolves once everything committed before this call is on disk. */
  sync(): Promise<void> {
    if (!this.running) return (this.running = this.flush());
    // The running sync may have started before the caller's commit: wait for a fresh one.
    this.next ??= this.running.then(
      () => this.promoteNext(),
      () => this.promoteNext(),
    );
    return this.next;
  }

  /**
   * Why commits can no longer be made durable, once a sync has failed. Nothing may commit after
   * that (the store rolls its batches back instead): committed, a write that every caller is told
   * was refused would be there all the same.
   */
  get failed(): Error | undefined {
    return this.failure;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.running, this.next]);
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.then((h) => h.close(), () => undefined);
  }

  /**
   * The -wal file, opened at the first sync. fdatasync flushes the file's data whichever descriptor
   * asks, so a read-only one will do. With no descriptor left in the process (a node at its
   * open-file limit in a reconnection storm) the open fails this sync alone: no sync has failed,
   * nothing is lost, and the next sync opens it again; its fdatasync covers the commits this one
   * could not, which are in the same file. Any other failure to open it (the file gone) lasts.
   */
  private async opened(): Promise<FileHandle> {
    this.handle ??= open(this.walPath, 'r');
    try {
      return await this.handle;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EMFILE' && code !== 'ENFILE') throw error;
      this.handle = undefined;
      throw new OutOfDescriptors(`Could not sync the commit yet: no file descriptor left to open ${this.walPath} (${code}); tried again at the next commit`);
    }
  }

  private promoteNext(): Promise<void> {
    this.next = undefined;
    return (this.running = this.flush());
  }

  private async flush(): Promise<void> {
    try {
      if (this.failure) throw this.failure;
      await (await this.opened()).datasync();
    } catch (error) {
      if (error instanceof OutOfDescriptors) throw error;
      this.failure ??= new Error(`Commits can no longer be made durable (sync of ${this.walPath} failed: ${(error as Error).message}); restart Tomada`);
      throw this.failure;
    } finally {
      // A later request starts a new sync rather than joining a finished one.
      if (!this.next) this.running = undefined;
    }
  }
}
