/**
 * The commit protocol, written once over a metadata store and a blob store (halves.ts): every
 * backend is one of these with its own pair of halves.
 *
 * An object is an ordered list of segments, each a whole blob: one for a PUT, one per part of
 * a completed multipart upload, one more per append. A write
 *   1. stages its body: a small body (up to `inlineMaxBytes`) is kept in memory, a larger one
 *      is written to the blob store, durably, under a fresh id; either is refused (ENOSPC)
 *      once the disk is down to the free space kept for metadata (files/free-space.ts);
 *   2. commits: one metadata transaction checks conditions, runs the caller's `build`, points
 *      the rows at the new blob (inserting an inline body in the same transaction) and reports
 *      the blobs the change freed;
 *   3. waits until the commit is durable (group commit), then frees the freed blobs — later,
 *      while a reader pins them.
 * A failure before the commit removes the staged blob; a crash at any point leaves the old
 * state or the new one, and blobs no row references are swept when the store opens.
 *
 * Pins are in-process leases (blob-leases.ts). When other processes share the halves
 * (`shared`), they cannot see our pins nor we theirs, so freed blobs stay SHARED_FREE_DELAY_MS.
 */
import { randomBytes, randomHex } from '../util/random-bytes.js';
import { Readable } from 'node:stream';
import { readHead } from '../util/read-head.js';
import { BlobLeases } from './blob-leases.js';
import type { BlobStore, FreedBlob, InlineBlob, MetadataStore } from './halves.js';
import type {
  AppendFields,
  ByteRange,
  ClientToken,
  CompletedUpload,
  DeleteCondition,
  MaybePromise,
  NewUpload,
  ObjectFields,
  ObjectStore,
  PartFields,
  PinnedObject,
  ReceivedBody,
} from './object-store.js';
import { spansOf, type BlobSpan } from './segment-reader.js';
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
  Segment,
  UploadListPage,
  UploadRecord,
  WriteCondition,
} from './types.js';

export interface SegmentStoreOptions {
  /** Bodies up to this size are kept inline in the metadata store; 0 keeps only empty ones. */
  inlineMaxBytes: number;
  /** Other processes use the same halves (`--workers`); see the module comment. */
  shared: boolean;
  /** With `shared`: how long a freed blob stays for other processes' readers (default SHARED_FREE_DELAY_MS). */
  freeDelayMs?: number;
}

/** How long a freed blob stays when processes share the store. */
export const SHARED_FREE_DELAY_MS = 5 * 60 * 1000;

/**
 * Reads up to this size are answered with one Buffer read synchronously (page-cache fast, no
 * stream). Measured: 4 KiB GETs, see bench/README.md.
 */
const SMALL_READ_BYTES = 64 * 1024;

/** A body received and kept, not yet visible. */
interface Staged {
  size: number;
  /** The segment the body becomes (none for an empty object). */
  segment: Segment;
  /** Inserted by the commit (an inline body), else empty. */
  inline: InlineBlob[];
}

const newBlobId = (): string => randomHex(16);

/** A fresh upload id: 43 url-safe characters. */
const newUploadId = (): string => randomBytes(32).toString('base64url');

export class SegmentStore implements ObjectStore {
  private readonly leases: BlobLeases<FreedBlob>;
  /** Inline blobs freed and due for removal, removed together once per turn of the event loop. */
  private inlineDue: string[] = [];
  private inlineFlush: Promise<void> | undefined;
  /**
   * Opens whose record is still on its way from an asynchronous metadata store: not pinned
   * yet, so a free that comes meanwhile waits for them (see `free`).
   */
  private readonly opening = new Set<Promise<unknown>>();
  /** Frees waiting for opens in flight. */
  private readonly freesAfterOpens = new Set<Promise<void>>();
  /** Removals of inline blobs an asynchronous metadata store is still running. */
  private readonly inlineRemovals = new Set<Promise<void>>();
  /** The metadata store answered an inline read with a promise: no synchronous inline reads. */
  private inlineReadsAsync = false;
  private closed = false;

