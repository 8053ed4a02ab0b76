/**
 * The embedded storage backend: metadata in SQLite (metadata-db.ts), bytes in files named by
 * random ids (blob-files.ts).
 *
 * An object's bytes are a list of segments, each a whole blob: one for a PUT, one per part for
 * a completed multipart upload, one more per append. A blob belongs to exactly one row (one
 * object segment or one part), so a row change knows which blobs it frees.
 *
 * Write protocol: the caller streams bytes with `writeBlob` (complete + fsynced file), then one
 * transaction points the rows at the new blobs, and the blobs the change freed are unlinked
 * afterwards. A crash at any point leaves the old state or the new one; files no row points at
 * are swept at the next `open`. Readers lease the blobs they read (blob-leases.ts), so an
 * unlink waits for the readers of the bytes it removes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import { noSuchBucket, noSuchUpload, S3Error } from '../errors/s3-error.js';
import { BlobFiles } from './blob-files.js';
import { BlobLeases } from './blob-leases.js';
import { GroupSync, pathFlusher } from './group-sync.js';
import { checkDeleteCondition, checkWriteCondition, type DeleteCondition } from './conditions.js';
import {
  commonPrefixOf,
  firstSeek,
  firstUploadSeek,
  seekPast,
  uploadPosition,
  type Seek,
  type UploadSeek,
} from './listing.js';
import {
  bucketToRow,
  objectToRow,
  openDatabase,
  partToRow,
  prepareStatements,
  rowToBucket,
  rowToObject,
  rowToPart,
  rowToSummary,
  rowToUpload,
  uploadToRow,
  type Statements,
  type UploadRow,
} from './metadata-db.js';
import { readSpanSync, SpanReader, spansOf } from './segment-reader.js';
import type {
  BucketListPage,
  BucketRecord,
  ListObjectsPage,
  ListObjectsQuery,
  ListUploadsQuery,
  ObjectRecord,
  PartListPage,
  PartRecord,
  ServerSideEncryption,
  UploadListPage,
  UploadRecord,
  WriteCondition,
} from './types.js';

export type { DeleteCondition } from './conditions.js';
export { commonPrefixOf, compareUtf8, prefixSuccessor } from './listing.js';
export type { UploadRecord } from './types.js';

export interface EmbeddedStoreOptions {
  dataDir: string;
  /** fsync blobs, their directories and the SQLite WAL before acknowledging a write. */
  fsync: boolean;
  /**
   * Other processes use this data dir too (`--workers`): no orphan sweep at open (it would
   * delete their in-flight blobs; the primary sweeps before they start), and freed blobs are
   * unlinked only after SHARED_UNLINK_DELAY_MS, since this process's blob leases cannot see a
   * reader in another process that looked the object up just before the change.
   */
  shared?: boolean;
}

/** Bucket records cached at most (cleared whole when full: buckets are few). */
const BUCKET_CACHE_SIZE = 10_000;
/** How stale a cached bucket record may be when other processes share the data dir. */
const BUCKET_CACHE_SHARED_MS = 1000;

/** Cached records are shared by requests: no caller may change one. */
function freezeBucket(record: BucketRecord): BucketRecord {
  if (record.encryption) Object.freeze(record.encryption);
  return Object.freeze(record);
}

/** How long a freed blob stays on disk when processes share the data dir. */
export const SHARED_UNLINK_DELAY_MS = 5 * 60 * 1000;

/** What CreateMultipartUpload records; the store assigns the id. */
export type NewUpload = Omit<UploadRecord, 'uploadId'>;

/** RenameObject's `ClientToken` and a fingerprint of the request's parameters. */
export interface ClientToken {
  token: string;
  fingerprint: string;
}

/** How long a RenameObject client token is remembered. */
const CLIENT_TOKEN_TTL_MS = 60 * 60 * 1000;
/** Expired tokens are purged at most this often (by the next rename). */
const CLIENT_TOKEN_PURGE_INTERVAL_MS = 60 * 1000;

const bucketAlreadyOwnedByYou = (bucket: string): S3Error =>
  new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: bucket });

const bucketAlreadyExists = (bucket: string): S3Error =>
  new S3Error('BucketAlreadyExists', undefined, { BucketName: bucket });

const bucketNotEmpty = (bucket: string): S3Error =>
  new S3Error('BucketNotEmpty', undefined, { BucketName: bucket });

const idempotencyParameterMismatch = (): S3Error => new S3Error('IdempotencyParameterMismatch');

