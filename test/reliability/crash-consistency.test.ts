/**
 * Crash consistency: `zonal serve` (fsync on, the default) runs in a child process under a
 * concurrent storm of PutObject (up to multi-MiB, streamed), DeleteObject, multipart uploads
 * and appends from several SDK clients, and is killed with SIGKILL at a random moment, several
 * times. After each restart on the same data dir:
 *
 * - every acknowledged write is there, byte for byte, with its CRC32 (the last acknowledged
 *   state of each key; for the one operation per key that was in flight at the kill, either
 *   the state before or after it — never anything else, so never a torn object);
 * - the listing shows exactly those objects, with their sizes;
 * - no committed row points at a missing blob, and the temp files and orphan blobs the kill
 *   left are gone (counted with the metadata opened read-only);
 * - every multipart upload left open at the kill (some are left open on purpose) still has
 *   each acknowledged part, with its size and ETag; completed with them after the restart,
 *   it reads back as those parts' bytes.
 *
 * Most bodies are small enough to be kept inline in the metadata database (INLINE_MAX_BYTES),
 * the rest are blob files, so both tiers are killed mid-write: inline objects, appends onto
 * them and inline parts are counted and must all have been checked after a kill.
 *
 * Each worker owns its keys, so every key sees one operation at a time and its last
 * acknowledged state is well defined; the workers together keep the server busy.
 * ZONAL_CRASH_ROUNDS and ZONAL_CRASH_SEED make a run longer or reproducible.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { INLINE_MAX_BYTES } from '../../src/storage/embedded.js';
import { startServerProcess, type ServerProcess } from '../helpers/cli-server.js';
import { blobInventory, unexpectedPaths } from '../helpers/data-dir.js';
import {
  bodyBytes,
  crc32Base64,
  errorSummary,
  PROCESS_ROOT_ENV,
  processClients,
  seededBytes,
  sha256Hex,
  type ProcessClients,
} from '../helpers/process-clients.js';
import { createBucketInput } from '../helpers/zonal-fixture.js';

const BUCKET = 'crash--use1-az4--x-s3';
const KiB = 1024;
const MiB = 1024 * KiB;
const ROUNDS = Number(process.env.ZONAL_CRASH_ROUNDS ?? 3);
const SEED = Number(process.env.ZONAL_CRASH_SEED ?? Date.now() % 1_000_000);
const CLIENTS = 3;
const WORKERS_PER_CLIENT = 2;
const KEYS_PER_WORKER = 5;
/** Appends stop (the next write is a PUT) once an object reaches this size. */
const MAX_APPEND_TARGET = 12 * MiB;
/** Share of multipart uploads left open after their parts, to be checked after the next kill. */
const PARK_SHARE = 0.4;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with ZONAL_CRASH_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

interface Piece {
  seed: string;
  size: number;
}

/** An object's bytes as the seeded pieces they were written from; null means "no object". */
type Content = readonly Piece[] | null;

/** A multipart upload of the key, not (yet) completed, with its acknowledged parts. */
interface OpenUpload {
  uploadId: string;
  parts: { PartNumber: number; ETag?: string; ChecksumCRC32?: string; piece: Piece }[];
  /** CompleteMultipartUpload was sent: at a kill it may have been applied. */
  completing: boolean;
}

interface KeyModel {
  key: string;
  /** The state the last acknowledged operation left. */
  acked: Content;
  /** The outcome of the operation in flight, if any: at a kill, either state may be found. */
  pending?: Content;
  /** Uploads created (acknowledged) and not completed. */
  uploads: OpenUpload[];
}

const sizeOf = (c: Content): number => (c ?? []).reduce((n, p) => n + p.size, 0);
const bytesOf = (c: Content): Buffer => Buffer.concat((c ?? []).map((p) => seededBytes(p.seed, p.size)));
/** Stored inline in the metadata database (a non-empty body up to INLINE_MAX_BYTES). */
const isInline = (size: number): boolean => size > 0 && size <= INLINE_MAX_BYTES;
/** An object whose every segment is inline. */
const isInlineObject = (c: Content): boolean =>
  c !== null && c.length > 0 && c.every((p) => isInline(p.size));