  constructor(
    private readonly meta: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly options: SegmentStoreOptions,
  ) {
    this.leases = new BlobLeases((blob) => this.freeNow(blob));
    // Alone on the halves, a write may delete the small bodies it replaces in its own
    // transaction when no reader of this process pins them. Shared, readers in other
    // processes may still hold them: they wait SHARED_FREE_DELAY_MS like every blob.
    if (!options.shared) meta.freeInlineWhen?.((blobId) => !this.leases.isLeased(blobId));
  }

  /** Removes what no row references (crash leftovers). Only when no other process uses the halves. */
  async sweepOrphans(): Promise<void> {
    const referenced = await this.meta.referencedBlobs();
    await this.blobs.sweep((blobId) => referenced.has(blobId));
    await this.meta.sweepInline();
  }

  /** Blob files and inline blobs stored (diagnostics and tests). */
  async storedBlobCount(): Promise<{ files: number; inline: number }> {
    return { files: await this.blobs.count(), inline: await this.meta.countInline() };
  }

  async settled(): Promise<void> {
    await Promise.all(this.freesAfterOpens);
    await this.inlineFlush;
    await Promise.all(this.inlineRemovals);
    await this.blobs.settled();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flushInline();
    this.meta.close();
    this.blobs.close();
  }

  // --- buckets ----------------------------------------------------------------------------

  getBucket(name: string): MaybePromise<BucketRecord | undefined> {
    return this.meta.getBucket(name);
  }

  listBuckets(
    ownerAccountId: string,
    after: string | undefined,
    limit: number,
  ): MaybePromise<BucketListPage> {
    return this.meta.listBuckets(ownerAccountId, after, limit);
  }

  async createBucket(bucket: BucketRecord): Promise<void> {
    await this.meta.createBucket(bucket);
    await this.meta.durable();
  }

  async deleteBucket(name: string): Promise<void> {
    await this.meta.deleteBucket(name);
    await this.meta.durable();
  }

  async setBucketPolicy(name: string, policy: string | undefined): Promise<void> {
    await this.meta.setBucketPolicy(name, policy);
    await this.meta.durable();
  }

  async setBucketEncryption(name: string, encryption: ServerSideEncryption | undefined): Promise<void> {
    await this.meta.setBucketEncryption(name, encryption);
    await this.meta.durable();
  }

  async updateBucketConfiguration(
    name: string,
    kind: BucketConfigurationKind,
    update: (current: string | undefined) => string | undefined,
  ): Promise<void> {
    await this.meta.updateBucketConfiguration(name, kind, update);
    await this.meta.durable();
  }

  listAllBuckets(after: string | undefined, limit: number): MaybePromise<BucketListPage> {
    return this.meta.listAllBuckets(after, limit);
  }

  async setBucketTags(name: string, tags: readonly ResourceTag[]): Promise<void> {
    await this.meta.setBucketTags(name, tags);
    await this.meta.durable();
  }

  // --- access points ----------------------------------------------------------------------

  getAccessPoint(name: string): MaybePromise<AccessPointRecord | undefined> {
    return this.meta.getAccessPoint(name);
  }

  async createAccessPoint(accessPoint: AccessPointRecord): Promise<void> {
    await this.meta.createAccessPoint(accessPoint);
    await this.meta.durable();
  }

  async deleteAccessPoint(name: string): Promise<void> {
    await this.meta.deleteAccessPoint(name);
    await this.meta.durable();
  }

  async updateAccessPoint(name: string, change: AccessPointChange): Promise<void> {
    await this.meta.updateAccessPoint(name, change);
    await this.meta.durable();
  }

  listAccessPoints(
    ownerAccountId: string,
    bucket: string | undefined,
    after: string | undefined,
    limit: number,
  ): MaybePromise<AccessPointListPage> {
    return this.meta.listAccessPoints(ownerAccountId, bucket, after, limit);
  }

  // --- reads ------------------------------------------------------------------------------

  getObject(bucket: string, key: string): MaybePromise<ObjectRecord | undefined> {
    return this.meta.getObject(bucket, key);
  }

  listObjects(q: ListObjectsQuery): MaybePromise<ListObjectsPage> {
    return this.meta.listObjects(q);
  }

