/**
 * The embedded storage backend: metadata in SQLite (metadata-db.ts), bytes in files named by
 * random ids (blob-files.ts).
 *
 * Write protocol: the caller streams bytes with `writeBlob` (complete + fsynced file), then
 * `commitObject` swaps the row to the new blob in one transaction and unlinks the old blob
 * afterwards. A crash at any point leaves the old object or the new one; files no row points
 * at are swept at the next `open`. A blob belongs to exactly one row.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import { S3Error, noSuchBucket, noSuchKey, preconditionFailed } from '../server/s3-error.js';
import { BlobFiles } from './blob-files.js';
import {
  bucketToRow,
  objectToRow,
  openDatabase,
  prepareStatements,
  rowToBucket,
  rowToObject,
  rowToUpload,
  uploadToRow,
  type Statements,
  type UploadRecord,
} from './metadata-db.js';
import type {
  BucketListPage,
  BucketRecord,
  ContentHeaders,
  ListObjectsPage,
  ListObjectsQuery,
  ObjectRecord,
  WriteCondition,
} from './types.js';

export type { UploadRecord } from './metadata-db.js';

export interface EmbeddedStoreOptions {
  dataDir: string;
  /** fsync blobs, their directories and the SQLite WAL before acknowledging a write. */
  fsync: boolean;
}

/** Preconditions of DeleteObject; each one that is present must hold (an absent object is fine). */
export interface DeleteCondition {
  /** `If-Match`: the current ETag, quoted or not (`*` matches any). */
  ifMatch?: string;
  /** `x-amz-if-match-last-modified-time`, compared at whole-second precision. */
  ifMatchLastModifiedTime?: Date;
  /** `x-amz-if-match-size`. */
  ifMatchSize?: number;
}

export interface NewUpload {
  bucket: string;
  key: string;
  content: ContentHeaders;
  metadata: Record<string, string>;
  checksumAlgorithm?: string;
  initiated: Date;
}

const bucketAlreadyOwnedByYou = (bucket: string): S3Error =>
  new S3Error(
    'BucketAlreadyOwnedByYou',
    'Your previous request to create the named bucket succeeded and you already own it.',
    409,
    { BucketName: bucket },
  );

const bucketAlreadyExists = (bucket: string): S3Error =>
  new S3Error(
    'BucketAlreadyExists',
    'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
    409,
    { BucketName: bucket },
  );

const bucketNotEmpty = (bucket: string): S3Error =>
  new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: bucket });

export class EmbeddedStore {
  private readonly s: Statements;
  private closed = false;

  // Write transactions, built once. IMMEDIATE takes the write lock up front so a
  // check-then-write cannot be overtaken by another connection between the two.
  private readonly txCreateBucket: Database.Transaction<(b: BucketRecord) => void>;
  private readonly txDeleteBucket: Database.Transaction<(name: string) => void>;
  private readonly txCommitObject: Database.Transaction<
    (r: ObjectRecord, c: WriteCondition | undefined) => string | undefined
  >;
  private readonly txDeleteObject: Database.Transaction<
    (bucket: string, key: string, c: DeleteCondition | undefined) => ObjectRecord | undefined
  >;
  private readonly txCreateUpload: Database.Transaction<(u: UploadRecord) => void>;
  private readonly txDeleteUpload: Database.Transaction<(uploadId: string) => string[] | undefined>;