/** What the storm did, for the figures in docs/RELIABILITY.md. */
const stats = {
  acked: {
    put: 0,
    inlinePut: 0,
    streamedPut: 0,
    delete: 0,
    multipart: 0,
    append: 0,
    appendOntoInline: 0,
    part: 0,
    parked: 0,
    read: 0,
  },
  ackedBytes: 0,
  inFlightAtKill: 0,
  inFlightApplied: 0,
  tmpFilesAfterKill: 0,
  orphanBlobsAfterKill: 0,
  uploadsAfterKill: 0,
  keysChecked: 0,
  /** Key states checked after a kill whose every segment is inline; of them, appended ones. */
  inlineKeysChecked: 0,
  inlineAppendedKeysChecked: 0,
  /** Acknowledged parts of open uploads checked after a kill; of them, inline ones. */
  partsChecked: 0,
  inlinePartsChecked: 0,
  lost: 0,
};

interface Round {
  killed: boolean;
  /** Failures before the kill: always a bug. */
  errors: string[];
  seq: number;
}

/** A body of `size` bytes: a Buffer, or for large ones a stream the SDK sends aws-chunked. */
function bodyFor(bytes: Buffer): { Body: Buffer | Readable; ContentLength: number; streamed: boolean } {
  if (bytes.length < MiB) return { Body: bytes, ContentLength: bytes.length, streamed: false };
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 64 * KiB) chunks.push(bytes.subarray(at, at + 64 * KiB));
  return { Body: Readable.from(chunks), ContentLength: bytes.length, streamed: true };
}

/** 60% up to 16 KiB, 30% up to 512 KiB, 10% 1–6 MiB (streamed). */
function putSize(): number {
  const r = random();
  if (r < 0.6) return between(0, 16 * KiB);
  if (r < 0.9) return between(16 * KiB, 512 * KiB);
  return between(MiB, 6 * MiB);
}

async function put(s3: S3Client, k: KeyModel, round: Round, tag: string): Promise<void> {
  const piece = { seed: tag, size: putSize() };
  const bytes = seededBytes(piece.seed, piece.size);
  const body = bodyFor(bytes);
  k.pending = [piece];
  const out = await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: k.key,
      Body: body.Body,
      ContentLength: body.ContentLength,
      ChecksumAlgorithm: 'CRC32',
    }),
  );
  if (out.ChecksumCRC32 !== crc32Base64(bytes))
    round.errors.push(`PutObject ${k.key}: wrong CRC32 in the answer`);
  acknowledge(k);
  stats.acked.put++;
  if (isInline(piece.size)) stats.acked.inlinePut++;
  if (body.streamed) stats.acked.streamedPut++;
  stats.ackedBytes += piece.size;
}

async function append(s3: S3Client, k: KeyModel, tag: string): Promise<void> {
  const piece = { seed: tag, size: random() < 0.9 ? between(1, 64 * KiB) : between(MiB, 2 * MiB) };
  const body = bodyFor(seededBytes(piece.seed, piece.size));
  const offset = sizeOf(k.acked);
  const ontoInline = isInlineObject(k.acked) && isInline(piece.size);
  k.pending = [...(k.acked ?? []), piece];
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: k.key,
      Body: body.Body,
      ContentLength: body.ContentLength,
      WriteOffsetBytes: offset,
    }),
  );
  acknowledge(k);
  stats.acked.append++;
  if (ontoInline) stats.acked.appendOntoInline++;
  stats.ackedBytes += piece.size;
}

async function remove(s3: S3Client, k: KeyModel): Promise<void> {
  k.pending = null;
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: k.key }));
  acknowledge(k);
  stats.acked.delete++;
}