  openObject(bucket: string, key: string): MaybePromise<PinnedObject | undefined> {
    // Pinned as soon as the record is known: with a synchronous metadata store, in the same
    // tick, so no free of this process can come in between.
    const found = this.meta.getObject(bucket, key);
    if (!(found instanceof Promise)) return found && this.pin(found);
    // Asynchronous: a commit may land between the read of the record and its pin; `free`
    // holds back what it frees until this open has pinned.
    const opened = found.then((record) => record && this.pin(record));
    this.opening.add(opened);
    const done = (): void => void this.opening.delete(opened);
    opened.then(done, done);
    return opened;
  }

  private pin(record: ObjectRecord): PinnedObject {
    const release = this.leases.acquire(record.segments.map((g) => g.blobId));
    return { record, read: (range) => this.readBytes(record, range), release };
  }

  private readBytes(record: ObjectRecord, range: ByteRange | undefined): Buffer | Readable {
    const wanted = range ?? (record.size === 0 ? undefined : { start: 0, end: record.size - 1 });
    if (wanted === undefined) return Buffer.alloc(0);
    const spans = spansOf(record.segments, wanted);
    if (wanted.end - wanted.start < SMALL_READ_BYTES) {
      const bytes = this.readAtOnce(spans, wanted.end - wanted.start + 1);
      if (bytes !== undefined) return bytes;
    }
    // The stream's own pin, taken now (so it outlives the caller's) and dropped once it
    // closes: on end, error or destroy, read or not.
    const release = this.leases.acquire(spans.map((span) => span.blobId));
    const stream = Readable.from(this.spanChunks(spans), { objectMode: false });
    stream.once('close', release);
    return stream;
  }

  /** The spans' bytes in one Buffer, if every half can answer synchronously; else undefined. */
  private readAtOnce(spans: readonly BlobSpan[], length: number): Buffer | undefined {
    // One inline span (a small object): its bytes as the metadata half holds them, uncopied.
    if (spans.length === 1 && spans[0]!.inline) return this.inlineNow(spans[0]!);
    const out = Buffer.allocUnsafe(length);
    let at = 0;
    for (const span of spans) {
      if (span.inline) {
        const bytes = this.inlineNow(span);
        if (bytes === undefined) return undefined;
        at += bytes.copy(out, at);
      } else {
        if (this.blobs.readInto === undefined) return undefined;
        this.blobs.readInto(span.blobId, span, out, at);
        at += span.end - span.start + 1;
      }
    }
    return out;
  }

  /** An inline span's bytes if the metadata half answers at once; else undefined, from then on. */
  private inlineNow(span: BlobSpan): Buffer | undefined {
    if (this.inlineReadsAsync) return undefined;
    const bytes = this.meta.readInline(span.blobId, span);
    if (bytes instanceof Promise) {
      this.inlineReadsAsync = true;
      bytes.catch(() => undefined);
      return undefined;
    }
    return inlineBytes(span, bytes);
  }

  /** The spans' bytes in order, one blob open at a time. */
  private async *spanChunks(spans: readonly BlobSpan[]): AsyncGenerator<Buffer> {
    for (const span of spans) {
      if (span.inline) {
        yield inlineBytes(span, await this.meta.readInline(span.blobId, span));
      } else {
        yield* this.blobs.read(span.blobId, span) as AsyncIterable<Buffer>;
      }
    }
  }

  // --- writes -----------------------------------------------------------------------------

  async putObject(
    bucket: string,
    key: string,
    body: Readable,
    build: (received: ReceivedBody) => ObjectFields,
    condition?: WriteCondition,
  ): Promise<ObjectRecord> {
    const staged = await this.stage(body);
    return this.commit(staged, async () => {
      const fields = build({ size: staged.size });
      const record: ObjectRecord = {
        ...fields,
        bucket,
        key,
        size: staged.size,
        // An empty object has no segments; its empty inline body is not kept.
        segments: staged.size === 0 ? [] : [staged.segment],
      };
      const freed = await this.meta.putObject(record, condition, staged.size === 0 ? [] : staged.inline);
      return { result: record, freed };
    });
  }

