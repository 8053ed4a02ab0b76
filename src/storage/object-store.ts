/**
 * The storage seam: everything operation handlers may ask of a backend, and nothing else.
 * It knows nothing about HTTP, signatures or XML; names are S3's, values are plain data.
 *
 * Methods answer with a value or a promise (undici's CacheStore pattern): the embedded store
 * answers reads synchronously, a networked one may not. Callers `await` every answer.
 *
 * Handlers see no storage mechanics. A write takes the request body as a stream and resolves
 * once the change is durable; on any failure (the body, a `build` callback that throws, a
 * condition that does not hold) nothing is visible and nothing is left behind. A read that
 * returns bytes pins the version it found, so an overwrite or delete meanwhile never tears it.
 */
import type { Readable } from 'node:stream';
import type { MaybePromise } from '../util/maybe-promise.js';
import type {
  BucketConfigurationKind,
  AccessPointChange,
  AccessPointListPage,
  AccessPointRecord,
  ResourceTag,
  BucketListPage,
  BucketRecord,
  ListObjectsPage,
  ListObjectsQuery,
  ListUploadsQuery,
  ObjectChecksums,
  ObjectRecord,
  PartListPage,
  PartRecord,
  ServerSideEncryption,
  UploadListPage,
  UploadRecord,
  WriteCondition,
} from './types.js';

export type { MaybePromise } from '../util/maybe-promise.js';

/** Bytes [start, end] of an object, both inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What the store received of a write's body, handed to `build` before the write commits. */
export interface ReceivedBody {
  size: number;
}

/** An object's fields that a writer chooses; the store fills in bucket, key, size and bytes. */
export type ObjectFields = Omit<ObjectRecord, 'bucket' | 'key' | 'size' | 'segments'>;

/** An append's new fields, and the checksum of the appended bytes alone (kept per segment). */
export interface AppendFields {
  object: ObjectFields;
  appendedChecksums: ObjectChecksums;
}

/** A completed upload: the object's fields and the parts it is made of, in order. */
export interface CompletedUpload {
  object: ObjectFields;
  /** Parts of the upload (as the store listed them to `build`), each at most once. */
  parts: readonly PartRecord[];
}

/** A part's own fields; the store fills in upload, number, size and bytes. */
export type PartFields = Pick<PartRecord, 'etag' | 'checksums' | 'lastModified'>;

/** What CreateMultipartUpload records; the store assigns the id. */
export type NewUpload = Omit<UploadRecord, 'uploadId'>;

/** RenameObject's `ClientToken` and a fingerprint of the request's parameters. */
export interface ClientToken {
  token: string;
  fingerprint: string;
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

/**
 * One version of an object, pinned: its bytes stay readable until `release()`, whatever
 * happens to its key meanwhile.
 */
export interface PinnedObject {
  readonly record: ObjectRecord;
  /**
   * Bytes of `range` (the whole object when omitted): a Buffer when the store has them at
   * hand (small reads), else a stream holding a pin of its own until it ends, fails or is
   * destroyed. Throws a RangeError for a range outside the object.
   */
  read(range?: ByteRange): Buffer | Readable;
  /** Drops this pin (streams already returned keep theirs). Idempotent. */
  release(): void;
}

export interface ObjectStore {
  // --- buckets ----------------------------------------------------------------------------
  getBucket(name: string): MaybePromise<BucketRecord | undefined>;
  /** 409 BucketAlreadyOwnedByYou / BucketAlreadyExists when the name is taken. */
  createBucket(bucket: BucketRecord): MaybePromise<void>;
  /** 404 NoSuchBucket; 409 BucketNotEmpty while objects or uploads are in it. */
  deleteBucket(name: string): MaybePromise<void>;
  /** The owner's buckets in name order, strictly after `after`, at most `limit`. */
  listBuckets(ownerAccountId: string, after: string | undefined, limit: number): MaybePromise<BucketListPage>;
  /** Sets (or with undefined removes) the bucket policy. 404 NoSuchBucket. */
  setBucketPolicy(name: string, policy: string | undefined): MaybePromise<void>;
  /** Sets (or with undefined resets to SSE-S3) the default encryption. 404 NoSuchBucket. */
  setBucketEncryption(name: string, encryption: ServerSideEncryption | undefined): MaybePromise<void>;
  /**
   * Read-modify-write of one bucket configuration in one transaction: `update(current)` gets
   * the stored document (undefined if none) and returns the new one (undefined removes it), or
   * throws to change nothing. Of two concurrent updates neither is lost. 404 NoSuchBucket.
   */
  updateBucketConfiguration(
    name: string,
    kind: BucketConfigurationKind,
    update: (current: string | undefined) => string | undefined,
  ): MaybePromise<void>;
  /** Every bucket of every owner in name order, strictly after `after`, at most `limit`. */
  listAllBuckets(after: string | undefined, limit: number): MaybePromise<BucketListPage>;
  /** Replaces the bucket's tags (an empty list removes them). 404 NoSuchBucket. */
  setBucketTags(name: string, tags: readonly ResourceTag[]): MaybePromise<void>;