/** Half the parts inline (up to INLINE_MAX_BYTES), half blob files up to 1 MiB. */
const partSize = (): number =>
  random() < 0.5 ? between(1, INLINE_MAX_BYTES) : between(INLINE_MAX_BYTES + 1, MiB);

/**
 * One part or two (5 MiB + a tail); the key changes only at CompleteMultipartUpload. Some
 * uploads are left open after their parts (parked): verify() checks them after the next kill.
 */
async function multipart(
  s3: S3Client,
  k: KeyModel,
  tag: string,
  plan: { sizes: number[]; park: boolean } = {
    sizes: random() < 0.3 ? [5 * MiB, partSize()] : [partSize()],
    park: random() < PARK_SHARE,
  },
): Promise<void> {
  const { sizes, park } = plan;
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: k.key }));
  const upload: OpenUpload = { uploadId: UploadId!, parts: [], completing: false };
  k.uploads.push(upload);
  for (const [i, size] of sizes.entries()) {
    const piece = { seed: `${tag}.${i + 1}`, size };
    const out = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: k.key,
        UploadId,
        PartNumber: i + 1,
        Body: seededBytes(piece.seed, size),
      }),
    );
    upload.parts.push({ PartNumber: i + 1, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32, piece });
    stats.acked.part++;
  }
  if (park) {
    stats.acked.parked++;
    return;
  }
  const pieces = upload.parts.map((p) => p.piece);
  k.pending = pieces;
  upload.completing = true;
  await complete(s3, k.key, upload);
  k.uploads.splice(k.uploads.indexOf(upload), 1);
  acknowledge(k);
  stats.acked.multipart++;
  stats.ackedBytes += sizeOf(pieces);
}

function complete(s3: S3Client, key: string, upload: OpenUpload): Promise<unknown> {
  return s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId: upload.uploadId,
      MultipartUpload: { Parts: upload.parts.map(({ piece: _, ...part }) => part) },
    }),
  );
}

/** Reads the key during the storm: it must be exactly its acknowledged state. */
async function read(s3: S3Client, k: KeyModel, round: Round): Promise<void> {
  const found = await fetchObject(s3, k.key);
  if (round.killed) return;
  const expected = k.acked;
  if (found === null ? expected !== null : found.sha !== sha256Hex(bytesOf(expected))) {
    round.errors.push(`GetObject ${k.key} during the storm: not its acknowledged state`);
  }
  stats.acked.read++;
}

function acknowledge(k: KeyModel): void {
  k.acked = k.pending!;
  delete k.pending;
}

/** One operation on one of the worker's keys, chosen by the key's state. */
async function step(s3: S3Client, keys: KeyModel[], round: Round, worker: number): Promise<void> {
  const k = keys[between(0, keys.length - 1)]!;
  const tag = `seed${SEED}-w${worker}-${round.seq++}`;
  const r = random();
  if (k.acked === null) {
    if (r < 0.65) return put(s3, k, round, tag);
    if (r < 0.85) return multipart(s3, k, tag);
    return append(s3, k, tag); // offset 0 creates
  }
  if (r < 0.25) return put(s3, k, round, tag);
  if (r < 0.55 && sizeOf(k.acked) < MAX_APPEND_TARGET) return append(s3, k, tag);
  if (r < 0.7) return remove(s3, k);
  if (r < 0.85) return multipart(s3, k, tag);
  return read(s3, k, round);
}

async function worker(s3: S3Client, keys: KeyModel[], round: Round, id: number): Promise<void> {
  // First an upload left open with one part, inline for even workers, a blob file for odd
  // ones: acknowledged parts of both tiers for the kill, whatever the random mix does.
  const size = id % 2 === 0 ? between(1, INLINE_MAX_BYTES) : between(INLINE_MAX_BYTES + 1, MiB);
  let next = (): Promise<void> =>
    multipart(s3, keys[0]!, `seed${SEED}-w${id}-${round.seq++}`, { sizes: [size], park: true });
  while (!round.killed) {
    try {
      await next();
    } catch (err) {
      if (!round.killed) round.errors.push(`worker ${id}: ${errorSummary(err).message}`);
      return;
    }
    next = () => step(s3, keys, round, id);
  }
}

