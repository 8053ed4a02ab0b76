/**
 * An ObjectStore that keeps everything in memory: the smallest store that keeps the contract,
 * written from object-store.ts alone. It checks the contract suite itself (a second backend,
 * so that the suite does not lean on one implementation) and can stand in for a store in
 * tests of code above the seam.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3Error, noSuchAccessPoint, noSuchBucket, noSuchUpload } from '../../src/errors/s3-error.js';
import { applyAccessPointChange } from '../../src/storage/access-points.js';
import { checkDeleteCondition, checkWriteCondition } from '../../src/storage/conditions.js';
import type {
  AppendFields,
  ByteRange,
  ClientToken,
  CompletedUpload,
  DeleteCondition,
  NewUpload,
  ObjectFields,
  ObjectStore,
  PartFields,
  PinnedObject,
  ReceivedBody,
} from '../../src/storage/object-store.js';
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
} from '../../src/storage/types.js';

const TOKEN_TTL_MS = 60 * 60 * 1000;
/** Reads up to this size are answered with a Buffer. */
const SMALL_READ = 64 * 1024;

const utf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface Blob {
  data: Buffer;
  /** Objects and parts that reference it (0 or 1: a blob belongs to one segment). */
  refs: number;
  pins: number;
}

export class MemoryStore implements ObjectStore {
  private readonly buckets = new Map<string, BucketRecord>();
  private readonly accessPoints = new Map<string, AccessPointRecord>();
  private readonly objects = new Map<string, Map<string, ObjectRecord>>();
  private readonly uploads = new Map<string, UploadRecord>();
  private readonly parts = new Map<string, Map<number, PartRecord>>();
  private readonly tokens = new Map<string, Map<string, { fingerprint: string; at: number; dst: string }>>();
  private readonly blobs = new Map<string, Blob>();
  private background: Promise<void> = Promise.resolve();

  /** How many blobs are held (referenced, pinned, or waiting to be freed). */
  blobCount(): number {
    return this.blobs.size;
  }

  // --- buckets ----------------------------------------------------------------------------

  getBucket(name: string): BucketRecord | undefined {
    const b = this.buckets.get(name);
    return b && structuredClone(b);
  }

  createBucket(bucket: BucketRecord): void {
    const taken = this.buckets.get(bucket.name);
    if (taken) {
      throw new S3Error(
        taken.ownerAccountId === bucket.ownerAccountId ? 'BucketAlreadyOwnedByYou' : 'BucketAlreadyExists',
        undefined,
        { BucketName: bucket.name },
      );
    }
    this.buckets.set(bucket.name, structuredClone(bucket));
    this.objects.set(bucket.name, new Map());
  }

  deleteBucket(name: string): void {
    this.bucket(name);
    const hasUploads = [...this.uploads.values()].some((u) => u.bucket === name);
    if (this.objects.get(name)!.size > 0 || hasUploads) {
      throw new S3Error('BucketNotEmpty', undefined, { BucketName: name });
    }
    this.buckets.delete(name);
    this.objects.delete(name);
    this.tokens.delete(name);
  }

  listBuckets(ownerAccountId: string, after: string | undefined, limit: number): BucketListPage {
    const all = [...this.buckets.values()]
      .filter((b) => b.ownerAccountId === ownerAccountId && (after === undefined || b.name > after))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const buckets = all.slice(0, limit).map((b) => structuredClone(b));
    return all.length > limit ? { buckets, lastReturned: buckets[buckets.length - 1]?.name } : { buckets };
  }

  listAllBuckets(after: string | undefined, limit: number): BucketListPage {
    const all = [...this.buckets.values()]
      .filter((b) => after === undefined || b.name > after)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const buckets = all.slice(0, Math.max(0, limit)).map((b) => structuredClone(b));
    return all.length > limit ? { buckets, lastReturned: buckets[buckets.length - 1]?.name } : { buckets };
  }

  updateBucketConfiguration(
    name: string,
    kind: BucketConfigurationKind,
    update: (current: string | undefined) => string | undefined,
  ): void {
    const b = this.bucket(name);
    const next = update(b[kind]);
    if (next === undefined) delete b[kind];
    else b[kind] = next;
  }