  private constructor(
    private readonly db: Database.Database,
    private readonly blobs: BlobFiles,
  ) {
    this.s = prepareStatements(db);
    this.txCreateBucket = db.transaction((b) => this.createBucketRow(b));
    this.txDeleteBucket = db.transaction((name) => this.deleteBucketRow(name));
    this.txCommitObject = db.transaction((r, c) => this.upsertObjectRow(r, c));
    this.txDeleteObject = db.transaction((bucket, key, c) => this.deleteObjectRow(bucket, key, c));
    this.txCreateUpload = db.transaction((u) => this.createUploadRow(u));
    this.txDeleteUpload = db.transaction((uploadId) => this.deleteUploadRows(uploadId));
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
    const store = new EmbeddedStore(db, blobs);
    try {
      store.removeOrphans();
    } catch (err) {
      store.close();
      throw new Error(`cannot clean up the data directory ${dataDir}: ${errorMessage(err)}`, { cause: err });
    }
    return store;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  // --- buckets ----------------------------------------------------------------------------

  createBucket(bucket: BucketRecord): void {
    this.txCreateBucket.immediate(bucket);
  }

  getBucket(name: string): BucketRecord | undefined {
    const row = this.s.getBucket.get(name);
    return row && rowToBucket(row);
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
    this.txDeleteBucket.immediate(name);
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
    // In-progress multipart uploads keep a directory bucket alive (spec §4.5).
    if (this.s.bucketHasObjects.get(name) || this.s.bucketHasUploads.get(name)) throw bucketNotEmpty(name);
    this.s.deleteBucket.run(name);
  }

  // --- blobs ------------------------------------------------------------------------------

  writeBlob(source: Readable): Promise<{ blobId: string; size: number }> {
    return this.blobs.write(source);
  }

  discardBlob(blobId: string): void {
    this.blobs.remove(blobId);
  }

  openBlob(blobId: string, range?: { start: number; end: number }): Readable {
    return this.blobs.open(blobId, range);
  }

  // --- objects ----------------------------------------------------------------------------

  getObject(bucket: string, key: string): ObjectRecord | undefined {
    const row = this.s.getObject.get(bucket, key);
    return row && rowToObject(row);
  }

  /**
   * Makes `record` the current object of its key if `condition` holds at commit time.
   * If-None-Match:* on an existing key → 412; If-Match on a missing key → 404 NoSuchKey
   * (what AWS answers), on a different ETag → 412. On failure the new blob is discarded.
   */
  commitObject(record: ObjectRecord, condition?: WriteCondition): ObjectRecord {
    this.blobs.pathOf(record.blobId); // never commit a row whose blob id could not be a file
    let previousBlob: string | undefined;
    try {
      previousBlob = this.txCommitObject.immediate(record, condition);
    } catch (err) {
      this.discardUncommitted(record);
      throw err;
    }
    if (previousBlob !== undefined && previousBlob !== record.blobId) this.unlinkCommitted(previousBlob);
    return record;
  }

  /** Deletes the object (undefined if there was none) and unlinks its blob after commit. */
  deleteObject(bucket: string, key: string, condition?: DeleteCondition): ObjectRecord | undefined {
    const deleted = this.txDeleteObject.immediate(bucket, key, condition);
    if (deleted) this.unlinkCommitted(deleted.blobId);
    return deleted;
  }

  /**
   * Lists keys under `q.prefix` in UTF-8 byte order (SQLite BINARY collation), rolling keys
   * up into common prefixes at `q.delimiter`. Each common prefix costs one index seek, however
   * many keys it hides.
   */
  listObjects(q: ListObjectsQuery): ListObjectsPage {
    const page: ListObjectsPage = { objects: [], commonPrefixes: [], isTruncated: false };
    if (q.maxKeys <= 0) return page;
    let seek = firstSeek(q);
    while (seek !== undefined) seek = this.scanFrom(q, seek, page);
    return page;
  }

  countObjects(bucket: string): number {
    return this.s.countObjects.get(bucket)!.n;
  }

  /** Returns the previous blob id of the key, if any; throws when the condition fails. */
  private upsertObjectRow(record: ObjectRecord, condition: WriteCondition | undefined): string | undefined {
    if (!this.s.getBucket.get(record.bucket)) throw noSuchBucket(record.bucket);
    const row = this.s.getObject.get(record.bucket, record.key);
    checkWriteCondition(row && { etag: row.etag }, condition, record.key);
    this.s.upsertObject.run(objectToRow(record));
    return row?.blob_id;
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

  /**
   * Reads keys from `seek` until the page is full, the prefix range ends, or a common prefix
   * is emitted. Returns where to seek next, or undefined when the listing is done.
   */
  private scanFrom(q: ListObjectsQuery, seek: Seek, page: ListObjectsPage): Seek | undefined {
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
        page.objects.push(rowToObject(row));
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
    this.txCreateUpload.immediate({ ...u, uploadId });
    return uploadId;
  }

  getUpload(uploadId: string): UploadRecord | undefined {
    const row = this.s.getUpload.get(uploadId);
    return row && rowToUpload(row);
  }

  /** Deletes the upload and its parts (unlinking their blobs); false when there was no such upload. */
  deleteUpload(uploadId: string): boolean {
    const partBlobs = this.txDeleteUpload.immediate(uploadId);
    if (partBlobs === undefined) return false;
    for (const blobId of partBlobs) this.unlinkCommitted(blobId);
    return true;
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

  // --- housekeeping -----------------------------------------------------------------------

  /**
   * Unlinks a blob whose row is already gone. The commit has happened, so a failure here
   * must not fail the request: the orphan sweep at the next open removes what is left.
   */
  private unlinkCommitted(blobId: string): void {
    try {
      this.blobs.remove(blobId);
    } catch {
      // Left for the next sweep.
    }
  }

  /** Discards the blob of a failed commit, unless the key already uses it (a metadata-only rewrite). */
  private discardUncommitted(record: ObjectRecord): void {
    try {
      if (this.getObject(record.bucket, record.key)?.blobId !== record.blobId)
        this.blobs.remove(record.blobId);
    } catch {
      // Never mask the commit's own error; the next sweep removes what is left.
    }
  }

  /** Removes blobs no object or part references (crash leftovers) and temp files. */
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

// --- preconditions ----------------------------------------------------------------------

const unquote = (etag: string): string => etag.trim().replace(/^"(.*)"$/, '$1');

/** `If-Match` semantics: `*` matches any existing object, otherwise ETags compare without quotes. */
function etagMatches(wanted: string, etag: string): boolean {
  const value = wanted.trim();
  return value === '*' || unquote(value) === unquote(etag);
}

function checkWriteCondition(
  current: { etag: string } | undefined,
  condition: WriteCondition | undefined,
  key: string,
): void {
  if (condition?.ifNoneMatchStar && current) throw preconditionFailed('If-None-Match');
  if (condition?.ifMatch === undefined) return;
  if (!current) throw noSuchKey(key);
  if (!etagMatches(condition.ifMatch, current.etag)) throw preconditionFailed('If-Match');
}

function checkDeleteCondition(current: ObjectRecord, condition: DeleteCondition | undefined): void {
  if (condition === undefined) return;
  if (condition.ifMatch !== undefined && !etagMatches(condition.ifMatch, current.etag)) {
    throw preconditionFailed('If-Match');
  }
  const wantedTime = condition.ifMatchLastModifiedTime;
  if (wantedTime !== undefined && seconds(wantedTime) !== seconds(current.lastModified)) {
    throw preconditionFailed('x-amz-if-match-last-modified-time');
  }
  if (condition.ifMatchSize !== undefined && condition.ifMatchSize !== current.size) {
    throw preconditionFailed('x-amz-if-match-size');
  }
}

/** HTTP dates carry whole seconds; stored times carry milliseconds. */
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

// --- key order ----------------------------------------------------------------------------

/** Where a listing scan resumes: at `key` (inclusive) or strictly after it. */
interface Seek {
  key: string;
  inclusive: boolean;
}

/** UTF-8 byte order, the order SQLite's BINARY collation gives (JS `<` compares UTF-16 units). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The common prefix `key` rolls up into: prefix + up to and including the next delimiter. */
export function commonPrefixOf(
  key: string,
  prefix: string,
  delimiter: string | undefined,
): string | undefined {
  if (!delimiter) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

/**
 * The smallest string greater than every string that starts with `s` (in code point order,
 * which is UTF-8 byte order): `s` with its last code point incremented, dropping trailing
 * U+10FFFF. Undefined when no such string exists. For `a/` it is `a0`.
 */
export function prefixSuccessor(s: string): string | undefined {
  const codePoints = Array.from(s);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1; // surrogates are not code points in UTF-8
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** Seek past every key that starts with `prefix`. */
function seekPast(prefix: string): Seek | undefined {
  const next = prefixSuccessor(prefix);
  return next === undefined ? undefined : { key: next, inclusive: true };
}

/** Where a listing starts, honouring `after` (a key, or a common prefix whose keys are all skipped). */
function firstSeek(q: ListObjectsQuery): Seek | undefined {
  const fromPrefix: Seek = { key: q.prefix, inclusive: true };
  const after = q.after;
  if (after === undefined) return fromPrefix;
  if (!after.startsWith(q.prefix)) {
    // Outside the prefix range: either before it (no effect) or past its end (nothing left).
    return compareUtf8(after, q.prefix) < 0 ? fromPrefix : undefined;
  }
  const common = commonPrefixOf(after, q.prefix, q.delimiter);
  return common === undefined ? { key: after, inclusive: false } : seekPast(common);
}