/** Reads an object whole: null if absent, else its SHA-256, size and the CRC32 the server reports. */
async function fetchObject(
  s3: S3Client,
  key: string,
): Promise<{ sha: string; size: number; crc32?: string; checksumType?: string } | null> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    const bytes = await bodyBytes(got.Body);
    if (got.ContentLength !== bytes.length)
      throw new Error(`${key}: Content-Length ${got.ContentLength}, ${bytes.length} bytes`);
    return {
      sha: sha256Hex(bytes),
      size: bytes.length,
      crc32: got.ChecksumCRC32,
      checksumType: got.ChecksumType,
    };
  } catch (err) {
    if (errorSummary(err).name === 'NoSuchKey') return null;
    throw err;
  }
}

/**
 * Checks every key against its acknowledged state (or, if an operation was in flight at the
 * kill, its outcome) and the listing against the keys; then adopts what was found.
 */
async function verify(s3: S3Client, models: KeyModel[]): Promise<void> {
  const problems: string[] = [];
  for (const k of models) {
    const found = await fetchObject(s3, k.key);
    const candidates: Content[] = 'pending' in k ? [k.acked, k.pending!] : [k.acked];
    const match = candidates.find((c) =>
      found === null ? c === null : c !== null && sha256Hex(bytesOf(c)) === found.sha,
    );
    if (match === undefined) {
      stats.lost++;
      problems.push(
        `${k.key}: found ${found === null ? 'nothing' : `${found.size} bytes`}, expected ${candidates
          .map((c) => (c === null ? 'nothing' : `${sizeOf(c)} bytes`))
          .join(' or ')}`,
      );
      continue;
    }
    if (found !== null) checkCrc(k.key, found, match, problems);
    const applied = 'pending' in k && match === k.pending;
    if ('pending' in k) {
      stats.inFlightAtKill++;
      if (applied) stats.inFlightApplied++;
    }
    stats.keysChecked++;
    if (isInlineObject(match)) {
      stats.inlineKeysChecked++;
      if (match!.length > 1) stats.inlineAppendedKeysChecked++;
    }
    k.acked = match;
    delete k.pending;
    await verifyUploads(s3, k, applied, problems);
  }
  const listed = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
    for (const o of page.Contents ?? []) listed.set(o.Key!, o.Size!);
    token = page.NextContinuationToken;
  } while (token);
  const expected = new Map(models.filter((k) => k.acked !== null).map((k) => [k.key, sizeOf(k.acked)]));
  assert.deepEqual(listed, expected, 'the listing shows exactly the surviving objects, with their sizes');
  assert.deepEqual(problems, [], `acknowledged writes lost or torn (seed ${SEED})`);
}

function checkCrc(
  key: string,
  found: { crc32?: string; checksumType?: string },
  content: Content,
  problems: string[],
): void {
  const crc = crc32Base64(bytesOf(content));
  if (found.crc32 !== crc || found.checksumType !== 'FULL_OBJECT') {
    problems.push(`${key}: CRC32 ${found.crc32} (${found.checksumType}), expected ${crc} FULL_OBJECT`);
  }
}

/** The parts of an upload as the server lists them, or null for NoSuchUpload. */
async function listParts(
  s3: S3Client,
  key: string,
  uploadId: string,
): Promise<Map<number, { size?: number; etag?: string }> | null> {
  try {
    const out = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    return new Map((out.Parts ?? []).map((p) => [p.PartNumber!, { size: p.Size, etag: p.ETag }]));
  } catch (err) {
    if (errorSummary(err).name === 'NoSuchUpload') return null;
    throw err;
  }
}

