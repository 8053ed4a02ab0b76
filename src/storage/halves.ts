/**
 * The two halves a segment store is built from (segment-store.ts): a metadata store that makes
 * every visibility decision, and a blob store that holds bytes under ids nobody else chooses.
 * SQLite + a local directory are the first pair; the cluster mode adds others.
 *
 * Blobs are of two kinds. A blob-store blob is written (durably) before the commit that
 * references it. An inline blob is a small body held in memory until the commit, which
 * inserts it into the metadata store in the same transaction as the row that references it.
 * Either way a blob belongs to exactly one row (an object segment or a part), so every commit
 * knows which blobs it freed; freed blobs are removed after the commit (later, while readers
 * pin them), and blobs no row references are swept when the store opens.
 */
import type { Readable } from 'node:stream';
import type { ByteRange, ClientToken, DeleteCondition, MaybePromise } from './object-store.js';
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
} from './types.js';

/** The bytes of a small body, inserted with the row that references them. */
export interface InlineBlob {
  blobId: string;
  bytes: Buffer;
}

/** A blob no row references any more, after a commit. */
export interface FreedBlob {
  blobId: string;
  inline: boolean;
}

/**
 * Every visibility decision. Each write is one transaction: conditions are checked, `build`
 * callbacks run (they are synchronous and may throw, which rolls the change back) and rows are
 * written atomically; a write returns the blobs it freed. Durability is separate: `durable()`
 * resolves once every write that returned before the call survives a crash (group commit).
 */
export interface MetadataStore {
  getBucket(name: string): MaybePromise<BucketRecord | undefined>;
  listBuckets(ownerAccountId: string, after: string | undefined, limit: number): MaybePromise<BucketListPage>;
  createBucket(bucket: BucketRecord): MaybePromise<void>;
  deleteBucket(name: string): MaybePromise<void>;
  setBucketPolicy(name: string, policy: string | undefined): MaybePromise<void>;
  setBucketEncryption(name: string, encryption: ServerSideEncryption | undefined): MaybePromise<void>;
  updateBucketConfiguration(
    name: string,
    kind: BucketConfigurationKind,
    update: (current: string | undefined) => string | undefined,
  ): MaybePromise<void>;
  listAllBuckets(after: string | undefined, limit: number): MaybePromise<BucketListPage>;
  setBucketTags(name: string, tags: readonly ResourceTag[]): MaybePromise<void>;
  getAccessPoint(name: string): MaybePromise<AccessPointRecord | undefined>;
  createAccessPoint(accessPoint: AccessPointRecord): MaybePromise<void>;
  deleteAccessPoint(name: string): MaybePromise<void>;
  updateAccessPoint(name: string, change: AccessPointChange): MaybePromise<void>;
  listAccessPoints(
    ownerAccountId: string,
    bucket: string | undefined,
    after: string | undefined,
    limit: number,
  ): MaybePromise<AccessPointListPage>;

  getObject(bucket: string, key: string): MaybePromise<ObjectRecord | undefined>;
  listObjects(q: ListObjectsQuery): MaybePromise<ListObjectsPage>;
  /** Bytes of an inline blob; undefined if it is gone. */
  readInline(blobId: string, range: ByteRange): MaybePromise<Buffer | undefined>;
  /** Makes `record` the key's object if `condition` holds against the current one. */
  putObject(
    record: ObjectRecord,
    condition: WriteCondition | undefined,
    inline: readonly InlineBlob[],
  ): MaybePromise<FreedBlob[]>;
  /** Read-modify-write of one key: `build(current)` gives the new record or throws. */
  updateObject(
    bucket: string,
    key: string,
    build: (current: ObjectRecord | undefined) => ObjectRecord,
    inline: readonly InlineBlob[],
  ): MaybePromise<{ record: ObjectRecord; freed: FreedBlob[] }>;
  deleteObject(
    bucket: string,
    key: string,
    condition: DeleteCondition | undefined,
  ): MaybePromise<{ deleted?: ObjectRecord; freed: FreedBlob[] }>;
  renameObject(
    bucket: string,
    srcKey: string,
    dstKey: string,
    check: (src: ObjectRecord | undefined, dst: ObjectRecord | undefined) => void,
    clientToken: ClientToken | undefined,
  ): MaybePromise<{ record?: ObjectRecord; replayed: boolean; freed: FreedBlob[] }>;