  async appendObject(
    bucket: string,
    key: string,
    body: Readable,
    build: (current: ObjectRecord | undefined, received: ReceivedBody) => AppendFields,
  ): Promise<ObjectRecord> {
    const staged = await this.stage(body);
    return this.commit(staged, async () => {
      const { record, freed } = await this.meta.updateObject(
        bucket,
        key,
        (current) => {
          const { object, appendedChecksums } = build(current, { size: staged.size });
          const segments = current ? [...current.segments] : [];
          // An empty append changes the ETag and nothing else; it needs no segment.
          if (staged.size > 0) segments.push({ ...staged.segment, checksums: appendedChecksums });
          return { ...object, bucket, key, size: (current?.size ?? 0) + staged.size, segments };
        },
        staged.size === 0 ? [] : staged.inline,
      );
      return { result: record, freed };
    });
  }

  async deleteObject(
    bucket: string,
    key: string,
    condition?: DeleteCondition,
  ): Promise<ObjectRecord | undefined> {
    const { deleted, freed } = await this.meta.deleteObject(bucket, key, condition);
    await this.meta.durable();
    this.free(freed);
    return deleted;
  }

  async renameObject(
    bucket: string,
    srcKey: string,
    dstKey: string,
    check: (src: ObjectRecord | undefined, dst: ObjectRecord | undefined) => void,
    clientToken?: ClientToken,
  ): Promise<{ record?: ObjectRecord; replayed: boolean }> {
    const { freed, ...result } = await this.meta.renameObject(bucket, srcKey, dstKey, check, clientToken);
    await this.meta.durable();
    this.free(freed);
    return result;
  }

  // --- multipart uploads ------------------------------------------------------------------

  async createUpload(upload: NewUpload): Promise<string> {
    const uploadId = newUploadId();
    await this.meta.createUpload({ ...upload, uploadId });
    await this.meta.durable();
    return uploadId;
  }

  getUpload(uploadId: string): MaybePromise<UploadRecord | undefined> {
    return this.meta.getUpload(uploadId);
  }

  async abortUpload(uploadId: string): Promise<boolean> {
    const freed = await this.meta.deleteUpload(uploadId);
    if (freed === undefined) return false;
    await this.meta.durable();
    this.free(freed);
    return true;
  }

  async putPart(
    uploadId: string,
    partNumber: number,
    body: Readable,
    build: (received: ReceivedBody) => PartFields,
  ): Promise<PartRecord> {
    if (!Number.isSafeInteger(partNumber) || partNumber < 1)
      throw new Error(`invalid part number ${partNumber}`);
    const staged = await this.stage(body);
    return this.commit(staged, async () => {
      const part: PartRecord = {
        ...build({ size: staged.size }),
        uploadId,
        partNumber,
        blobId: staged.segment.blobId,
        size: staged.size,
      };
      if (staged.segment.inline) part.inline = true;
      const freed = await this.meta.putPart(part, staged.inline);
      return { result: part, freed };
    });
  }

  listParts(uploadId: string, afterPartNumber: number, limit: number): MaybePromise<PartListPage> {
    return this.meta.listParts(uploadId, afterPartNumber, limit);
  }

  listUploads(q: ListUploadsQuery): MaybePromise<UploadListPage> {
    return this.meta.listUploads(q);
  }

  async completeUpload(
    uploadId: string,
    build: (upload: UploadRecord, parts: readonly PartRecord[]) => CompletedUpload,
    condition?: WriteCondition,
  ): Promise<ObjectRecord> {
    const { record, freed } = await this.meta.completeUpload(
      uploadId,
      (upload, parts) => {
        const completed = build(upload, parts);
        const available = new Set(parts);
        for (const part of completed.parts) {
          if (!available.delete(part))
            throw new Error(`completeUpload used part ${part.partNumber} twice or from elsewhere`);
        }
        return {
          ...completed.object,
          bucket: upload.bucket,
          key: upload.key,
          size: completed.parts.reduce((n, p) => n + p.size, 0),
          segments: completed.parts.map(partSegment),
        };
      },
      condition,
    );
    await this.meta.durable();
    this.free(freed);
    return record;
  }

