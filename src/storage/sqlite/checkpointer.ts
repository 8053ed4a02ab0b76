import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { CheckpointResult, CheckpointWorkerData } from './checkpoint-worker.js';

/** Write transactions between two checkpoint requests (SQLite's own default is per 1000 WAL pages). */
const COMMITS_PER_CHECKPOINT = 100;
/**
 * WAL frames (4 KiB pages) after which the server's own connection checkpoints and restarts
 * the WAL. Under sustained writes a checkpoint on another connection never catches up with
 * the last frame, and SQLite only rewinds a WAL that was checkpointed to its end.
 */
const MAX_WAL_FRAMES = 16_384;
/**
 * Write transactions after which the connection checkpoints itself while the thread's answer
 * is still out: the answer is a message, and a caller that never lets the event loop poll
 * (writes chained only through promises) would otherwise never see it while the WAL grows.
 */
const STALLED_COMMITS = 20 * COMMITS_PER_CHECKPOINT;
/** How long close waits for the thread to close its connection (a checkpoint may be running). */
const CLOSE_WAIT_MS = 5_000;

/**
 * Checkpoints the WAL on a worker thread. SQLite's automatic checkpoint runs inside the commit
 * that crosses its threshold, on the event loop, with two fsyncs (WAL, then database): with
 * fsync on, ~6% of the server's time under small PUTs (bench/README.md), and a stall for every
 * request in flight. Here the connection's automatic checkpoint is off; every
 * COMMITS_PER_CHECKPOINT write transactions the thread is asked for a PASSIVE checkpoint,
 * and when it reports a WAL longer than MAX_WAL_FRAMES the connection checkpoints once itself,
 * between two of its own writes (little is left to copy by then), so that the next write
 * rewinds the WAL and it stays bounded. PASSIVE there too: it never waits for another
 * process's readers. If the thread fails, the connection goes back to automatic checkpoints.
 */
export class Checkpointer {
  private worker: Worker | undefined;
  /** Checkpoints the thread ran, and those the connection ran itself (tests, diagnostics). */
  readonly counts = { thread: 0, connection: 0 };
  private commits = 0;
  private running = false;
  private closed = false;
  private exited = false;
  /** Set to 1 by the thread once its connection is closed (checkpoint-worker.ts). */
  private readonly threadClosed = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly db: Database.Database,
    private readonly fsync: boolean,
  ) {
    db.pragma('wal_autocheckpoint = 0');
  }

  /** Counts one committed write transaction. */
  committed(): void {
    this.commits++;
    if (this.closed) return;
    if (this.running) {
      if (this.commits >= STALLED_COMMITS) {
        this.commits = 0;
        this.catchUp();
      }
      return;
    }
    if (this.commits < COMMITS_PER_CHECKPOINT) return;
    this.commits = 0;
    this.running = true;
    this.worker ??= this.startWorker();
    this.worker.postMessage('checkpoint');
  }

  /**
   * Stops the thread, and waits until its connection is closed: after close no other thread
   * has the database open (a caller may remove the directory), and the connection's own close,
   * the last one, then checkpoints what is left and removes the WAL.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.worker === undefined) return;
    this.worker.postMessage('close');
    if (!this.exited) Atomics.wait(this.threadClosed, 0, 0, CLOSE_WAIT_MS);
  }

  private startWorker(): Worker {
    const data: CheckpointWorkerData = { path: this.db.name, fsync: this.fsync, closed: this.threadClosed };
    const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: data });
    // Never what keeps the process alive.
    worker.unref();
    worker.on('message', (result: CheckpointResult) => this.done(result));
    worker.on('error', () => this.fallBack());
    worker.on('exit', () => {
      this.exited = true;
      if (!this.closed) this.fallBack();
    });
    return worker;
  }

  private done(result: CheckpointResult): void {
    this.running = false;
    if (result.log >= 0) this.counts.thread++;
    if (this.closed) return;
    if (result.log > MAX_WAL_FRAMES) this.catchUp();
  }

  private catchUp(): void {
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
      this.counts.connection++;
    } catch {
      // Busy (another process's checkpoint): the next round tries again.
    }
  }

  private fallBack(): void {
    this.running = false;
    if (this.closed) return;
    this.closed = true;
    this.worker = undefined;
    try {
      this.db.pragma('wal_autocheckpoint = 1000');
    } catch {
      // The connection is closing.
    }
  }
}
