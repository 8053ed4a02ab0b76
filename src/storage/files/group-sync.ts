import fs from 'node:fs';

/**
 * Group commit for fsync: many writers wait on one flush. `sync()` resolves once a flush that
 * *started after the call* has finished, so everything written before the call is durable;
 * callers arriving while a flush runs share the next one. Flushes run in libuv's thread pool,
 * so the event loop keeps serving while the disk works.
 */
export class GroupSync {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** Flushes done; for tests and metrics. */
  flushes = 0;

  constructor(private readonly flush: () => Promise<void>) {}

  sync(): Promise<void> {
    if (this.running === undefined) return this.start();
    // A flush in flight may have started before our write: wait for the one after it.
    this.next ??= this.running.then(
      () => this.start(),
      () => this.start(),
    );
    return this.next;
  }

  private start(): Promise<void> {
    this.next = undefined;
    const run = this.flush().finally(() => {
      this.flushes++;
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}

/**
 * fsync of a file or directory through an fd kept open, opened on first use. With
 * `dataOnly`, fdatasync: enough for a file whose reader needs its bytes and size, not its
 * times (SQLite's own choice for its WAL on Linux), and it skips a journal commit when an
 * overwrite in place changed no size.
 */
export function pathFlusher(
  file: string,
  { dataOnly = false }: { dataOnly?: boolean } = {},
): { flush: () => Promise<void>; close: () => void } {
  const sync = dataOnly ? fs.fdatasync : fs.fsync;
  let fd: number | undefined;
  return {
    flush: () =>
      new Promise<void>((resolve, reject) => {
        fd ??= fs.openSync(file, 'r');
        sync(fd, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}