  setBucketPolicy(name: string, policy: string | undefined): void {
    const b = this.bucket(name);
    if (policy === undefined) delete b.policy;
    else b.policy = policy;
  }

  setBucketEncryption(name: string, encryption: ServerSideEncryption | undefined): void {
    const b = this.bucket(name);
    if (encryption === undefined) delete b.encryption;
    else b.encryption = { ...encryption };
  }

  setBucketTags(name: string, tags: readonly ResourceTag[]): void {
    const b = this.bucket(name);
    if (tags.length === 0) delete b.tags;
    else b.tags = tags.map((t) => ({ ...t }));
  }

  // --- access points ----------------------------------------------------------------------

  getAccessPoint(name: string): AccessPointRecord | undefined {
    const a = this.accessPoints.get(name);
    return a && structuredClone(a);
  }

  createAccessPoint(accessPoint: AccessPointRecord): void {
    if (this.accessPoints.has(accessPoint.name)) {
      throw new S3Error('AccessPointAlreadyOwnedByYou', undefined, { AccessPointName: accessPoint.name });
    }
    this.accessPoints.set(accessPoint.name, structuredClone(accessPoint));
  }

  deleteAccessPoint(name: string): void {
    if (!this.accessPoints.delete(name)) throw noSuchAccessPoint(name);
  }

  updateAccessPoint(name: string, change: AccessPointChange): void {
    const a = this.accessPoints.get(name);
    if (!a) throw noSuchAccessPoint(name);
    this.accessPoints.set(name, structuredClone(applyAccessPointChange(a, change)));
  }

  listAccessPoints(
    ownerAccountId: string,
    bucket: string | undefined,
    after: string | undefined,
    limit: number,
  ): AccessPointListPage {
    const all = [...this.accessPoints.values()]
      .filter(
        (a) =>
          a.ownerAccountId === ownerAccountId &&
          (bucket === undefined || a.bucket === bucket) &&
          (after === undefined || a.name > after),
      )
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const accessPoints = all.slice(0, Math.max(0, limit)).map((a) => structuredClone(a));
    return all.length > limit && accessPoints.length > 0
      ? { accessPoints, lastReturned: accessPoints[accessPoints.length - 1]!.name }
      : { accessPoints };
  }

  private bucket(name: string): BucketRecord {
    const b = this.buckets.get(name);
    if (!b) throw noSuchBucket(name);
    return b;
  }

  // --- objects ----------------------------------------------------------------------------

  getObject(bucket: string, key: string): ObjectRecord | undefined {
    const r = this.objects.get(bucket)?.get(key);
    return r && structuredClone(r);
  }

  openObject(bucket: string, key: string): PinnedObject | undefined {
    const current = this.objects.get(bucket)?.get(key);
    if (!current) return undefined;
    const record = structuredClone(current);
    const ids = record.segments.map((g) => g.blobId);
    this.pin(ids);
    let released = false;
    return {
      record,
      read: (range?: ByteRange): Buffer | Readable => {
        const r = range ?? { start: 0, end: record.size - 1 };
        if (range !== undefined) checkRange(range, record.size);
        if (r.end - r.start + 1 <= SMALL_READ) return Buffer.from(this.slice(ids, r.start, r.end + 1));
        // A stream reads as it goes (as from files), under a pin of its own.
        this.pin(ids);
        const stream = Readable.from(this.chunks(ids, r.start, r.end + 1), { objectMode: false });
        stream.once('close', () => this.unpin(ids));
        return stream;
      },
      release: () => {
        if (released) return;
        released = true;
        this.unpin(ids);
      },
    };
  }

