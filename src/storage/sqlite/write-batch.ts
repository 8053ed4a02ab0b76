import type Database from 'better-sqlite3';

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

  constructor(
    private readonly db: Database.Database,
    private readonly committed: () => void,
  ) {
    // Called inside a transaction, a better-sqlite3 transaction function is a savepoint.
    const savepoint = db.transaction((write: () => unknown) => write());
    const all = db.transaction((batch: readonly Queued[]): Outcome[] =>
      batch.map((q) => {
        try {
          return { ok: true, value: savepoint(q.write) };
        } catch (error) {
          // Some errors make SQLite roll back the whole transaction: nothing of it stays.
          if (!db.inTransaction) throw new BatchRolledBack(error);
          return { ok: false, error };
        }
      }),
    );
    this.runAll = (batch) => all.immediate(batch);
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

  /** Runs what is queued now (the scheduled flush, or close). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.runAll(batch);
    } catch (err) {
      const error = err instanceof BatchRolledBack ? err.cause : err;
      for (const q of batch) q.reject(error);
      return;
    }
    this.committed();
    batch.forEach((q, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) q.resolve(outcome.value);
      else q.reject(outcome.error);
    });
  }
}
