/**
 * The embedded store's read cache: object records by key and inline bodies by blob id, so a
 * GET of a small object that was read before costs two Map lookups instead of two SQLite
 * queries (about a sixth of a 4 KiB GET's CPU, bench/README.md "The GET path").
 *
 * Exactness (read-after-write stays exact):
 * - Every write of this connection to an object row drops that key (`forget`) in the same
 *   synchronous call that writes the row, and the cache is filled only from committed state:
 *   writes run and commit inside one synchronous call (write-batch.ts), so no read can come in
 *   between. A transaction that rolls back has dropped keys it did not change: harmless.
 * - Writes of other connections (the workers of `--workers`) are detected by SQLite's
 *   `PRAGMA data_version`, which changes when another connection commits: checked before
 *   every lookup when the database is shared, and the records are dropped whole.
 * - Inline bodies never change: a blob id is never reused, so a cached body can only be
 *   reached through a record that still names it. They go when freed, or by LRU.
 *
 * Cached records are shared by requests: they are frozen, so no caller can change one.
 */
import { LruMap } from '../../util/lru.js';
import type { ObjectRecord } from '../types.js';

/** Records kept at most. */
export const RECORD_CACHE_ENTRIES = 16_384;
/** Bytes of inline bodies kept at most. */
export const INLINE_CACHE_BYTES = 64 * 2 ** 20;

export class ReadCache {
  /** `bucket \n key` → record. */
  private readonly records: LruMap<string, ObjectRecord>;
  /** blob id → whole inline body, least recently used first. */
  private readonly inline = new Map<string, Buffer>();
  private inlineBytes = 0;

  constructor(
    /** Another connection's commit since the last call (shared databases only). */
    private readonly othersCommitted: () => boolean,
    maxRecords = RECORD_CACHE_ENTRIES,
    private readonly maxInlineBytes = INLINE_CACHE_BYTES,
  ) {
    this.records = new LruMap(maxRecords);
  }

  /** The cached record of a key, if any (marked most recently used). */
  record(bucket: string, key: string): ObjectRecord | undefined {
    if (this.othersCommitted()) this.records.clear();
    return this.records.get(bucket + '\n' + key);
  }

  /** Keeps a record read from committed state; returns it frozen. */
  keep(record: ObjectRecord): ObjectRecord {
    this.records.set(record.bucket + '\n' + record.key, deepFreeze(record));
    return record;
  }

  /** Drops a key whose row this connection writes. */
  forget(bucket: string, key: string): void {
    this.records.delete(bucket + '\n' + key);
  }

  /** The cached whole inline body of `blobId`, if any (marked most recently used). */
  inlineBody(blobId: string): Buffer | undefined {
    const cached = this.inline.get(blobId);
    if (cached !== undefined) {
      this.inline.delete(blobId);
      this.inline.set(blobId, cached);
    }
    return cached;
  }

  /** Keeps the whole inline body of `blobId`, evicting the least recently used beyond the bound. */
  keepInline(blobId: string, body: Buffer): void {
    if (body.length > this.maxInlineBytes / 16) return;
    this.inline.set(blobId, body);
    this.inlineBytes += body.length;
    for (const [id, old] of this.inline) {
      if (this.inlineBytes <= this.maxInlineBytes) break;
      this.inline.delete(id);
      this.inlineBytes -= old.length;
    }
  }

  /** Drops an inline body that is being deleted. */
  forgetInline(blobId: string): void {
    const body = this.inline.get(blobId);
    if (body === undefined) return;
    this.inline.delete(blobId);
    this.inlineBytes -= body.length;
  }
}

function deepFreeze(record: ObjectRecord): ObjectRecord {
  Object.freeze(record.content);
  Object.freeze(record.metadata);
  Object.freeze(record.checksums);
  for (const segment of record.segments) {
    if (segment.checksums) Object.freeze(segment.checksums);
    Object.freeze(segment);
  }
  Object.freeze(record.segments);
  return Object.freeze(record);
}