/**
 * Wraps `fn` in a transaction that takes the write lock up front (BEGIN IMMEDIATE), so a
 * check-then-write cannot be overtaken by another connection between the two.
 */
function immediate<A extends unknown[], R>(db: Database.Database, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A): R => tx.immediate(...args);
}

/** The blob ids of a record's segments. */
function blobsOf(record: Pick<ObjectRecord, 'segments'> | undefined): string[] {
  return record ? record.segments.map((g) => g.blobId) : [];
}

/** `ids` without those in `keep`. */
function without(ids: Iterable<string>, keep: Iterable<string>): string[] {
  const kept = new Set(keep);
  return [...ids].filter((id) => !kept.has(id));
}

export class EmbeddedStore {
  private readonly s: Statements;
  private readonly leases: BlobLeases;
  private closed = false;
  /** name → record (undefined: no such bucket) and when it was read; see getBucket. */
  private readonly bucketCache = new Map<string, { record: BucketRecord | undefined; at: number }>();
  /** Group fsync of the SQLite WAL (only when writes are fsynced). */
  private readonly wal: { sync: GroupSync; close: () => void } | undefined;
  private lastTokenPurge = 0;

  // Write transactions, built once.
  private readonly txCreateBucket: (b: BucketRecord) => void;
  private readonly txDeleteBucket: (name: string) => void;
  private readonly txCommitObject: (
    r: ObjectRecord,
    c: WriteCondition | undefined,
  ) => ObjectRecord | undefined;
  private readonly txDeleteObject: (
    bucket: string,
    key: string,
    c: DeleteCondition | undefined,
  ) => ObjectRecord | undefined;
  private readonly txUpdateObject: (
    bucket: string,
    key: string,
    build: (current: ObjectRecord | undefined) => ObjectRecord,
  ) => ObjectRecord | undefined;
  private readonly txRenameObject: (
    bucket: string,
    srcKey: string,
    dstKey: string,
    build: (src?: ObjectRecord, dst?: ObjectRecord) => ObjectRecord,
    clientToken: ClientToken | undefined,
  ) => { record?: ObjectRecord; replayed: boolean; freed: string[] };
  private readonly txCreateUpload: (u: UploadRecord) => void;
  private readonly txDeleteUpload: (uploadId: string) => string[] | undefined;
  private readonly txPutPart: (part: PartRecord) => string | undefined;
  private readonly txCompleteUpload: (
    uploadId: string,
    build: (upload: UploadRecord, parts: PartRecord[]) => ObjectRecord,
    c: WriteCondition | undefined,
  ) => { record: ObjectRecord; freed: string[] };

  private constructor(
    private readonly db: Database.Database,
    private readonly blobs: BlobFiles,
    fsync: boolean,
    private readonly shared: boolean,
  ) {
    this.s = prepareStatements(db);
    if (fsync) {
      const flusher = pathFlusher(`${db.name}-wal`);
      this.wal = { sync: new GroupSync(flusher.flush), close: flusher.close };
    }
    this.leases = new BlobLeases((blobId) => this.unlinkCommitted(blobId));
    this.txCreateBucket = immediate(db, (b) => this.createBucketRow(b));
    this.txDeleteBucket = immediate(db, (name) => this.deleteBucketRow(name));
    this.txCommitObject = immediate(db, (r, c) => this.upsertObjectRow(r, c));
    this.txDeleteObject = immediate(db, (bucket, key, c) => this.deleteObjectRow(bucket, key, c));
    this.txUpdateObject = immediate(db, (bucket, key, build) => this.updateObjectRow(bucket, key, build));
    this.txRenameObject = immediate(db, (bucket, srcKey, dstKey, build, token) =>
      this.renameObjectRows(bucket, srcKey, dstKey, build, token),
    );
    this.txCreateUpload = immediate(db, (u) => this.createUploadRow(u));
    this.txDeleteUpload = immediate(db, (uploadId) => this.deleteUploadRows(uploadId));
    this.txPutPart = immediate(db, (part) => this.putPartRow(part));
    this.txCompleteUpload = immediate(db, (uploadId, build, c) =>
      this.completeUploadRows(uploadId, build, c),
    );
  }

