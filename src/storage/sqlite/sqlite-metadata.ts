/**
 * The SQLite metadata store: every visibility decision of the embedded backend, each write one
 * `BEGIN IMMEDIATE` transaction, inline blobs in the same database. Answers reads
 * synchronously; object and part writes settle once the batch they ran in has committed
 * (write-batch.ts), the other writes synchronously.
 *
 * Group commit: transactions commit without an fsync of their own (synchronous NORMAL);
 * `durable()` waits for one fsync of the WAL shared by every writer that committed meanwhile,
 * so concurrent small writes pay for one disk flush together, off the event loop.
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import { noSuchAccessPoint, noSuchBucket, noSuchUpload, S3Error } from '../../errors/s3-error.js';
import { applyAccessPointChange } from '../access-points.js';
import { SpaceReserve } from '../files/free-space.js';
import { GroupSync, pathFlusher } from '../files/group-sync.js';
import { Checkpointer } from './checkpointer.js';
import { WriteBatch } from './write-batch.js';
import { ReadCache } from './read-cache.js';
import { checkDeleteCondition, checkWriteCondition } from '../conditions.js';
import type { FreedBlob, InlineBlob, MetadataStore } from '../halves.js';
import {
  commonPrefixOf,
  firstSeek,
  firstUploadSeek,
  seekPast,
  uploadPosition,
  type Seek,
  type UploadSeek,
} from '../listing.js';
import type { ByteRange, ClientToken, DeleteCondition } from '../object-store.js';
import type {
  AccessPointChange,
  AccessPointListPage,
  AccessPointRecord,
  ResourceTag,
  ServerSideEncryption,
  BucketConfigurationKind,
  BucketListPage,
  BucketRecord,
  ListObjectsPage,
  ListObjectsQuery,
  ListUploadsQuery,
  ObjectRecord,
  PartListPage,
  PartRecord,
  UploadListPage,
  UploadRecord,
  WriteCondition,
} from '../types.js';
import {
  accessPointToRow,
  rowToAccessPoint,
  tagsToColumn,
  bucketToRow,
  objectToRow,
  openDatabase,
  partToRow,
  prepareStatements,
  rowToBucket,
  rowSegments,
  rowToObject,
  rowToPart,
  rowToSummary,
  rowToUpload,
  uploadToRow,
  type ObjectRow,
  type Statements,
  type UploadRow,
} from './metadata-db.js';

export interface SqliteMetadataOptions {
  /** Path of the database file. */
  path: string;
  /** fsync the WAL before `durable()` resolves. */
  fsync: boolean;
  /** Other processes write the same database (`--workers`): cached bucket records expire. */
  shared: boolean;
}

/** Bucket records cached at most (cleared whole when full: buckets are few). */
const BUCKET_CACHE_SIZE = 10_000;
/** How stale a cached bucket record may be when other processes share the database. */
const BUCKET_CACHE_SHARED_MS = 1000;
/** How long a RenameObject client token is remembered. */
const CLIENT_TOKEN_TTL_MS = 60 * 60 * 1000;
/** Expired tokens are purged at most this often (by the next rename). */
const CLIENT_TOKEN_PURGE_INTERVAL_MS = 60 * 1000;

/** Cached records are shared by requests: no caller may change one. */
function freezeBucket(record: BucketRecord): BucketRecord {
  if (record.encryption) Object.freeze(record.encryption);
  return Object.freeze(record);
}

/**
 * Wraps `fn` in a transaction that takes the write lock up front (BEGIN IMMEDIATE), so a
 * check-then-write cannot be overtaken by another connection between the two.
 */
function immediate<A extends unknown[], R>(
  db: Database.Database,
  fn: (...args: A) => R,
  committed: () => void,
): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A): R => {
    const result = tx.immediate(...args);
    committed();
    return result;
  };
}

type Blobbed = { blobId: string; inline?: true };

/** The blobs of a record's segments. */
function blobsOf(record: { segments: readonly Blobbed[] } | undefined): FreedBlob[] {
  return record ? record.segments.map(freedOf) : [];
}

/** The blobs of an object row (its segments only are parsed). */
function blobsOfRow(row: ObjectRow | undefined): FreedBlob[] {
  return row ? rowSegments(row).map(freedOf) : [];
}

function freedOf(b: Blobbed): FreedBlob {
  return { blobId: b.blobId, inline: b.inline === true };
}

