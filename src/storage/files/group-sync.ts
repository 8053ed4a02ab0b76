import fs from 'node:fs';

/**
 * Group commit for fsync: many writers wait on one flush. `sync()` resolves once a flush that
 * *started after the call* has finished, so everything written before the call is durable.
 * Up to `maxInFlight` flushes overlap: a caller arriving while fewer run starts one at once;
 * callers arriving while all slots are busy share the next one to start. Flushes run in
 * libuv's thread pool, so the event loop keeps serving while the disk works.
 *
 * Overlap matters on a busy event loop: a flush's completion is seen only when the loop comes
 * round, and with one slot no flush would run meanwhile. With two, a commit made while one
 * flush runs starts its own (the kernel lets concurrent fdatasyncs of one file share a journal
 * commit): bench/README.md, "Overlapping WAL flushes".
 */
export class GroupSync {
  private inFlight = 0;
  private next: Promise<void> | undefined;
  /** Flushes done; for tests and metrics. */
  flushes = 0;

  constructor(
    private readonly flush: () => Promise<void>,
    private readonly maxInFlight = 1,
  ) {}

  sync(): Promise<void> {
    if (this.inFlight < this.maxInFlight) return this.start();
    // Every slot runs a flush that may have started before our write: share the next one.
    this.next ??= new Promise<void>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    return this.next;
  }

  /** Settles the shared next flush once it has run. */
  private waiting: { resolve: () => void; reject: (err: unknown) => void } | undefined;

  private start(): Promise<void> {
    this.inFlight++;
    const run = this.flush();
    void run.then(
      () => this.finished(),
      () => this.finished(),
    );
    return run;
  }

  private finished(): void {
    this.inFlight--;
    this.flushes++;
    const waiting = this.waiting;
    if (waiting === undefined) return;
    this.waiting = undefined;
    this.next = undefined;
    this.start().then(waiting.resolve, waiting.reject);
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