/**
 * After a restart: each upload of `k` the model knows is open still has every acknowledged
 * part (at most the one part in flight at the kill besides), unless its completion was in
 * flight and was applied (`completeApplied`: the key holds the completed object), in which
 * case the upload is gone. Then it is completed with the acknowledged parts, which must read
 * back byte for byte, and the key adopts that state (an upload without parts is aborted).
 */
async function verifyUploads(
  s3: S3Client,
  k: KeyModel,
  completeApplied: boolean,
  problems: string[],
): Promise<void> {
  for (const u of k.uploads.splice(0)) {
    const listed = await listParts(s3, k.key, u.uploadId);
    const applied = u.completing && completeApplied;
    if (listed === null || applied) {
      if (listed === null && !applied)
        problems.push(`${k.key}: upload with ${u.parts.length} acknowledged parts lost`);
      if (listed !== null) problems.push(`${k.key}: completed upload still open`);
      continue;
    }
    for (const p of u.parts) {
      const found = listed.get(p.PartNumber);
      stats.partsChecked++;
      if (isInline(p.piece.size)) stats.inlinePartsChecked++;
      if (found?.size !== p.piece.size || found.etag !== p.ETag) {
        stats.lost++;
        problems.push(
          `${k.key}: acknowledged part ${p.PartNumber} (${p.piece.size} bytes, ${p.ETag}) listed as ` +
            (found ? `${found.size} bytes, ${found.etag}` : 'missing'),
        );
      }
    }
    const unknown = [...listed.keys()].filter((n) => !u.parts.some((p) => p.PartNumber === n));
    if (unknown.some((n) => n !== u.parts.length + 1)) {
      problems.push(`${k.key}: parts ${unknown.join(', ')} listed, never sent or in flight`);
    }
    if (u.parts.length === 0) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: k.key, UploadId: u.uploadId }));
      continue;
    }
    await complete(s3, k.key, u);
    const content = u.parts.map((p) => p.piece);
    const found = await fetchObject(s3, k.key);
    if (found?.sha !== sha256Hex(bytesOf(content))) {
      stats.lost++;
      problems.push(`${k.key}: upload completed after the kill does not read back as its parts`);
    } else {
      checkCrc(k.key, found, content, problems);
    }
    k.acked = content;
  }
}