  // --- the commit protocol ----------------------------------------------------------------

  /** Keeps a body: in memory when small (the commit inserts it), else durably in the blob store. */
  private async stage(body: Readable): Promise<Staged> {
    const head = await readHead(body, this.options.inlineMaxBytes);
    if (head.rest === undefined) {
      // Inline bytes leave the metadata's free-space reserve alone, as blob files do.
      this.meta.checkRoom?.(head.bytes.length);
      const blobId = newBlobId();
      return {
        size: head.bytes.length,
        segment: { blobId, size: head.bytes.length, inline: true },
        inline: [{ blobId, bytes: head.bytes }],
      };
    }
    const blob = await this.blobs.write(head.rest);
    return { size: blob.size, segment: { blobId: blob.blobId, size: blob.size }, inline: [] };
  }

  /**
   * Runs a metadata write that takes `staged`'s blob, then waits for durability and frees what
   * the write freed. If the write fails, the staged blob is removed; if only the wait fails,
   * nothing is freed (the sweep at the next open sorts it out).
   */
  private async commit<T>(
    staged: Staged,
    write: () => Promise<{ result: T; freed: FreedBlob[] }>,
  ): Promise<T> {
    let written: { result: T; freed: FreedBlob[] };
    try {
      written = await write();
    } catch (err) {
      if (staged.inline.length === 0) this.blobs.remove([staged.segment.blobId]);
      throw err;
    }
    await this.meta.durable();
    this.free(written.freed);
    return written.result;
  }

  /** Frees blobs whose rows are gone: each once no reader pins it. */
  private free(freed: readonly FreedBlob[]): void {
    if (freed.length === 0) return;
    if (this.opening.size === 0) {
      for (const blob of freed) if (!this.leases.deferUnlink(blob)) this.freeNow(blob);
      return;
    }
    // Opens in flight may have read the record this commit replaced, and will pin its blobs.
    const after = Promise.allSettled([...this.opening]).then(() => {
      this.freesAfterOpens.delete(after);
      for (const blob of freed) if (!this.leases.deferUnlink(blob)) this.freeNow(blob);
    });
    this.freesAfterOpens.add(after);
  }

  private freeNow(blob: FreedBlob): void {
    const remove = (): void => {
      if (blob.inline) this.queueInline(blob.blobId);
      else this.blobs.remove([blob.blobId]);
    };
    // Left for the sweep at the next start if the process stops first.
    const delay = this.options.shared ? (this.options.freeDelayMs ?? SHARED_FREE_DELAY_MS) : 0;
    if (delay > 0) setTimeout(remove, delay).unref();
    else remove();
  }

  private queueInline(blobId: string): void {
    this.inlineDue.push(blobId);
    this.inlineFlush ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        void this.flushInline().then(resolve);
      }),
    );
  }

  /**
   * One transaction for every inline blob freed since the last flush; settles when it is
   * done (at once for a synchronous store). Failures are left to the sweep.
   */
  private flushInline(): Promise<void> {
    this.inlineFlush = undefined;
    const due = this.inlineDue;
    if (due.length === 0) return Promise.resolve();
    this.inlineDue = [];
    try {
      const done = this.meta.removeInline(due);
      if (done instanceof Promise) {
        const removal = done.catch(() => undefined).then(() => void this.inlineRemovals.delete(removal));
        this.inlineRemovals.add(removal);
        return removal;
      }
    } catch {
      // Left for the sweep at the next open.
    }
    return Promise.resolve();
  }
}

/** A part as the segment of the object it completes. */
function partSegment(part: PartRecord): Segment {
  const segment: Segment = {
    blobId: part.blobId,
    size: part.size,
    etag: part.etag,
    checksums: part.checksums,
  };
  if (part.inline) segment.inline = true;
  return segment;
}

/** An inline span's bytes as read (already cut to the span); throws if the blob is gone. */
function inlineBytes(span: BlobSpan, bytes: Buffer | undefined): Buffer {
  if (bytes === undefined || bytes.length !== span.end - span.start + 1) {
    throw new Error(`inline blob ${span.blobId} is missing or shorter than its segment`);
  }
  return bytes;
}