  listObjects(q: ListObjectsQuery): ListObjectsPage {
    const keys = [...(this.objects.get(q.bucket)?.keys() ?? [])].sort(utf8);
    const page: ListObjectsPage = { objects: [], commonPrefixes: [], isTruncated: false };
    if (q.maxKeys <= 0) return page;
    let count = 0;
    for (const key of keys) {
      if (!key.startsWith(q.prefix)) continue;
      const at = q.delimiter === undefined ? -1 : key.indexOf(q.delimiter, q.prefix.length);
      const entry = at < 0 ? key : key.slice(0, at + 1);
      if (q.after !== undefined && utf8(entry, q.after) <= 0) continue;
      if (at >= 0 && page.commonPrefixes[page.commonPrefixes.length - 1] === entry) continue;
      if (count === q.maxKeys) {
        page.isTruncated = true;
        break;
      }
      count++;
      page.lastReturned = entry;
      if (at >= 0) page.commonPrefixes.push(entry);
      else {
        const { segments: _segments, ...summary } = structuredClone(this.objects.get(q.bucket)!.get(key)!);
        page.objects.push(summary);
      }
    }
    if (!page.isTruncated) delete page.lastReturned;
    return page;
  }

  async putObject(
    bucket: string,
    key: string,
    body: Readable,
    build: (received: ReceivedBody) => ObjectFields,
    condition?: WriteCondition,
  ): Promise<ObjectRecord> {
    const data = await receive(body);
    this.bucket(bucket);
    const fields = build({ size: data.length });
    const objects = this.objects.get(bucket);
    if (!objects) throw noSuchBucket(bucket);
    checkWriteCondition(objects.get(key), condition, key);
    const segments = data.length === 0 ? [] : [{ blobId: this.store(data), size: data.length }];
    return this.replace(bucket, key, {
      ...structuredClone(fields),
      bucket,
      key,
      size: data.length,
      segments,
    });
  }

  async appendObject(
    bucket: string,
    key: string,
    body: Readable,
    build: (current: ObjectRecord | undefined, received: ReceivedBody) => AppendFields,
  ): Promise<ObjectRecord> {
    const data = await receive(body);
    const objects = this.objects.get(bucket);
    if (!objects) throw noSuchBucket(bucket);
    const current = objects.get(key);
    const built = build(current && structuredClone(current), { size: data.length });
    const segments: Segment[] = current ? structuredClone(current.segments) : [];
    segments.push({ blobId: this.store(data), size: data.length, checksums: { ...built.appendedChecksums } });
    const size = (current?.size ?? 0) + data.length;
    const record: ObjectRecord = { ...structuredClone(built.object), bucket, key, size, segments };
    objects.set(key, record);
    return structuredClone(record);
  }

  deleteObject(bucket: string, key: string, condition?: DeleteCondition): ObjectRecord | undefined {
    const objects = this.objects.get(bucket);
    if (!objects) throw noSuchBucket(bucket);
    const current = objects.get(key);
    if (!current) return undefined;
    checkDeleteCondition(current, condition);
    objects.delete(key);
    this.unref(current.segments.map((g) => g.blobId));
    return structuredClone(current);
  }

  renameObject(
    bucket: string,
    srcKey: string,
    dstKey: string,
    check: (src: ObjectRecord | undefined, dst: ObjectRecord | undefined) => void,
    clientToken?: ClientToken,
  ): { record?: ObjectRecord; replayed: boolean } {
    const objects = this.objects.get(bucket);
    if (!objects) throw noSuchBucket(bucket);
    const tokens = this.tokens.get(bucket) ?? new Map();
    const now = Date.now();
    const seen = clientToken && tokens.get(clientToken.token);
    if (seen && now - seen.at < TOKEN_TTL_MS) {
      if (seen.fingerprint !== clientToken.fingerprint) throw new S3Error('IdempotencyParameterMismatch');
      const dst = objects.get(seen.dst);
      return dst ? { record: structuredClone(dst), replayed: true } : { replayed: true };
    }
    const src = objects.get(srcKey);
    const dst = objects.get(dstKey);
    check(src && structuredClone(src), dst && structuredClone(dst));
    if (!src) throw new S3Error('NoSuchKey', undefined, { Key: srcKey });
    const moved = { ...src, key: dstKey };
    objects.delete(srcKey);
    objects.set(dstKey, moved);
    if (dst) this.unref(dst.segments.map((g) => g.blobId));
    if (clientToken) {
      tokens.set(clientToken.token, { fingerprint: clientToken.fingerprint, at: now, dst: dstKey });
      this.tokens.set(bucket, tokens);
    }
    return { record: structuredClone(moved), replayed: false };
  }

  // --- multipart uploads ------------------------------------------------------------------