  createUpload(upload: UploadRecord): MaybePromise<void>;
  getUpload(uploadId: string): MaybePromise<UploadRecord | undefined>;
  /** Deletes the upload and its parts; undefined when there was no such upload. */
  deleteUpload(uploadId: string): MaybePromise<FreedBlob[] | undefined>;
  /** Records (or replaces) a part. 404 NoSuchUpload. */
  putPart(part: PartRecord, inline: readonly InlineBlob[]): MaybePromise<FreedBlob[]>;
  listParts(uploadId: string, afterPartNumber: number, limit: number): MaybePromise<PartListPage>;
  listUploads(q: ListUploadsQuery): MaybePromise<UploadListPage>;
  /** `build(upload, parts)` gives the object (made of some of the parts' blobs) or throws. */
  completeUpload(
    uploadId: string,
    build: (upload: UploadRecord, parts: readonly PartRecord[]) => ObjectRecord,
    condition: WriteCondition | undefined,
  ): MaybePromise<{ record: ObjectRecord; freed: FreedBlob[] }>;

  /**
   * Throws (ENOSPC) when a new body kept inline would eat into the free space that writes of
   * metadata alone need (a delete, which makes room). Called with the body's size before a write
   * keeps it inline; a store with no such limit leaves it out.
   */
  checkRoom?(bytes: number): void;
  /**
   * Lets the writes that free inline blobs delete them in their own transaction when
   * `canFreeNow(blobId)` says so (no reader holds them), instead of reporting them as freed.
   * A store without it reports every freed blob.
   */
  freeInlineWhen?(canFreeNow: (blobId: string) => boolean): void;
  /** Removes inline blobs (freed by earlier commits). Idempotent. */
  removeInline(blobIds: readonly string[]): MaybePromise<void>;
  /** Blob-store blobs some row references, for the sweep at open. */
  referencedBlobs(): MaybePromise<Set<string>>;
  /** Removes inline blobs no row references (left by a crash between a commit and its free). */
  sweepInline(): MaybePromise<number>;
  /** How many inline blobs are stored (diagnostics and tests). */
  countInline(): MaybePromise<number>;
  /**
   * Stores that keep freed blobs for a grace period themselves (a garbage table, written in the
   * transaction that freed them): removes the blobs dead for longer than `graceMs`, at most
   * `limit`, calling `removeFiles` for blob-store blobs before forgetting them. Several
   * processes may collect at once; each blob is claimed by one. Returns how many went.
   */
  collectGarbage?(
    graceMs: number,
    limit: number,
    removeFiles: (blobIds: string[]) => Promise<void>,
  ): Promise<number>;
  /** Blob ids waiting in the garbage table (they are still referenced, for reconciliation). */
  garbageBlobs?(): MaybePromise<Set<string>>;
  /** Resolves once every write that returned before the call is durable. */
  durable(): Promise<void>;
  close(): void;
}

/** Immutable blobs under ids the store assigns; never overwritten, never listed on the hot path. */
export interface BlobStore {
  /** Writes a new blob; resolves once it is durable. On failure nothing is left behind. */
  write(source: Readable): Promise<{ blobId: string; size: number }>;
  /** Streams bytes [start, end] of a blob. */
  read(blobId: string, range: ByteRange): Readable;
  /** Copies bytes [start, end] of a blob into `out` at `offset` synchronously, if the store can. */
  readInto?(blobId: string, range: ByteRange, out: Buffer, offset: number): void;
  /** Removes blobs in the background; idempotent, failures are left to the next sweep. */
  remove(blobIds: readonly string[]): void;
  /** Resolves once every removal started so far has finished. */
  settled(): Promise<void>;
  /**
   * Removes every blob `isReferenced` rejects (at open, when no write is in flight). With
   * `modifiedBefore` (ms since the epoch), only blobs and temp files last written before it:
   * a reconciliation while other processes write.
   */
  sweep(isReferenced: (blobId: string) => boolean, modifiedBefore?: number): MaybePromise<number>;
  /** How many blobs are stored (diagnostics and tests). */
  count(): MaybePromise<number>;
  close(): void;
}