describe('crash consistency under SIGKILL', { timeout: 120_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-crash-'));
  let server: ServerProcess | undefined;
  let clients: ProcessClients | undefined;
  after(async () => {
    clients?.destroy();
    await server?.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(`${ROUNDS} SIGKILLs mid-storm lose no acknowledged write and leave nothing torn or orphaned`, async (t) => {
    const started = Date.now();
    const start = async (): Promise<void> => {
      server = await startServerProcess(['--port', '0', '--data-dir', dataDir], PROCESS_ROOT_ENV);
      assert.match(server.output(), /fsync on/);
      clients = processClients(server.endpoint);
    };
    await start();
    await clients!.control().send(new CreateBucketCommand(createBucketInput(BUCKET)));
    const models: KeyModel[][] = [];
    for (let w = 0; w < CLIENTS * WORKERS_PER_CLIENT; w++) {
      models.push(
        Array.from(
          { length: KEYS_PER_WORKER },
          (_, i) => ({ key: `w${w}/key-${i}`, acked: null, uploads: [] }) as KeyModel,
        ),
      );
    }
    const all = models.flat();

    for (let r = 1; r <= ROUNDS; r++) {
      const round: Round = { killed: false, errors: [], seq: 0 };
      const s3s = Array.from({ length: CLIENTS }, () => clients!.data());
      const workers = models.map((keys, w) => worker(s3s[w % CLIENTS]!, keys, round, w));
      const stormMs = between(1200, 3500);
      await new Promise((resolve) => setTimeout(resolve, stormMs));
      round.killed = true;
      assert.equal(await server!.stop('SIGKILL'), null, 'killed by the signal');
      await Promise.all(workers);
      clients!.destroy();
      assert.deepEqual(round.errors, [], `round ${r}: failures before the kill`);

      // What the kill left: committed rows all have their blobs; stray files are counted.
      const crashed = blobInventory(dataDir);
      assert.deepEqual(crashed.missing, [], `round ${r}: committed rows without their blobs`);
      stats.tmpFilesAfterKill += crashed.tmpFiles;
      stats.orphanBlobsAfterKill += crashed.orphans.length;
      stats.uploadsAfterKill += crashed.uploads;

      await start();
      const swept = blobInventory(dataDir);
      assert.equal(swept.tmpFiles, 0, `round ${r}: temp files removed at restart`);
      assert.deepEqual(swept.orphans, [], `round ${r}: orphan blobs removed at restart`);
      assert.deepEqual(swept.missing, []);
      await verify(clients!.data(), all);
      t.diagnostic(
        `round ${r}: killed after ${stormMs} ms; ${crashed.tmpFiles} temp files and ${crashed.orphans.length} orphan blobs swept`,
      );
    }

    // Uploads whose CreateMultipartUpload was in flight at a kill (the others were checked and
    // completed by verify()) may be there; aborting them frees their blobs.
    const s3 = clients!.data();
    const { Uploads = [] } = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    for (const u of Uploads) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: u.Key, UploadId: u.UploadId }));
    }
    clients!.destroy();
    assert.equal(await server!.stop('SIGTERM'), 0, 'graceful exit');
    server = undefined;
    const final = blobInventory(dataDir);
    assert.equal(final.uploads, 0);
    assert.deepEqual([...final.onDisk].sort(), [...final.referenced].sort(), 'exactly the referenced blobs');
    assert.equal(final.tmpFiles, 0);
    assert.deepEqual(unexpectedPaths(dataDir), []);
    assert.equal(stats.lost, 0);
    // Both storage tiers were killed mid-storm and checked after a kill.
    assert.ok(stats.inlineKeysChecked > 0, 'inline objects checked after a kill');
    assert.ok(stats.inlineAppendedKeysChecked > 0, 'appends onto inline objects checked after a kill');
    assert.ok(stats.inlinePartsChecked > 0, 'acknowledged inline parts checked after a kill');
    assert.ok(stats.partsChecked > stats.inlinePartsChecked, 'acknowledged blob-file parts checked too');

    const a = stats.acked;
    const summary =
      `seed ${SEED}, ${ROUNDS} SIGKILLs in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `${a.put + a.delete + a.multipart + a.append} acknowledged writes (${a.put} PutObject of which ` +
      `${a.inlinePut} inline and ${a.streamedPut} streamed ≥ 1 MiB, ${a.append} appends of which ` +
      `${a.appendOntoInline} inline onto inline objects, ${a.multipart} multipart, ${a.delete} deletes, ` +
      `${a.part} parts in ${a.multipart + a.parked} uploads of which ${a.parked} left open; ` +
      `${(stats.ackedBytes / MiB).toFixed(1)} MiB), ${a.read} reads; ${stats.keysChecked} key states checked ` +
      `after restarts (${stats.inlineKeysChecked} inline objects, ${stats.inlineAppendedKeysChecked} of them ` +
      `appended), ${stats.partsChecked} acknowledged parts of open uploads (${stats.inlinePartsChecked} inline), ` +
      `${stats.inFlightAtKill} operations in flight at a kill (${stats.inFlightApplied} found applied), ` +
      `${stats.tmpFilesAfterKill} temp files and ${stats.orphanBlobsAfterKill} orphan blobs swept, ` +
      `${Uploads.length} interrupted uploads aborted; lost or torn: ${stats.lost}`;
    t.diagnostic(summary);
    console.log(`# crash consistency: ${summary}`);
  });
});