  createUpload(upload: NewUpload): string {
    this.bucket(upload.bucket);
    const uploadId = randomBytes(24).toString('base64url');
    this.uploads.set(uploadId, { ...structuredClone(upload), uploadId });
    this.parts.set(uploadId, new Map());
    return uploadId;
  }

  getUpload(uploadId: string): UploadRecord | undefined {
    const u = this.uploads.get(uploadId);
    return u && structuredClone(u);
  }

  abortUpload(uploadId: string): boolean {
    if (!this.uploads.has(uploadId)) return false;
    this.dropUpload(uploadId, new Set());
    return true;
  }

  async putPart(
    uploadId: string,
    partNumber: number,
    body: Readable,
    build: (received: ReceivedBody) => PartFields,
  ): Promise<PartRecord> {
    const data = await receive(body);
    if (!this.uploads.has(uploadId)) throw noSuchUpload(uploadId);
    const fields = build({ size: data.length });
    const parts = this.parts.get(uploadId);
    if (!parts) throw noSuchUpload(uploadId);
    const part: PartRecord = {
      ...structuredClone(fields),
      uploadId,
      partNumber,
      blobId: this.store(data),
      size: data.length,
    };
    const old = parts.get(partNumber);
    parts.set(partNumber, part);
    if (old) this.unref([old.blobId]);
    return structuredClone(part);
  }

  listParts(uploadId: string, afterPartNumber: number, limit: number): PartListPage {
    const all = [...(this.parts.get(uploadId)?.values() ?? [])]
      .filter((p) => p.partNumber > afterPartNumber)
      .sort((a, b) => a.partNumber - b.partNumber);
    const parts = all.slice(0, limit).map((p) => structuredClone(p));
    return all.length > limit
      ? { parts, isTruncated: true, nextPartNumberMarker: parts[parts.length - 1]?.partNumber }
      : { parts, isTruncated: false };
  }

  listUploads(q: ListUploadsQuery): UploadListPage {
    const position = (u: UploadRecord): string => `${u.key}\u0000${u.initiated.getTime()}.${u.uploadId}`;
    const all = [...this.uploads.values()]
      .filter((u) => u.bucket === q.bucket && u.key.startsWith(q.prefix))
      .sort(
        (a, b) =>
          utf8(a.key, b.key) || a.initiated.getTime() - b.initiated.getTime() || utf8(a.uploadId, b.uploadId),
      );
    const page: UploadListPage = { uploads: [], commonPrefixes: [], isTruncated: false };
    if (q.maxUploads <= 0) return page;
    const after = q.after;
    // A position is "key", "key\0…" (after that upload) or a common prefix.
    const isPast = (u: UploadRecord, entry: string, prefixEntry: boolean): boolean => {
      if (after === undefined) return true;
      if (!after.includes('\u0000')) return utf8(prefixEntry ? entry : u.key, after) > 0;
      if (prefixEntry) return utf8(entry, after.slice(0, after.indexOf('\u0000'))) > 0;
      return utf8(position(u), after) > 0;
    };
    let count = 0;
    for (const u of all) {
      const at = q.delimiter === undefined ? -1 : u.key.indexOf(q.delimiter, q.prefix.length);
      const entry = at < 0 ? u.key : u.key.slice(0, at + 1);
      if (!isPast(u, entry, at >= 0)) continue;
      if (at >= 0 && page.commonPrefixes[page.commonPrefixes.length - 1] === entry) continue;
      if (count === q.maxUploads) {
        page.isTruncated = true;
        break;
      }
      count++;
      if (at >= 0) {
        page.commonPrefixes.push(entry);
        page.lastReturned = entry;
      } else {
        page.uploads.push(structuredClone(u));
        page.lastReturned = position(u);
      }
    }
    if (!page.isTruncated) delete page.lastReturned;
    return page;
  }