  // --- access points ----------------------------------------------------------------------
  getAccessPoint(name: string): MaybePromise<AccessPointRecord | undefined>;
  /** 409 AccessPointAlreadyOwnedByYou when the name is taken (by any account). */
  createAccessPoint(accessPoint: AccessPointRecord): MaybePromise<void>;
  /** 404 NoSuchAccessPoint. */
  deleteAccessPoint(name: string): MaybePromise<void>;
  /** Changes policy, scope or tags. 404 NoSuchAccessPoint. */
  updateAccessPoint(name: string, change: AccessPointChange): MaybePromise<void>;
  /**
   * The owner's access points in name order (only those of `bucket` when given), strictly after
   * `after`, at most `limit`.
   */
  listAccessPoints(
    ownerAccountId: string,
    bucket: string | undefined,
    after: string | undefined,
    limit: number,
  ): MaybePromise<AccessPointListPage>;

  // --- objects ----------------------------------------------------------------------------
  /** The object's record (no bytes, no pin): for HEAD, conditions and metadata. */
  getObject(bucket: string, key: string): MaybePromise<ObjectRecord | undefined>;
  /** The current version of the object, pinned for reading; the caller must release it. */
  openObject(bucket: string, key: string): MaybePromise<PinnedObject | undefined>;
  /**
   * Keys under `q.prefix` in UTF-8 byte order, rolled up into common prefixes at
   * `q.delimiter` (directory semantics: only `/`).
   */
  listObjects(q: ListObjectsQuery): MaybePromise<ListObjectsPage>;
  /**
   * PutObject/CopyObject: stores `body`, then `build(received)` gives the new object's fields
   * (it may throw, e.g. a checksum mismatch), then the object replaces the key's current one
   * if `condition` holds at commit time (412 PreconditionFailed, or 404 NoSuchKey for
   * If-Match on a missing key). 404 NoSuchBucket when the bucket is gone.
   */
  putObject(
    bucket: string,
    key: string,
    body: Readable,
    build: (received: ReceivedBody) => ObjectFields,
    condition?: WriteCondition,
  ): Promise<ObjectRecord>;
  /**
   * An append: stores `body`, then in one transaction `build(current, received)` checks the
   * current object (undefined if none) and gives the new fields, and the appended bytes become
   * the object's last segment. Of two racing appends built on the same current object exactly
   * one commits; the other's `build` sees the winner and may refuse.
   */
  appendObject(
    bucket: string,
    key: string,
    body: Readable,
    build: (current: ObjectRecord | undefined, received: ReceivedBody) => AppendFields,
  ): Promise<ObjectRecord>;
  /** Deletes the object if `condition` holds; the deleted record, or undefined if there was none. */
  deleteObject(
    bucket: string,
    key: string,
    condition?: DeleteCondition,
  ): MaybePromise<ObjectRecord | undefined>;
  /**
   * RenameObject within a bucket, in one transaction: `check(src, dst)` (either may be
   * undefined) throws to refuse; then the source's record, unchanged but for its key, replaces
   * the destination and the source is gone. No byte moves. With a client token recorded for
   * the bucket within the last hour: the same fingerprint replays (`replayed: true`, no
   * change), a different one is 400 IdempotencyParameterMismatch.
   */
  renameObject(
    bucket: string,
    srcKey: string,
    dstKey: string,
    check: (src: ObjectRecord | undefined, dst: ObjectRecord | undefined) => void,
    clientToken?: ClientToken,
  ): MaybePromise<{ record?: ObjectRecord; replayed: boolean }>;

  // --- multipart uploads ------------------------------------------------------------------
  /** Records a new upload; returns its id. 404 NoSuchBucket. */
  createUpload(upload: NewUpload): MaybePromise<string>;
  getUpload(uploadId: string): MaybePromise<UploadRecord | undefined>;
  /** Deletes the upload and its parts; false when there was no such upload. */
  abortUpload(uploadId: string): MaybePromise<boolean>;
  /**
   * UploadPart/UploadPartCopy: stores `body`, `build(received)` gives the part's fields, then
   * the part is recorded (replacing an earlier part of the same number). 404 NoSuchUpload.
   */
  putPart(
    uploadId: string,
    partNumber: number,
    body: Readable,
    build: (received: ReceivedBody) => PartFields,
  ): Promise<PartRecord>;
  /** Parts in part-number order strictly after `afterPartNumber`, at most `limit`. */
  listParts(uploadId: string, afterPartNumber: number, limit: number): MaybePromise<PartListPage>;
  /** Uploads of a bucket by (key, initiated, id), rolled up at the delimiter like listObjects. */
  listUploads(q: ListUploadsQuery): MaybePromise<UploadListPage>;
  /**
   * CompleteMultipartUpload in one transaction: 404 NoSuchUpload if the upload is gone;
   * `build(upload, parts)` picks the parts and gives the fields (or throws, e.g. InvalidPart);
   * `condition` is checked as in putObject; the parts become the object's segments (no byte
   * is copied) and the upload is gone. On failure nothing changes.
   */
  completeUpload(
    uploadId: string,
    build: (upload: UploadRecord, parts: readonly PartRecord[]) => CompletedUpload,
    condition?: WriteCondition,
  ): Promise<ObjectRecord>;

  // --- lifecycle --------------------------------------------------------------------------
  /** Resolves when background work started so far (freeing replaced bytes) has finished. */
  settled(): Promise<void>;
  close(): void;
}