  static open(opts: EmbeddedStoreOptions): EmbeddedStore {
    const dataDir = path.resolve(opts.dataDir);
    const blobs = openBlobFiles(dataDir, opts.fsync);
    let db: Database.Database;
    try {
      db = openDatabase(path.join(dataDir, 'meta.sqlite3'), opts.fsync);
    } catch (err) {
      throw new Error(`cannot open the metadata database in ${dataDir}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    const store = new EmbeddedStore(db, blobs, opts.fsync, opts.shared ?? false);
    try {
      if (!opts.shared) store.removeOrphans();
    } catch (err) {
      store.close();
      throw new Error(`cannot clean up the data directory ${dataDir}: ${errorMessage(err)}`, { cause: err });
    }
    return store;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wal?.close();
    this.blobs.close();
    this.db.close();
  }

  /** Resolves once the blobs freed by earlier writes are unlinked (they go in the background). */
  blobsUnlinked(): Promise<void> {
    return this.blobs.unlinked();
  }

  /**
   * Runs `commit` (a synchronous store write) as part of a group commit: SQLite commits without
   * its own fsync, then the caller waits for one WAL fsync shared with every writer that
   * committed meanwhile. Durable when it resolves, as with a FULL commit, but concurrent writers
   * pay for one fsync instead of one each, and the event loop is not blocked while it runs.
   */
  async commitGrouped<T>(commit: () => T): Promise<T> {
    if (this.wal === undefined) return commit();
    this.db.pragma('synchronous = NORMAL');
    let result: T;
    try {
      result = commit();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
    await this.wal.sync.sync();
    return result;
  }

  // --- buckets ----------------------------------------------------------------------------

  createBucket(bucket: BucketRecord): void {
    this.bucketCache.clear();
    this.txCreateBucket(bucket);
  }

  /**
   * Every request looks its bucket up (often twice), so records are cached. This process's
   * changes clear the cache; with `shared`, another process's change (a new bucket policy,
   * say) is seen within BUCKET_CACHE_SHARED_MS.
   */
  getBucket(name: string): BucketRecord | undefined {
    const now = Date.now();
    const cached = this.bucketCache.get(name);
    if (cached !== undefined && (!this.shared || now - cached.at < BUCKET_CACHE_SHARED_MS)) {
      return cached.record;
    }
    const row = this.s.getBucket.get(name);
    const record = row && freezeBucket(rowToBucket(row));
    if (this.bucketCache.size >= BUCKET_CACHE_SIZE) this.bucketCache.clear();
    this.bucketCache.set(name, { record, at: now });
    return record;
  }

  listBuckets(ownerAccountId: string, after: string | undefined, limit: number): BucketListPage {
    if (limit <= 0) return { buckets: [] };
    // One extra row tells us whether more remain.
    const rows = this.s.listBuckets.all(ownerAccountId, after ?? '', limit + 1);
    const buckets = rows.slice(0, limit).map(rowToBucket);
    const page: BucketListPage = { buckets };
    if (rows.length > limit) page.lastReturned = buckets[buckets.length - 1]!.name;
    return page;
  }

  deleteBucket(name: string): void {
    this.bucketCache.clear();
    this.txDeleteBucket(name);
  }

  /** Sets (or with undefined removes) the bucket policy. 404 NoSuchBucket if absent. */
  setBucketPolicy(name: string, policy: string | undefined): void {
    this.bucketCache.clear();
    if (this.s.setBucketPolicy.run(policy ?? null, name).changes === 0) throw noSuchBucket(name);
  }

  /** Sets (or with undefined resets to SSE-S3) the default encryption. 404 NoSuchBucket if absent. */
  setBucketEncryption(name: string, encryption: ServerSideEncryption | undefined): void {
    const json = encryption === undefined ? null : JSON.stringify(encryption);
    this.bucketCache.clear();
    if (this.s.setBucketEncryption.run(json, name).changes === 0) throw noSuchBucket(name);
  }

  private createBucketRow(bucket: BucketRecord): void {
    const existing = this.s.getBucket.get(bucket.name);
    if (existing) {
      throw existing.owner_account_id === bucket.ownerAccountId
        ? bucketAlreadyOwnedByYou(bucket.name)
        : bucketAlreadyExists(bucket.name);
    }
    this.s.insertBucket.run(bucketToRow(bucket));
  }

  private deleteBucketRow(name: string): void {
    if (!this.s.getBucket.get(name)) throw noSuchBucket(name);
    // In-progress multipart uploads keep a directory bucket alive ("DeleteBucket",
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html).
    if (this.s.bucketHasObjects.get(name) || this.s.bucketHasUploads.get(name)) throw bucketNotEmpty(name);
    this.s.deleteBucket.run(name);
    // A bucket created later under the same name must not replay this one's renames.
    this.s.deleteClientTokensOfBucket.run(name);
  }

  // --- blobs ------------------------------------------------------------------------------

  writeBlob(source: Readable): Promise<{ blobId: string; size: number }> {
    return this.blobs.write(source);
  }

  /** Removes a blob no row references (a write that will not be committed). Waits for leases. */
  discardBlob(blobId: string): void {
    this.blobs.pathOf(blobId); // validate
    this.unlinkRefused([blobId]);
  }

  /** Streams one blob; its fd is opened now (see BlobFiles.open). Prefer `openObject`. */
  openBlob(blobId: string, range?: { start: number; end: number }): Readable {
    return this.blobs.open(blobId, range);
  }

  // --- objects ----------------------------------------------------------------------------

  getObject(bucket: string, key: string): ObjectRecord | undefined {
    const row = this.s.getObject.get(bucket, key);
    return row && rowToObject(row);
  }

  /**
   * Streams bytes [start, end] (inclusive; the whole object when omitted) across the record's
   * segments, in order. Leases every blob it will read before returning, until the stream
   * ends, fails or is destroyed; unlinks of those blobs wait for it. Call it in the same tick
   * as the lookup that produced `record`: a blob unlinked before the lease is taken is gone
   * (the stream then fails with ENOENT). Files are opened one segment at a time.
   */
  openObject(record: ObjectRecord, range?: { start: number; end: number }): Readable {
    const wanted = range ?? (record.size === 0 ? undefined : { start: 0, end: record.size - 1 });
    const spans = wanted === undefined ? [] : spansOf(record.segments, wanted);
    const files = spans.map((span) => ({
      path: this.blobs.pathOf(span.blobId),
      start: span.start,
      end: span.end,
    }));
    const release = this.leases.acquire(spans.map((span) => span.blobId));
    return new SpanReader(files, release);
  }

  /**
   * Bytes [start, end] (inclusive) read synchronously into one buffer: the fast path for small
   * reads, where a stream's thread-pool round trips cost more than the copy. Needs no lease:
   * nothing in this process can unlink a blob between the lookup and this read.
   */
  readSmall(record: ObjectRecord, range: { start: number; end: number }): Buffer {
    const out = Buffer.allocUnsafe(range.end - range.start + 1);
    let at = 0;
    for (const span of spansOf(record.segments, range)) {
      at += readSpanSync(this.blobs.pathOf(span.blobId), span, out, at);
    }
    return out;
  }

  /**
   * Makes `record` the current object of its key if `condition` holds at commit time, then
   * unlinks the previous object's blobs that `record` does not reuse. On failure the record's
   * blobs that the current object does not use are discarded.
   */
  commitObject(record: ObjectRecord, condition?: WriteCondition): ObjectRecord {
    let previous: ObjectRecord | undefined;
    try {
      this.checkRecord(record);
      previous = this.txCommitObject(record, condition);
    } catch (err) {
      this.discardUncommitted(record);
      throw err;
    }
    this.unlinkFreed(without(blobsOf(previous), blobsOf(record)));
    return record;
  }

  /** Deletes the object (undefined if there was none) and unlinks its blobs after commit. */
  deleteObject(bucket: string, key: string, condition?: DeleteCondition): ObjectRecord | undefined {
    const deleted = this.txDeleteObject(bucket, key, condition);
    this.unlinkFreed(blobsOf(deleted));
    return deleted;
  }

  /**
   * Atomic read-modify-write of one key (e.g. an append): `build` gets the current record
   * (undefined if none; 404 NoSuchBucket first if the bucket is gone) and returns the new one
   * or throws. After commit, the old record's blobs the new one does not contain are unlinked.
   * If the write of a built record fails, its blobs the old record does not contain are
   * discarded. If `build` itself throws (or the bucket is gone), the store never saw the new
   * blobs: the caller discards them.
   */
  updateObject(
    bucket: string,
    key: string,
    build: (current: ObjectRecord | undefined) => ObjectRecord,
  ): ObjectRecord {
    let built: ObjectRecord | undefined;
    let previous: ObjectRecord | undefined;
    try {
      previous = this.txUpdateObject(bucket, key, (current) => (built = build(current)));
    } catch (err) {
      if (built) this.discardUncommitted(built);
      throw err;
    }
    this.unlinkFreed(without(blobsOf(previous), blobsOf(built)));
    return built!;
  }

  /**
   * RenameObject within a bucket, in one transaction: `build(src, dst)` (either may be
   * undefined) returns the record to store at `dstKey`, whose segments must be the source's,
   * or throws. The source row is deleted and the destination replaced; the destination's
   * previous blobs are unlinked after commit (never the moved ones).
   *
   * With a client token already recorded for the bucket (within the last hour): the same
   * fingerprint replays — `{ record: current destination, replayed: true }`, no change — and a
   * different one is 400 IdempotencyParameterMismatch. Otherwise the token is recorded.
   */
  renameObject(
    bucket: string,
    srcKey: string,
    dstKey: string,
    build: (src?: ObjectRecord, dst?: ObjectRecord) => ObjectRecord,
    clientToken?: ClientToken,
  ): { record?: ObjectRecord; replayed: boolean } {
    const { freed, ...result } = this.txRenameObject(bucket, srcKey, dstKey, build, clientToken);
    this.unlinkFreed(freed);
    return result;
  }

  /**
   * Lists keys under `q.prefix` in UTF-8 byte order (SQLite BINARY collation), rolling keys
   * up into common prefixes at `q.delimiter`. Each common prefix costs one index seek, however
   * many keys it hides. Segments are not read.
   */
  listObjects(q: ListObjectsQuery): ListObjectsPage {
    const page: ListObjectsPage = { objects: [], commonPrefixes: [], isTruncated: false };
    if (q.maxKeys <= 0) return page;
    let seek = firstSeek(q);
    while (seek !== undefined) seek = this.scanObjectsFrom(q, seek, page);
    return page;
  }

  countObjects(bucket: string): number {
    return this.s.countObjects.get(bucket)!.n;
  }

  /** Returns the previous object of the key, if any; throws when the condition fails. */
  private upsertObjectRow(
    record: ObjectRecord,
    condition: WriteCondition | undefined,
  ): ObjectRecord | undefined {
    if (!this.s.getBucket.get(record.bucket)) throw noSuchBucket(record.bucket);
    const row = this.s.getObject.get(record.bucket, record.key);
    checkWriteCondition(row && { etag: row.etag }, condition, record.key);
    this.s.upsertObject.run(objectToRow(record));
    return row && rowToObject(row);
  }

  private deleteObjectRow(bucket: string, key: string, condition: DeleteCondition | undefined) {
    const row = this.s.getObject.get(bucket, key);
    if (!row) {
      if (!this.s.getBucket.get(bucket)) throw noSuchBucket(bucket);
      return undefined;
    }
    const current = rowToObject(row);
    checkDeleteCondition(current, condition);
    this.s.deleteObject.run(bucket, key);
    return current;
  }

  /** Returns the previous object. */
  private updateObjectRow(
    bucket: string,
    key: string,
    build: (current: ObjectRecord | undefined) => ObjectRecord,
  ): ObjectRecord | undefined {
    if (!this.s.getBucket.get(bucket)) throw noSuchBucket(bucket);
    const row = this.s.getObject.get(bucket, key);
    const current = row && rowToObject(row);
    const next = build(current);
    if (next.bucket !== bucket || next.key !== key) {
      throw new Error(`updateObject of ${bucket}/${key} built a record for ${next.bucket}/${next.key}`);
    }
    this.checkRecord(next);
    this.s.upsertObject.run(objectToRow(next));
    return current;
  }

  private renameObjectRows(
    bucket: string,
    srcKey: string,
    dstKey: string,
    build: (src?: ObjectRecord, dst?: ObjectRecord) => ObjectRecord,
    clientToken: ClientToken | undefined,
  ): { record?: ObjectRecord; replayed: boolean; freed: string[] } {
    if (!this.s.getBucket.get(bucket)) throw noSuchBucket(bucket);
    const now = Date.now();
    this.purgeClientTokens(now);
    if (clientToken) {
      const seen = this.s.getClientToken.get(bucket, clientToken.token, now - CLIENT_TOKEN_TTL_MS);
      if (seen) {
        if (seen.fingerprint !== clientToken.fingerprint) throw idempotencyParameterMismatch();
        const dstRow = this.s.getObject.get(bucket, dstKey);
        return { record: dstRow && rowToObject(dstRow), replayed: true, freed: [] };
      }
    }
    const srcRow = this.s.getObject.get(bucket, srcKey);
    const dstRow = this.s.getObject.get(bucket, dstKey);
    const src = srcRow && rowToObject(srcRow);
    const dst = dstRow && rowToObject(dstRow);
    const record = build(src, dst);
    if (record.bucket !== bucket || record.key !== dstKey) {
      throw new Error(
        `renameObject to ${bucket}/${dstKey} built a record for ${record.bucket}/${record.key}`,
      );
    }
    this.checkRecord(record);
    const foreign = without(blobsOf(record), blobsOf(src));
    if (foreign.length > 0) throw new Error(`renameObject must move the source's blobs, not ${foreign[0]}`);
    if (src) this.s.deleteObject.run(bucket, srcKey);
    this.s.upsertObject.run(objectToRow(record));
    if (clientToken) {
      this.s.putClientToken.run({
        bucket,
        token: clientToken.token,
        fingerprint: clientToken.fingerprint,
        created_at: now,
      });
    }
    return { record, replayed: false, freed: without([...blobsOf(src), ...blobsOf(dst)], blobsOf(record)) };
  }

  /** Drops expired client tokens, at most once a minute (an indexed range delete). */
  private purgeClientTokens(now: number): void {
    if (now - this.lastTokenPurge < CLIENT_TOKEN_PURGE_INTERVAL_MS) return;
    this.lastTokenPurge = now;
    this.s.purgeClientTokens.run(now - CLIENT_TOKEN_TTL_MS);
  }

  /**
   * Reads keys from `seek` until the page is full, the prefix range ends, or a common prefix
   * is emitted. Returns where to seek next, or undefined when the listing is done.
   */
  private scanObjectsFrom(q: ListObjectsQuery, seek: Seek, page: ListObjectsPage): Seek | undefined {
    const statement = seek.inclusive ? this.s.objectsFrom : this.s.objectsAfter;
    // Leaving this loop early (return) closes the iterator and resets the statement.
    for (const row of statement.iterate(q.bucket, seek.key)) {
      if (!row.key.startsWith(q.prefix)) return undefined;
      if (page.objects.length + page.commonPrefixes.length === q.maxKeys) {
        page.isTruncated = true;
        return undefined;
      }
      const common = commonPrefixOf(row.key, q.prefix, q.delimiter);
      if (common === undefined) {
        page.objects.push(rowToSummary(row));
        page.lastReturned = row.key;
        continue;
      }
      page.commonPrefixes.push(common);
      page.lastReturned = common;
      return seekPast(common);
    }
    return undefined;
  }

  // --- multipart uploads ------------------------------------------------------------------

  /** Records a new upload; returns its id (43 url-safe chars). 404 NoSuchBucket if the bucket is gone. */
  createUpload(u: NewUpload): string {
    const uploadId = randomBytes(32).toString('base64url');
    this.txCreateUpload({ ...u, uploadId });
    return uploadId;
  }

  getUpload(uploadId: string): UploadRecord | undefined {
    const row = this.s.getUpload.get(uploadId);
    return row && rowToUpload(row);
  }

  /** Deletes the upload and its parts (unlinking their blobs); false when there was no such upload. */
  deleteUpload(uploadId: string): boolean {
    const partBlobs = this.txDeleteUpload(uploadId);
    if (partBlobs === undefined) return false;
    this.unlinkFreed(partBlobs);
    return true;
  }

  /**
   * Records (or replaces) a part. 404 NoSuchUpload if the upload is gone; on any failure the
   * part's blob is discarded. A replaced part's blob is unlinked after commit.
   */
  putPart(part: PartRecord): void {
    let previousBlob: string | undefined;
    try {
      this.blobs.pathOf(part.blobId);
      if (!Number.isSafeInteger(part.partNumber) || part.partNumber < 1) {
        throw new Error(`invalid part number ${part.partNumber}`);
      }
      previousBlob = this.txPutPart(part);
    } catch (err) {
      this.discardUncommittedPart(part);
      throw err;
    }
    if (previousBlob !== undefined && previousBlob !== part.blobId) this.unlinkFreed([previousBlob]);
  }

  /** Parts in part-number order strictly after `afterPartNumber`, at most `limit`. */
  listParts(uploadId: string, afterPartNumber: number, limit: number): PartListPage {
    const rows = this.s.partsAfter.all(uploadId, afterPartNumber, Math.max(limit, 0) + 1);
    const parts = rows.slice(0, Math.max(limit, 0)).map(rowToPart);
    const page: PartListPage = { parts, isTruncated: rows.length > parts.length };
    if (page.isTruncated) page.nextPartNumberMarker = parts[parts.length - 1]?.partNumber ?? afterPartNumber;
    return page;
  }

  /** All parts of an upload, in part-number order. */
  allParts(uploadId: string): PartRecord[] {
    return this.s.allParts.all(uploadId).map(rowToPart);
  }

  /**
   * Uploads of a bucket under `q.prefix`, ordered by (key, initiated, uploadId), rolled up at
   * `q.delimiter` like `listObjects`. `lastReturned`/`after` are opaque positions: an
   * upload's (see `uploadPosition`) or a common prefix. Any string is a valid `after`.
   */
  listUploads(q: ListUploadsQuery): UploadListPage {
    const page: UploadListPage = { uploads: [], commonPrefixes: [], isTruncated: false };
    if (q.maxUploads <= 0) return page;
    let seek = firstUploadSeek(q);
    while (seek !== undefined) seek = this.scanUploadsFrom(q, seek, page);
    return page;
  }

  /**
   * CompleteMultipartUpload in one transaction: 404 NoSuchUpload if the upload is gone;
   * `build(upload, parts)` returns the object (its segments are blobs of parts it used) or
   * throws (e.g. InvalidPart); `condition` is checked against the current object as in
   * `commitObject`; then the object is written and the upload and its parts deleted. After
   * commit, blobs of unused parts and of the previous object are unlinked. On failure nothing
   * changes: the upload and its parts stay.
   */
  completeUpload(
    uploadId: string,
    build: (upload: UploadRecord, parts: PartRecord[]) => ObjectRecord,
    condition?: WriteCondition,
  ): ObjectRecord {
    const { record, freed } = this.txCompleteUpload(uploadId, build, condition);
    this.unlinkFreed(freed);
    return record;
  }

  /** The number of uploads in progress in a bucket. */
  countUploads(bucket: string): number {
    return this.s.countUploads.get(bucket)!.n;
  }

  private createUploadRow(u: UploadRecord): void {
    if (!this.s.getBucket.get(u.bucket)) throw noSuchBucket(u.bucket);
    this.s.insertUpload.run(uploadToRow(u));
  }

  private deleteUploadRows(uploadId: string): string[] | undefined {
    if (!this.s.getUpload.get(uploadId)) return undefined;
    const blobIds = this.s.partBlobsOfUpload.all(uploadId).map((p) => p.blob_id);
    this.s.deletePartsOfUpload.run(uploadId);
    this.s.deleteUpload.run(uploadId);
    return blobIds;
  }

  /** Returns the blob of the part this one replaces, if any. */
  private putPartRow(part: PartRecord): string | undefined {
    if (!this.s.getUpload.get(part.uploadId)) throw noSuchUpload(part.uploadId);
    const previous = this.s.getPart.get(part.uploadId, part.partNumber);
    this.s.upsertPart.run(partToRow(part));
    return previous?.blob_id;
  }

  private completeUploadRows(
    uploadId: string,
    build: (upload: UploadRecord, parts: PartRecord[]) => ObjectRecord,
    condition: WriteCondition | undefined,
  ): { record: ObjectRecord; freed: string[] } {
    const uploadRow = this.s.getUpload.get(uploadId);
    if (!uploadRow) throw noSuchUpload(uploadId);
    const upload = rowToUpload(uploadRow);
    if (!this.s.getBucket.get(upload.bucket)) throw noSuchBucket(upload.bucket);
    const parts = this.s.allParts.all(uploadId).map(rowToPart);
    const record = build(upload, parts);
    if (record.bucket !== upload.bucket || record.key !== upload.key) {
      throw new Error(`upload of ${upload.bucket}/${upload.key} completed as ${record.bucket}/${record.key}`);
    }
    this.checkRecord(record);
    const partBlobs = parts.map((p) => p.blobId);
    const foreign = without(blobsOf(record), partBlobs);
    if (foreign.length > 0)
      throw new Error(`completeUpload may only use its parts' blobs, not ${foreign[0]}`);

    const currentRow = this.s.getObject.get(upload.bucket, upload.key);
    checkWriteCondition(currentRow && { etag: currentRow.etag }, condition, upload.key);
    this.s.upsertObject.run(objectToRow(record));
    this.s.deletePartsOfUpload.run(uploadId);
    this.s.deleteUpload.run(uploadId);
    const previous = currentRow && rowToObject(currentRow);
    return { record, freed: without([...partBlobs, ...blobsOf(previous)], blobsOf(record)) };
  }

  /** Like `scanObjectsFrom`, over uploads; one key may hold several uploads. */
  private scanUploadsFrom(
    q: ListUploadsQuery,
    seek: Seek | UploadSeek,
    page: UploadListPage,
  ): Seek | undefined {
    for (const row of this.uploadRowsFrom(q.bucket, seek)) {
      if (!row.key.startsWith(q.prefix)) return undefined;
      if (page.uploads.length + page.commonPrefixes.length === q.maxUploads) {
        page.isTruncated = true;
        return undefined;
      }
      const common = commonPrefixOf(row.key, q.prefix, q.delimiter);
      if (common === undefined) {
        const upload = rowToUpload(row);
        page.uploads.push(upload);
        page.lastReturned = uploadPosition(upload);
        continue;
      }
      page.commonPrefixes.push(common);
      page.lastReturned = common;
      return seekPast(common);
    }
    return undefined;
  }

  private uploadRowsFrom(bucket: string, seek: Seek | UploadSeek): IterableIterator<UploadRow> {
    if ('uploadId' in seek) {
      return this.s.uploadsAfterUpload.iterate(bucket, seek.key, seek.initiated, seek.uploadId);
    }
    return seek.inclusive
      ? this.s.uploadsFrom.iterate(bucket, seek.key)
      : this.s.uploadsAfterKey.iterate(bucket, seek.key);
  }

  // --- housekeeping -----------------------------------------------------------------------

  /**
   * Rejects a record that could corrupt the store: a malformed blob id, a negative size,
   * one blob in two segments, or sizes that do not add up. These are bugs, not client errors.
   */
  private checkRecord(record: ObjectRecord): void {
    const ids = new Set<string>();
    let total = 0;
    for (const segment of record.segments) {
      this.blobs.pathOf(segment.blobId);
      if (!Number.isSafeInteger(segment.size) || segment.size < 0) {
        throw new Error(`invalid segment size ${segment.size} in ${record.key}`);
      }
      if (ids.has(segment.blobId)) throw new Error(`blob ${segment.blobId} appears twice in ${record.key}`);
      ids.add(segment.blobId);
      total += segment.size;
    }
    if (total !== record.size) {
      throw new Error(`the segments of ${record.key} hold ${total} bytes, not its size ${record.size}`);
    }
  }

  /**
   * Unlinks blobs whose rows are already gone, each as soon as no reader leases it. The
   * commit has happened, so a failure here must not fail the request: the orphan sweep at the
   * next open removes what is left.
   */
  private unlinkFreed(blobIds: readonly string[]): void {
    for (const blobId of blobIds) {
      if (!this.leases.deferUnlink(blobId)) this.unlinkCommitted(blobId);
    }
  }

  /** Blobs of a write that was refused: removed before the refusal is answered. */
  private unlinkRefused(blobIds: readonly string[]): void {
    for (const blobId of blobIds) {
      if (!this.leases.deferUnlink(blobId)) this.blobs.remove(blobId);
    }
  }

  private unlinkCommitted(blobId: string): void {
    const unlink = (): void => {
      try {
        this.blobs.removeInBackground(blobId);
      } catch {
        // Left for the next sweep.
      }
    };
    // Left for the sweep at the next start if the process stops first.
    if (this.shared) setTimeout(unlink, SHARED_UNLINK_DELAY_MS).unref();
    else unlink();
  }

  /**
   * Discards the blobs of a record that failed to commit, except those the key's current
   * object uses (a metadata-only rewrite, or an append that reuses the old segments). Runs
   * synchronously after the rollback, so nothing can commit in between.
   */
  private discardUncommitted(record: ObjectRecord): void {
    try {
      this.unlinkRefused(without(blobsOf(record), blobsOf(this.getObject(record.bucket, record.key))));
    } catch {
      // Never mask the commit's own error; the next sweep removes what is left.
    }
  }

  /** Discards the blob of a part that failed to be recorded, unless the part row already uses it. */
  private discardUncommittedPart(part: PartRecord): void {
    try {
      if (this.s.getPart.get(part.uploadId, part.partNumber)?.blob_id !== part.blobId) {
        this.unlinkRefused([part.blobId]);
      }
    } catch {
      // As above.
    }
  }

  /** Removes blobs no object segment or part references (crash leftovers) and temp files. */
  private removeOrphans(): void {
    const referenced = new Set<string>();
    for (const { blob_id } of this.s.referencedBlobs.iterate()) referenced.add(blob_id);
    this.blobs.sweep((blobId) => referenced.has(blobId));
  }
}

/** Creates the data directory tree and proves it writable, with a message an operator can act on. */
function openBlobFiles(dataDir: string, fsync: boolean): BlobFiles {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    const blobs = new BlobFiles(dataDir, fsync);
    blobs.checkWritable();
    return blobs;
  } catch (err) {
    throw new Error(`data directory ${dataDir} cannot be created or written: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
