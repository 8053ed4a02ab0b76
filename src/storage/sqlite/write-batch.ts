import type Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from './metadata-db.js';

/**
 * How a batch tries again for the write lock another process holds: at once from the event
 * loop's next turn while it has waited less than BUSY_SPIN_MS (another process's commit takes
 * well under a millisecond), then every BUSY_RETRY_MS from a timer.
 */
const BUSY_SPIN_MS = 1;
const BUSY_RETRY_MS = 1;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Queued {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Thrown inside a batch when SQLite rolled the whole transaction back (disk full, I/O error). */
class BatchRolledBack extends Error {
  constructor(override readonly cause: unknown) {
    super('the batch transaction was rolled back');
  }
}

/**
 * Group commit at the SQL level: writes asked for during one turn of the event loop run, in
 * order, in one `BEGIN IMMEDIATE … COMMIT`, each inside its own savepoint, so a write that
 * fails (a condition, a missing bucket) rolls back alone and fails alone, and the others see
 * exactly what serial transactions would have shown them. One commit instead of one per write:
 * the WAL frames of pages several writes touch are written once, and SQLite's begin and commit
 * are paid once (about a third of a 4 KiB PUT's SQLite CPU with 4 to 8 writes per batch,
 * bench/README.md). Each write's promise settles once the batch has committed; durability is
 * still the caller's wait for the WAL fsync.
 */
export class WriteBatch {
  private queue: Queued[] = [];
  private scheduled = false;
  private readonly runAll: (batch: readonly Queued[]) => Outcome[];
  /** runAll with SQLite's own (blocking) wait for the write lock: for close. */
  private readonly runAllWaiting: (batch: readonly Queued[]) => Outcome[];
  /** Since when (`performance.now()`) batches have found the write lock taken (`shared` only). */
  private busySince: number | undefined;

  /**
   * `shared`: other processes write to the database too (`--workers`). Their commits hold the
   * write lock, and SQLite's busy handler would wait for it by sleeping, which stops the whole
   * event loop for a millisecond or more at a time (every other request of the process waits
   * too). A batch asks for the lock without waiting instead, and when it is taken tries again
   * soon after (see BUSY_SPIN_MS), for as long as the busy handler would have waited.
   */
  constructor(
    db: Database.Database,
    private readonly committed: () => void,
    private readonly shared = false,
  ) {
    // Called inside a transaction, a better-sqlite3 transaction function is a savepoint.
    const savepoint = db.transaction((write: () => unknown) => write());
    const all = db.transaction((batch: readonly Queued[]): Outcome[] => {
      // The lock is held: the writes themselves wait as usual (a prepared PRAGMA would take
      // effect when prepared, not when run, so these are prepared each time).
      if (shared) db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      return batch.map((q) => {
        try {
          return { ok: true, value: savepoint(q.write) };
        } catch (error) {
          // Some errors make SQLite roll back the whole transaction: nothing of it stays.
          if (!db.inTransaction) throw new BatchRolledBack(error);
          return { ok: false, error };
        }
      });
    });
    this.runAllWaiting = (batch) => all.immediate(batch);
    this.runAll = shared
      ? (batch) => {
          db.pragma('busy_timeout = 0');
          try {
            return all.immediate(batch);
          } finally {
            db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
          }
        }
      : this.runAllWaiting;
  }

  /** Runs `write` in the next batch; settles once that batch has committed. */
  run<R>(write: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Runs what is queued now: the scheduled flush, or at close (`waitForLock`) one that waits
   * for another process's write lock in place, since no timer may run after it.
   */
  flush(waitForLock = false): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = (waitForLock ? this.runAllWaiting : this.runAll)(batch);
    } catch (err) {
      const error = err instanceof BatchRolledBack ? err.cause : err;
      if (this.shared && !waitForLock && isBusy(error) && this.stillWaiting()) {
        // Nothing of the batch ran: it goes first in the next one.
        this.queue = batch.concat(this.queue);
        this.scheduled = true;
        if (performance.now() - this.busySince! < BUSY_SPIN_MS) setImmediate(() => this.flush());
        else setTimeout(() => this.flush(), BUSY_RETRY_MS);
        return;
      }
      this.busySince = undefined;
      for (const q of batch) q.reject(error);
      return;
    }
    this.busySince = undefined;
    this.committed();
    batch.forEach((q, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) q.resolve(outcome.value);
      else q.reject(outcome.error);
    });
  }

  /** Whether a batch that found the lock taken may wait longer (as long as the busy handler would). */
  private stillWaiting(): boolean {
    const now = performance.now();
    this.busySince ??= now;
    return now - this.busySince < BUSY_TIMEOUT_MS;
  }
}

function isBusy(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'SQLITE_BUSY';
}