  async completeUpload(
    uploadId: string,
    build: (upload: UploadRecord, parts: readonly PartRecord[]) => CompletedUpload,
    condition?: WriteCondition,
  ): Promise<ObjectRecord> {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw noSuchUpload(uploadId);
    const own = this.parts.get(uploadId)!;
    const listed = [...own.values()].sort((a, b) => a.partNumber - b.partNumber);
    const built = build(
      structuredClone(upload),
      listed.map((p) => structuredClone(p)),
    );
    const used = new Set<number>();
    for (const p of built.parts) {
      if (own.get(p.partNumber)?.blobId !== p.blobId || used.has(p.partNumber)) {
        throw new Error(`completeUpload: part ${p.partNumber} is not a part of ${uploadId}, or used twice`);
      }
      used.add(p.partNumber);
    }
    const objects = this.objects.get(upload.bucket);
    if (!objects) throw noSuchBucket(upload.bucket);
    checkWriteCondition(objects.get(upload.key), condition, upload.key);
    const segments: Segment[] = built.parts.map((p) => ({
      blobId: p.blobId,
      size: p.size,
      etag: p.etag,
      checksums: { ...p.checksums },
    }));
    const size = segments.reduce((n, g) => n + g.size, 0);
    const keep = new Set(segments.map((g) => g.blobId));
    this.dropUpload(uploadId, keep);
    return this.replace(upload.bucket, upload.key, {
      ...structuredClone(built.object),
      bucket: upload.bucket,
      key: upload.key,
      size,
      segments,
    });
  }

  // --- lifecycle --------------------------------------------------------------------------

  settled(): Promise<void> {
    return this.background;
  }

  close(): void {}

  // --- blobs ------------------------------------------------------------------------------

  /** Bytes [from, to) of the blobs `ids` laid end to end; throws if one is gone. */
  private slice(ids: readonly string[], from: number, to: number): Buffer {
    const out: Buffer[] = [];
    let offset = 0;
    for (const id of ids) {
      const blob = this.blobs.get(id);
      if (!blob) throw new Error(`blob ${id} was freed while read`);
      const end = offset + blob.data.length;
      if (end > from && offset < to) out.push(blob.data.subarray(Math.max(0, from - offset), to - offset));
      offset = end;
    }
    return Buffer.concat(out);
  }

  private *chunks(ids: readonly string[], from: number, to: number): Generator<Buffer> {
    for (let at = from; at < to; at += 16 * 1024) yield this.slice(ids, at, Math.min(to, at + 16 * 1024));
  }

  private store(data: Buffer): string {
    const blobId = randomBytes(16).toString('hex');
    this.blobs.set(blobId, { data, refs: 1, pins: 0 });
    return blobId;
  }

  /** Puts `record` at its key; the replaced object's blobs are freed. */
  private replace(bucket: string, key: string, record: ObjectRecord): ObjectRecord {
    const objects = this.objects.get(bucket)!;
    const old = objects.get(key);
    objects.set(key, record);
    if (old) this.unref(old.segments.map((g) => g.blobId));
    return structuredClone(record);
  }

  /** Drops an upload and its parts; parts whose blob is in `keep` become the caller's. */
  private dropUpload(uploadId: string, keep: Set<string>): void {
    const parts = [...(this.parts.get(uploadId)?.values() ?? [])];
    this.uploads.delete(uploadId);
    this.parts.delete(uploadId);
    this.unref(parts.map((p) => p.blobId).filter((id) => !keep.has(id)));
  }

  private pin(ids: readonly string[]): void {
    for (const id of ids) this.blobs.get(id)!.pins++;
  }

  private unpin(ids: readonly string[]): void {
    for (const id of ids) {
      this.blobs.get(id)!.pins--;
      this.maybeFree(id);
    }
  }

  private unref(ids: readonly string[]): void {
    for (const id of ids) {
      this.blobs.get(id)!.refs--;
      this.maybeFree(id);
    }
  }

  /** Frees an unreferenced, unpinned blob in the background (as a store unlinking files would). */
  private maybeFree(id: string): void {
    const blob = this.blobs.get(id);
    if (!blob || blob.refs > 0 || blob.pins > 0) return;
    this.background = this.background.then(() => {
      const now = this.blobs.get(id);
      if (now && now.refs === 0 && now.pins === 0) this.blobs.delete(id);
    });
  }
}

async function receive(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function checkRange(range: ByteRange, size: number): void {
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= size) {
    throw new RangeError(`bytes ${start}-${end} are outside an object of ${size} bytes`);
  }
}