/** `blobs` without those in `keep` (by id). */
function without(blobs: readonly FreedBlob[], keep: readonly FreedBlob[]): FreedBlob[] {
  const kept = new Set(keep.map((b) => b.blobId));
  return blobs.filter((b) => !kept.has(b.blobId));
}

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly s: Statements;
  private readonly shared: boolean;
  /** name → record (undefined: no such bucket) and when it was read; see getBucket. */
  private readonly bucketCache = new Map<string, { record: BucketRecord | undefined; at: number }>();
  /** Group fsync of the WAL (only when writes are fsynced). */
  private readonly wal: { sync: GroupSync; close: () => void } | undefined;
  /** The object and part writes, committed in batches (write-batch.ts). */
  private readonly batch: WriteBatch;
  /** WAL checkpoints on a worker thread instead of inside commits. */
  private readonly checkpointer: Checkpointer;
  /** The free space inline bodies must leave to metadata writes (free-space.ts). */
  private readonly space: SpaceReserve;
  /** Object records and inline bodies read before (read-cache.ts). */
  private readonly cache: ReadCache;
  private lastTokenPurge = 0;
  private closed = false;
  /** Which freed inline blobs the write that frees them may delete itself (freeInlineWhen). */
  private canFreeInlineNow: (blobId: string) => boolean = () => false;

  private readonly txCreateBucket: (b: BucketRecord) => void;
  private readonly txDeleteBucket: (name: string) => void;
  private readonly txCreateAccessPoint: (a: AccessPointRecord) => void;
  private readonly txUpdateAccessPoint: (name: string, change: AccessPointChange) => void;
  private readonly txRenameObject: (
    bucket: string,
    srcKey: string,
    dstKey: string,
    check: (src?: ObjectRecord, dst?: ObjectRecord) => void,
    clientToken: ClientToken | undefined,
  ) => { record?: ObjectRecord; replayed: boolean; freed: FreedBlob[] };
  private readonly txCreateUpload: (u: UploadRecord) => void;
  private readonly txDeleteUpload: (uploadId: string) => FreedBlob[] | undefined;
  private readonly txCompleteUpload: (
    uploadId: string,
    build: (upload: UploadRecord, parts: readonly PartRecord[]) => ObjectRecord,
    c: WriteCondition | undefined,
  ) => { record: ObjectRecord; freed: FreedBlob[] };
  private readonly txRemoveInline: (blobIds: readonly string[]) => void;
  private readonly txUpdateBucketConfiguration: (
    name: string,
    kind: BucketConfigurationKind,
    update: (current: string | undefined) => string | undefined,
  ) => void;

  constructor(options: SqliteMetadataOptions) {
    const db = openDatabase(options.path, options.fsync);
    this.db = db;
    this.shared = options.shared;
    this.space = new SpaceReserve(path.dirname(path.resolve(options.path)));
    this.s = prepareStatements(db);
    this.checkpointer = new Checkpointer(db, options.fsync);
    if (options.shared) {
      const dataVersion = db.prepare('PRAGMA data_version').pluck();
      let seen = dataVersion.get();
      this.cache = new ReadCache(() => {
        const now = dataVersion.get();
        if (now === seen) return false;
        seen = now;
        return true;
      });
    } else {
      // The data dir's only writer (data-dir-lock.ts): every change goes through this connection.
      this.cache = new ReadCache(() => false);
    }
    if (options.fsync) {
      const flusher = pathFlusher(`${db.name}-wal`, { dataOnly: true });
      this.wal = { sync: new GroupSync(flusher.flush), close: flusher.close };
    }
    const committed = (): void => this.checkpointer.committed();
    this.batch = new WriteBatch(db, committed, options.shared);
    this.txCreateBucket = immediate(db, (b) => this.createBucketRow(b), committed);
    this.txDeleteBucket = immediate(db, (name) => this.deleteBucketRow(name), committed);
    this.txCreateAccessPoint = immediate(db, (a) => this.createAccessPointRow(a), committed);
    this.txUpdateAccessPoint = immediate(
      db,
      (name, change) => this.updateAccessPointRow(name, change),
      committed,
    );
    this.txUpdateBucketConfiguration = immediate(
      db,
      (name, kind, update) => this.updateBucketConfigurationRow(name, kind, update),
      committed,
    );
    this.txRenameObject = immediate(
      db,
      (bucket, srcKey, dstKey, check, token) => this.renameObjectRows(bucket, srcKey, dstKey, check, token),
      committed,
    );
    this.txCreateUpload = immediate(db, (u) => this.createUploadRow(u), committed);
    this.txDeleteUpload = immediate(db, (uploadId) => this.deleteUploadRows(uploadId), committed);
    this.txCompleteUpload = immediate(
      db,
      (uploadId, build, c) => this.completeUploadRows(uploadId, build, c),
      committed,
    );
    this.txRemoveInline = immediate(
      db,
      (ids) => {
        for (const id of ids) this.deleteInlineBlob(id);
      },
      committed,
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.batch.flush(true);
    this.checkpointer.close();
    this.wal?.close();
    this.db.close();
  }

  durable(): Promise<void> {
    return this.wal === undefined ? Promise.resolve() : this.wal.sync.sync();
  }

  // --- buckets ----------------------------------------------------------------------------

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

  createBucket(bucket: BucketRecord): void {
    this.bucketCache.clear();
    this.txCreateBucket(bucket);
  }

  deleteBucket(name: string): void {
    this.bucketCache.clear();
    this.txDeleteBucket(name);
  }

  listAllBuckets(after: string | undefined, limit: number): BucketListPage {
    if (limit <= 0) return { buckets: [] };
    const rows = this.s.listAllBuckets.all(after ?? '', limit + 1);
    const buckets = rows.slice(0, limit).map(rowToBucket);
    const page: BucketListPage = { buckets };
    if (rows.length > limit) page.lastReturned = buckets[buckets.length - 1]!.name;
    return page;
  }

  updateBucketConfiguration(
    name: string,
    kind: BucketConfigurationKind,
    update: (current: string | undefined) => string | undefined,
  ): void {
    this.bucketCache.clear();
    this.txUpdateBucketConfiguration(name, kind, update);
  }

  private updateBucketConfigurationRow(
    name: string,
    kind: BucketConfigurationKind,
    update: (current: string | undefined) => string | undefined,
  ): void {
    const row = this.s.getBucket.get(name);
    if (!row) throw noSuchBucket(name);
    const next = update(row[kind] ?? undefined) ?? null;
    const statement =
      kind === 'lifecycle'
        ? this.s.setBucketLifecycle
        : kind === 'inventory'
          ? this.s.setBucketInventory
          : this.s.setBucketMetrics;
    statement.run(next, name);
  }

  setBucketPolicy(name: string, policy: string | undefined): void {
    this.bucketCache.clear();
    if (this.s.setBucketPolicy.run(policy ?? null, name).changes === 0) throw noSuchBucket(name);
  }

  setBucketTags(name: string, tags: readonly ResourceTag[]): void {
    this.bucketCache.clear();
    if (this.s.setBucketTags.run(tagsToColumn(tags), name).changes === 0) throw noSuchBucket(name);
  }

  // --- access points ----------------------------------------------------------------------
  // Read on every request through an access point: one primary-key lookup, not cached, so a
  // policy or scope change applies at once in every process.

  getAccessPoint(name: string): AccessPointRecord | undefined {
    const row = this.s.getAccessPoint.get(name);
    return row && rowToAccessPoint(row);
  }

  createAccessPoint(accessPoint: AccessPointRecord): void {
    this.txCreateAccessPoint(accessPoint);
  }

  deleteAccessPoint(name: string): void {
    if (this.s.deleteAccessPoint.run(name).changes === 0) throw noSuchAccessPoint(name);
  }

  updateAccessPoint(name: string, change: AccessPointChange): void {
    this.txUpdateAccessPoint(name, change);
  }

  listAccessPoints(
    ownerAccountId: string,
    bucket: string | undefined,
    after: string | undefined,
    limit: number,
  ): AccessPointListPage {
    if (limit <= 0) return { accessPoints: [] };
    const rows =
      bucket === undefined
        ? this.s.listAccessPoints.all(ownerAccountId, after ?? '', limit + 1)
        : this.s.listAccessPointsOfBucket.all(ownerAccountId, bucket, after ?? '', limit + 1);
    const accessPoints = rows.slice(0, limit).map(rowToAccessPoint);
    const page: AccessPointListPage = { accessPoints };
    if (rows.length > limit) page.lastReturned = accessPoints[accessPoints.length - 1]!.name;
    return page;
  }

  private createAccessPointRow(accessPoint: AccessPointRecord): void {
    if (this.s.getAccessPoint.get(accessPoint.name)) {
      throw new S3Error('AccessPointAlreadyOwnedByYou', undefined, { AccessPointName: accessPoint.name });
    }
    this.s.insertAccessPoint.run(accessPointToRow(accessPoint));
  }

  private updateAccessPointRow(name: string, change: AccessPointChange): void {
    const row = this.s.getAccessPoint.get(name);
    if (!row) throw noSuchAccessPoint(name);
    const next = applyAccessPointChange(rowToAccessPoint(row), change);
    const stored = accessPointToRow(next);
    this.s.updateAccessPoint.run({ name, policy: stored.policy, scope: stored.scope, tags: stored.tags });
  }

  setBucketEncryption(name: string, encryption: ServerSideEncryption | undefined): void {
    const json = encryption === undefined ? null : JSON.stringify(encryption);
    this.bucketCache.clear();
    if (this.s.setBucketEncryption.run(json, name).changes === 0) throw noSuchBucket(name);
  }

  private createBucketRow(bucket: BucketRecord): void {
    const existing = this.s.getBucket.get(bucket.name);
    if (existing) {
      throw new S3Error(
        existing.owner_account_id === bucket.ownerAccountId
          ? 'BucketAlreadyOwnedByYou'
          : 'BucketAlreadyExists',
        undefined,
        { BucketName: bucket.name },
      );
    }
    this.s.insertBucket.run(bucketToRow(bucket));
  }

  private deleteBucketRow(name: string): void {
    if (!this.s.getBucket.get(name)) throw noSuchBucket(name);
    // In-progress multipart uploads keep a directory bucket alive (DeleteBucket, "Working with
    // directory buckets": a bucket with in-progress uploads is not empty).
    if (this.s.bucketHasObjects.get(name) || this.s.bucketHasUploads.get(name)) {
      throw new S3Error('BucketNotEmpty', undefined, { BucketName: name });
    }
    this.s.deleteBucket.run(name);
    // A bucket created later under the same name must not replay this one's renames.
    this.s.deleteClientTokensOfBucket.run(name);
  }

  // --- objects ----------------------------------------------------------------------------

  getObject(bucket: string, key: string): ObjectRecord | undefined {
    const cached = this.cache.record(bucket, key);
    if (cached !== undefined) return cached;
    const row = this.s.getObject.get(bucket, key);
    if (row === undefined) return undefined;
    const record = rowToObject(row);
    // Inside a transaction the row may not be committed yet: not kept.
    return this.db.inTransaction ? record : this.cache.keep(record);
  }

  readInline(blobId: string, range: ByteRange): Buffer | undefined {
    let body = this.cache.inlineBody(blobId);
    if (body === undefined) {
      body = this.s.getInline.get(blobId)?.data;
      if (body === undefined) return undefined;
      if (!this.db.inTransaction) this.cache.keepInline(blobId, body);
    }
    return body.subarray(range.start, range.end + 1);
  }

  /** Every write of an object row goes through these two, so the read cache forgets the key. */
  private writeObjectRow(record: ObjectRecord): void {
    this.cache.forget(record.bucket, record.key);
    this.s.upsertObject.run(objectToRow(record));
  }

  private deleteObjectRowOf(bucket: string, key: string): void {
    this.cache.forget(bucket, key);
    this.s.deleteObject.run(bucket, key);
  }

  private deleteInlineBlob(blobId: string): void {
    this.cache.forgetInline(blobId);
    this.s.deleteInline.run(blobId);
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

  putObject(
    record: ObjectRecord,
    condition: WriteCondition | undefined,
    inline: readonly InlineBlob[],
  ): Promise<FreedBlob[]> {
    return this.batch.run(() => this.putObjectRow(record, condition, inline));
  }

  updateObject(
    bucket: string,
    key: string,
    build: (current: ObjectRecord | undefined) => ObjectRecord,
    inline: readonly InlineBlob[],
  ): Promise<{ record: ObjectRecord; freed: FreedBlob[] }> {
    return this.batch.run(() => this.updateObjectRow(bucket, key, build, inline));
  }

  deleteObject(
    bucket: string,
    key: string,
    condition: DeleteCondition | undefined,
  ): Promise<{ deleted?: ObjectRecord; freed: FreedBlob[] }> {
    return this.batch.run(() => this.deleteObjectRow(bucket, key, condition));
  }

  renameObject(
    bucket: string,
    srcKey: string,
    dstKey: string,
    check: (src: ObjectRecord | undefined, dst: ObjectRecord | undefined) => void,
    clientToken: ClientToken | undefined,
  ): { record?: ObjectRecord; replayed: boolean; freed: FreedBlob[] } {
    return this.txRenameObject(bucket, srcKey, dstKey, check, clientToken);
  }

  private insertInline(inline: readonly InlineBlob[]): void {
    for (const blob of inline) this.s.insertInline.run(blob.blobId, blob.bytes);
  }

  private putObjectRow(
    record: ObjectRecord,
    condition: WriteCondition | undefined,
    inline: readonly InlineBlob[],
  ): FreedBlob[] {
    if (!this.s.getBucket.get(record.bucket)) throw noSuchBucket(record.bucket);
    const row = this.s.getObject.get(record.bucket, record.key);
    checkWriteCondition(row && { etag: row.etag }, condition, record.key);
    this.insertInline(inline);
    this.writeObjectRow(record);
    return this.settle(without(blobsOfRow(row), blobsOf(record)));
  }

  private updateObjectRow(
    bucket: string,
    key: string,
    build: (current: ObjectRecord | undefined) => ObjectRecord,
    inline: readonly InlineBlob[],
  ): { record: ObjectRecord; freed: FreedBlob[] } {
    if (!this.s.getBucket.get(bucket)) throw noSuchBucket(bucket);
    const row = this.s.getObject.get(bucket, key);
    const current = row && rowToObject(row);
    const record = build(current);
    if (record.bucket !== bucket || record.key !== key) {
      throw new Error(`updateObject of ${bucket}/${key} built a record for ${record.bucket}/${record.key}`);
    }
    this.insertInline(inline);
    this.writeObjectRow(record);
    return { record, freed: this.settle(without(blobsOf(current), blobsOf(record))) };
  }

  private deleteObjectRow(
    bucket: string,
    key: string,
    condition: DeleteCondition | undefined,
  ): { deleted?: ObjectRecord; freed: FreedBlob[] } {
    const row = this.s.getObject.get(bucket, key);
    if (!row) {
      if (!this.s.getBucket.get(bucket)) throw noSuchBucket(bucket);
      return { freed: [] };
    }
    const current = rowToObject(row);
    checkDeleteCondition(current, condition);
    this.deleteObjectRowOf(bucket, key);
    return { deleted: current, freed: this.settle(blobsOf(current)) };
  }

  private renameObjectRows(
    bucket: string,
    srcKey: string,
    dstKey: string,
    check: (src?: ObjectRecord, dst?: ObjectRecord) => void,
    clientToken: ClientToken | undefined,
  ): { record?: ObjectRecord; replayed: boolean; freed: FreedBlob[] } {
    if (!this.s.getBucket.get(bucket)) throw noSuchBucket(bucket);
    const now = Date.now();
    this.purgeClientTokens(now);
    if (clientToken) {
      const seen = this.s.getClientToken.get(bucket, clientToken.token, now - CLIENT_TOKEN_TTL_MS);
      if (seen) {
        if (seen.fingerprint !== clientToken.fingerprint) throw new S3Error('IdempotencyParameterMismatch');
        return { record: this.getObject(bucket, dstKey), replayed: true, freed: [] };
      }
    }
    const src = this.getObject(bucket, srcKey);
    const dst = this.getObject(bucket, dstKey);
    check(src, dst);
    if (!src) throw new Error(`renameObject of a missing ${bucket}/${srcKey} was not refused`);
    const record: ObjectRecord = { ...src, key: dstKey };
    this.deleteObjectRowOf(bucket, srcKey);
    this.writeObjectRow(record);
    if (clientToken) {
      this.s.putClientToken.run({
        bucket,
        token: clientToken.token,
        fingerprint: clientToken.fingerprint,
        created_at: now,
      });
    }
    return { record, replayed: false, freed: this.settle(without(blobsOf(dst), blobsOf(record))) };
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

  createUpload(upload: UploadRecord): void {
    this.txCreateUpload(upload);
  }

  getUpload(uploadId: string): UploadRecord | undefined {
    const row = this.s.getUpload.get(uploadId);
    return row && rowToUpload(row);
  }

  deleteUpload(uploadId: string): FreedBlob[] | undefined {
    return this.txDeleteUpload(uploadId);
  }

  putPart(part: PartRecord, inline: readonly InlineBlob[]): Promise<FreedBlob[]> {
    return this.batch.run(() => this.putPartRow(part, inline));
  }

  listParts(uploadId: string, afterPartNumber: number, limit: number): PartListPage {
    const rows = this.s.partsAfter.all(uploadId, afterPartNumber, Math.max(limit, 0) + 1);
    const parts = rows.slice(0, Math.max(limit, 0)).map(rowToPart);
    const page: PartListPage = { parts, isTruncated: rows.length > parts.length };
    if (page.isTruncated) page.nextPartNumberMarker = parts[parts.length - 1]?.partNumber ?? afterPartNumber;
    return page;
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

  completeUpload(
    uploadId: string,
    build: (upload: UploadRecord, parts: readonly PartRecord[]) => ObjectRecord,
    condition: WriteCondition | undefined,
  ): { record: ObjectRecord; freed: FreedBlob[] } {
    return this.txCompleteUpload(uploadId, build, condition);
  }

  private createUploadRow(u: UploadRecord): void {
    if (!this.s.getBucket.get(u.bucket)) throw noSuchBucket(u.bucket);
    this.s.insertUpload.run(uploadToRow(u));
  }

  private deleteUploadRows(uploadId: string): FreedBlob[] | undefined {
    if (!this.s.getUpload.get(uploadId)) return undefined;
    const freed = this.s.partBlobsOfUpload
      .all(uploadId)
      .map((p) => ({ blobId: p.blob_id, inline: p.inline === 1 }));
    this.s.deletePartsOfUpload.run(uploadId);
    this.s.deleteUpload.run(uploadId);
    return this.settle(freed);
  }

  private putPartRow(part: PartRecord, inline: readonly InlineBlob[]): FreedBlob[] {
    if (!this.s.getUpload.get(part.uploadId)) throw noSuchUpload(part.uploadId);
    const previous = this.s.getPart.get(part.uploadId, part.partNumber);
    this.insertInline(inline);
    this.s.upsertPart.run(partToRow(part));
    return this.settle(previous ? [{ blobId: previous.blob_id, inline: previous.inline === 1 }] : []);
  }

  private completeUploadRows(
    uploadId: string,
    build: (upload: UploadRecord, parts: readonly PartRecord[]) => ObjectRecord,
    condition: WriteCondition | undefined,
  ): { record: ObjectRecord; freed: FreedBlob[] } {
    const uploadRow = this.s.getUpload.get(uploadId);
    if (!uploadRow) throw noSuchUpload(uploadId);
    const upload = rowToUpload(uploadRow);
    if (!this.s.getBucket.get(upload.bucket)) throw noSuchBucket(upload.bucket);
    const parts = this.s.allParts.all(uploadId).map(rowToPart);
    const record = build(upload, parts);
    if (record.bucket !== upload.bucket || record.key !== upload.key) {
      throw new Error(`upload of ${upload.bucket}/${upload.key} completed as ${record.bucket}/${record.key}`);
    }
    const currentRow = this.s.getObject.get(upload.bucket, upload.key);
    checkWriteCondition(currentRow && { etag: currentRow.etag }, condition, upload.key);
    this.writeObjectRow(record);
    this.s.deletePartsOfUpload.run(uploadId);
    this.s.deleteUpload.run(uploadId);
    const previous = currentRow && rowToObject(currentRow);
    return {
      record,
      freed: this.settle(without([...parts.map(freedOf), ...blobsOf(previous)], blobsOf(record))),
    };
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

  freeInlineWhen(canFreeNow: (blobId: string) => boolean): void {
    this.canFreeInlineNow = canFreeNow;
  }

  /**
   * Inside a write's transaction: deletes the freed inline blobs that may go now, so an
   * overwrite of a small object is one transaction rather than one plus a later delete;
   * returns the rest, for the caller to free once the write is durable. Atomic with the write
   * that freed them: a crash loses both or neither.
   */
  private settle(freed: FreedBlob[]): FreedBlob[] {
    if (!freed.some((b) => b.inline)) return freed;
    const rest: FreedBlob[] = [];
    for (const blob of freed) {
      if (blob.inline && this.canFreeInlineNow(blob.blobId)) this.deleteInlineBlob(blob.blobId);
      else rest.push(blob);
    }
    return rest;
  }

  checkRoom(bytes: number): void {
    this.space.check(bytes);
  }

  removeInline(blobIds: readonly string[]): void {
    if (blobIds.length > 0) this.txRemoveInline(blobIds);
  }

  referencedBlobs(): Set<string> {
    const referenced = new Set<string>();
    for (const { blob_id } of this.s.referencedBlobs.iterate()) referenced.add(blob_id);
    return referenced;
  }

  sweepInline(): number {
    return this.s.sweepInline.run().changes;
  }

  countInline(): number {
    return this.s.countInline.get()!.n;
  }
}
