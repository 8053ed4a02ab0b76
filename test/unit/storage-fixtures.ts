/** Helpers shared by the storage unit tests (storage*.test.ts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { S3Error } from '../../src/errors/s3-error.js';
import type {
  BucketRecord,
  ObjectRecord,
  PartRecord,
  Segment,
  WriteCondition,
} from '../../src/storage/types.js';

export const BUCKET = 'photos--usw2-az1--x-s3';
export const OWNER = '111122223333';
export const BLOB_NAME = /^[0-9a-f]{32}$/;

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-storage-'));
}

/** A store in a fresh temp dir, closed and removed when the test ends. */
export function openStore(
  t: { after(fn: () => void): void },
  fsync = false,
): { store: EmbeddedStore; dir: string } {
  const dir = tempDir();
  const store = EmbeddedStore.open({ dataDir: dir, fsync });
  t.after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { store, dir };
}

export function bucketRecord(name = BUCKET, owner = OWNER): BucketRecord {
  return {
    name,
    zoneId: 'usw2-az1',
    locationType: 'AvailabilityZone',
    region: 'us-west-2',
    ownerAccountId: owner,
    createdAt: new Date(1_700_000_000_123),
  };
}

let etagCounter = 0;

/** A record for `key` made of `segments`, with a fresh ETag and time. */
export function objectRecord(key: string, segments: Segment[], bucket = BUCKET): ObjectRecord {
  etagCounter++;
  return {
    bucket,
    key,
    size: segments.reduce((n, g) => n + g.size, 0),
    etag: `"etag${etagCounter}"`,
    lastModified: new Date(1_700_000_000_000 + etagCounter * 1000),
    content: { contentType: 'text/plain' },
    metadata: {},
    checksums: {},
    checksumType: 'FULL_OBJECT',
    multipart: false,
    encryption: { algorithm: 'AES256' },
    segments,
  };
}

/** Writes `data` as a blob; returns it as a segment. */
export async function writeSegment(store: EmbeddedStore, data: string | Buffer): Promise<Segment> {
  return store.writeBlob(Readable.from([Buffer.from(data)]));
}

/** Writes each piece as a blob and commits them, in order, as the segments of `key`. */
export async function putSegments(
  store: EmbeddedStore,
  key: string,
  pieces: (string | Buffer)[],
  condition?: WriteCondition,
  bucket = BUCKET,
): Promise<ObjectRecord> {
  const segments: Segment[] = [];
  for (const piece of pieces) segments.push(await writeSegment(store, piece));
  return store.commitObject(objectRecord(key, segments, bucket), condition);
}

/** A single-segment object (no segment for an empty body, as PUT does). */
export async function put(
  store: EmbeddedStore,
  key: string,
  data: string | Buffer = key,
  condition?: WriteCondition,
  bucket = BUCKET,
): Promise<ObjectRecord> {
  return putSegments(store, key, data.length === 0 ? [] : [data], condition, bucket);
}

/** Writes `data` as the blob of part `partNumber` and records it. */
export async function putPart(
  store: EmbeddedStore,
  uploadId: string,
  partNumber: number,
  data: string | Buffer,
): Promise<PartRecord> {
  const { blobId, size } = await writeSegment(store, data);
  const part: PartRecord = {
    uploadId,
    partNumber,
    blobId,
    size,
    etag: `"part${partNumber}-${++etagCounter}"`,
    checksums: { crc32: 'AAAAAA==' },
    lastModified: new Date(1_700_000_000_000 + etagCounter * 1000),
  };
  store.putPart(part);
  return part;
}

/** Creates an upload for `key` initiated at `initiated`. */
export function createUpload(
  store: EmbeddedStore,
  key: string,
  initiated = new Date(),
  bucket = BUCKET,
): string {
  return store.createUpload({
    bucket,
    key,
    content: {},
    metadata: {},
    initiated,
    encryption: { algorithm: 'AES256' },
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Resolves once the stream has emitted 'close' (its files are closed, its leases released). */
export function closed(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Every file under `dir`, as paths relative to it. */
export function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((p) => fs.statSync(path.join(dir, p)).isFile())
    .sort();
}

/** Names of the blob files in a data dir, sorted. */
export function blobNames(dir: string): string[] {
  return filesUnder(path.join(dir, 'blobs'))
    .map((p) => path.basename(p))
    .sort();
}

/** `blobNames` once the unlinks the store started in the background have finished. */
export async function settledBlobNames(store: EmbeddedStore, dir: string): Promise<string[]> {
  await store.blobsUnlinked();
  return blobNames(dir);
}

export function blobPath(dir: string, blobId: string): string {
  return path.join(dir, 'blobs', blobId.slice(0, 2), blobId);
}

export function blobExists(dir: string, blobId: string): boolean {
  return fs.existsSync(blobPath(dir, blobId));
}

/** The blob ids of a record, sorted (to compare with `blobNames`). */
export function blobsOf(...records: (Pick<ObjectRecord, 'segments'> | undefined)[]): string[] {
  return records.flatMap((r) => r?.segments.map((g) => g.blobId) ?? []).sort();
}

/** Asserts `fn` throws (or rejects with) an S3Error with this code and status. */
export function isS3Error(code: string, status: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof S3Error, `expected S3Error ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    return true;
  };
}

export const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
