/**
 * One read-write worker of the soak: a sequential loop of object operations under its own key
 * prefix, so that it knows exactly what the bucket holds there and checks every answer
 * against it (bytes, ETag, checksum, listing).
 */
import assert from 'node:assert/strict';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { bodyBytes, crc32Base64, seededBytes } from '../helpers/process-clients.js';
import type { Random } from './random.js';
import type { Tally } from './tally.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** S3's smallest part but the last. */
const MIN_PART = 5 * MiB;
/** Keys a worker cycles through: overwrites, deletes and re-creations all happen. */
const KEY_SLOTS = 16;

/** What a key holds: its bytes are `seededBytes(seed, size)`. */
export interface StoredObject {
  seed: string;
  size: number;
  etag: string;
}

export const contentOf = (o: StoredObject): Buffer => seededBytes(o.seed, o.size);

/** Checks a full GetObject answer against what was stored. */
export async function checkGet(
  s3: S3Client,
  bucket: string,
  key: string,
  expected: StoredObject,
): Promise<void> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const bytes = await bodyBytes(got.Body);
  const want = contentOf(expected);
  assert.ok(bytes.equals(want), `GET ${key}: ${bytes.length} bytes differ from the ${want.length} stored`);
  assert.equal(got.ETag, expected.etag, `GET ${key}: ETag`);
  // Whole-object CRC32 (single PUT, copy, multipart without an algorithm: FULL_OBJECT).
  if (got.ChecksumCRC32 !== undefined)
    assert.equal(got.ChecksumCRC32, crc32Base64(want), `GET ${key}: CRC32`);
}

/** Checks a ranged GetObject of a random range of a non-empty object. */
export async function checkRange(
  s3: S3Client,
  bucket: string,
  key: string,
  expected: StoredObject,
  rng: Random,
): Promise<void> {
  const start = rng.int(expected.size);
  const end = Math.min(expected.size - 1, start + rng.int(256 * KiB));
  const got = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }),
  );
  const bytes = await bodyBytes(got.Body);
  assert.equal(got.ContentRange, `bytes ${start}-${end}/${expected.size}`, `range of ${key}`);
  assert.ok(
    bytes.equals(contentOf(expected).subarray(start, end + 1)),
    `range ${start}-${end} of ${key} differs`,
  );
  assert.equal(got.ETag, expected.etag);
}

export async function checkHead(
  s3: S3Client,
  bucket: string,
  key: string,
  expected: StoredObject,
): Promise<void> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  assert.equal(head.ContentLength, expected.size, `HEAD ${key}: size`);
  assert.equal(head.ETag, expected.etag, `HEAD ${key}: ETag`);
}

/** Lists `prefix` in random page sizes and checks it holds exactly `expected`. */
export async function checkList(
  s3: S3Client,
  bucket: string,
  prefix: string,
  expected: ReadonlyMap<string, StoredObject>,
  rng: Random,
): Promise<void> {
  const seen = new Map<string, { size: number; etag: string }>();
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: 1 + rng.int(20),
        ContinuationToken,
      }),
    );
    for (const o of page.Contents ?? []) {
      assert.ok(!seen.has(o.Key!), `LIST ${prefix}: ${o.Key} twice`);
      seen.set(o.Key!, { size: o.Size!, etag: o.ETag! });
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken !== undefined);
  // Directory buckets do not list in key order: compare as sets.
  assert.deepEqual([...seen.keys()].sort(), [...expected.keys()].sort(), `LIST ${prefix}: keys`);
  for (const [key, o] of expected)
    assert.deepEqual(seen.get(key), { size: o.size, etag: o.etag }, `LIST ${key}`);
}

type Operation =
  | 'putSmall'
  | 'putLarge'
  | 'get'
  | 'getRange'
  | 'head'
  | 'list'
  | 'delete'
  | 'deleteObjects'
  | 'copy'
  | 'multipart'
  | 'abortedMultipart'
  | 'mistakes';

/** The mix: mostly reads and small writes, as an object store sees. */
const MIX: readonly (readonly [Operation, number])[] = [
  ['putSmall', 20],
  ['putLarge', 4],
  ['get', 20],
  ['getRange', 14],
  ['head', 10],
  ['list', 5],
  ['delete', 5],
  ['deleteObjects', 3],
  ['copy', 5],
  ['multipart', 2],
  ['abortedMultipart', 1],
  ['mistakes', 3],
];

export class ObjectWorker {
  private readonly stored = new Map<string, StoredObject>();
  private writes = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly rng: Random,
    private readonly tally: Tally,
  ) {}

  /** One random operation, counted in the tally (a failure is recorded, not thrown). */
  async step(): Promise<void> {
    let op = this.rng.weighted(MIX);
    // Reads need something to read.
    if (this.stored.size === 0 && !['putSmall', 'putLarge', 'multipart', 'mistakes'].includes(op))
      op = 'putSmall';
    await this.tally.run(op, () => this[op]());
  }

  /** Checks that the prefix holds exactly what this worker wrote (after its last step). */
  async verifyAll(): Promise<void> {
    await checkList(this.s3, this.bucket, this.prefix, this.stored, this.rng);
    for (const [key, o] of this.stored) await checkGet(this.s3, this.bucket, key, o);
  }

  get objectCount(): number {
    return this.stored.size;
  }

  private slot(): string {
    const n = this.rng.int(KEY_SLOTS);
    // A third of the keys sit in subdirectories, which come and go with their last object.
    return n % 3 === 0 ? `${this.prefix}d${n % 2}/k${n}` : `${this.prefix}k${n}`;
  }

  private storedKey(): [string, StoredObject] {
    const key = this.rng.pick([...this.stored.keys()]);
    return [key, this.stored.get(key)!];
  }

  private nextSeed(): string {
    this.writes += 1;
    return `${this.prefix}${this.writes}`;
  }

  private async put(size: number): Promise<void> {
    const key = this.slot();
    const seed = this.nextSeed();
    const body = seededBytes(seed, size);
    const out = await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
    // The SDK sends a CRC32 of the body; the server answers with the one it verified and stored.
    assert.equal(out.ChecksumCRC32, crc32Base64(body), `PUT ${key}: CRC32`);
    assert.match(out.ETag ?? '', /^"[0-9a-f]{32}"$/, `PUT ${key}: ETag`);
    this.stored.set(key, { seed, size, etag: out.ETag! });
  }

  private putSmall(): Promise<void> {
    // Empty objects too, now and then.
    return this.put(this.rng.int(10) === 0 ? 0 : 1 + this.rng.int(64 * KiB));
  }

  private putLarge(): Promise<void> {
    return this.put(MiB - 32 * KiB + this.rng.int(64 * KiB));
  }

  private async get(): Promise<void> {
    const [key, o] = this.storedKey();
    await checkGet(this.s3, this.bucket, key, o);
  }

  private async getRange(): Promise<void> {
    const [key, o] = this.storedKey();
    if (o.size === 0) return checkGet(this.s3, this.bucket, key, o);
    await checkRange(this.s3, this.bucket, key, o, this.rng);
  }

  private async head(): Promise<void> {
    const [key, o] = this.storedKey();
    await checkHead(this.s3, this.bucket, key, o);
  }

  private list(): Promise<void> {
    return checkList(this.s3, this.bucket, this.prefix, this.stored, this.rng);
  }

  private async delete(): Promise<void> {
    const [key] = this.storedKey();
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    this.stored.delete(key);
    await this.tally.mistake(
      'head-deleted',
      this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })),
      'NotFound',
      404,
    );
  }

  private async deleteObjects(): Promise<void> {
    const keys = new Set<string>();
    const want = 1 + this.rng.int(4);
    for (let i = 0; i < want && keys.size < this.stored.size; i++) keys.add(this.storedKey()[0]);
    // A key that does not exist is reported deleted too (S3 semantics).
    const absent = `${this.prefix}never/${this.writes}`;
    const out = await this.s3.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: [...keys, absent].map((Key) => ({ Key })) },
      }),
    );
    assert.equal(out.Errors, undefined, `DeleteObjects errors: ${JSON.stringify(out.Errors)}`);
    assert.deepEqual((out.Deleted ?? []).map((d) => d.Key).sort(), [...keys, absent].sort());
    for (const key of keys) this.stored.delete(key);
  }

  private async copy(): Promise<void> {
    const [source, o] = this.storedKey();
    // A copy onto itself without changes is a client mistake (InvalidRequest): pick another key.
    let target = this.slot();
    while (target === source) target = this.slot();
    const out = await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: target,
        CopySource: `${this.bucket}/${encodeURIComponent(source)}`,
      }),
    );
    const etag = out.CopyObjectResult?.ETag;
    assert.match(etag ?? '', /^"[0-9a-f]{32}"$/, `COPY ${source} → ${target}: ETag`);
    // A copy is a new write: ETags in directory buckets are unique per write.
    assert.notEqual(etag, o.etag);
    this.stored.set(target, { ...o, etag: etag! });
  }

  private async uploadParts(
    key: string,
    UploadId: string,
    content: Buffer,
    sizes: number[],
  ): Promise<CompletedPart[]> {
    const parts: CompletedPart[] = [];
    let offset = 0;
    for (const [i, size] of sizes.entries()) {
      const body = content.subarray(offset, offset + size);
      offset += size;
      const out = await this.s3.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }),
      );
      assert.equal(out.ChecksumCRC32, crc32Base64(body), `part ${i + 1} of ${key}: CRC32`);
      parts.push({ PartNumber: i + 1, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 });
    }
    return parts;
  }

  private async multipart(): Promise<void> {
    const key = this.slot();
    const seed = this.nextSeed();
    // Mostly one small part; one upload in ten has a full-size first part and a small last one.
    const last = 1 + this.rng.int(128 * KiB);
    const sizes = this.rng.int(10) === 0 ? [MIN_PART, last] : [last];
    const size = sizes.reduce((a, b) => a + b, 0);
    const content = seededBytes(seed, size);
    const { UploadId } = await this.s3.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }),
    );
    const parts = await this.uploadParts(key, UploadId!, content, sizes);
    // A client mistake first: a part ETag that was never returned.
    await this.tally.mistake(
      'complete-wrong-etag',
      this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId,
          MultipartUpload: {
            Parts: [{ ...parts[0]!, ETag: '"00000000000000000000000000000000"' }, ...parts.slice(1)],
          },
        }),
      ),
      'InvalidPart',
      400,
    );
    const done = await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    assert.match(done.ETag ?? '', /^"[0-9a-f]{32}(-\d+)?"$/, `multipart ${key}: ETag ${done.ETag}`);
    this.stored.set(key, { seed, size, etag: done.ETag! });
  }

  private async abortedMultipart(): Promise<void> {
    const key = this.slot();
    const content = seededBytes(this.nextSeed(), 1 + this.rng.int(64 * KiB));
    const { UploadId } = await this.s3.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }),
    );
    await this.uploadParts(key, UploadId!, content, [content.length]);
    await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId }));
    await this.tally.mistake(
      'list-parts-aborted',
      this.s3.send(new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId })),
      'NoSuchUpload',
      404,
    );
    // The key keeps what it held before the aborted upload.
    const before = this.stored.get(key);
    if (before !== undefined) await checkHead(this.s3, this.bucket, key, before);
  }

  /** Mistakes an SDK user makes, each with the error S3 gives. */
  private async mistakes(): Promise<void> {
    const missing = `${this.prefix}missing/${this.writes}`;
    await this.tally.mistake(
      'get-missing',
      this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: missing })),
      'NoSuchKey',
      404,
    );
    await this.tally.mistake(
      'copy-missing',
      this.s3.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: `${this.prefix}k0`,
          CopySource: `${this.bucket}/${missing}`,
        }),
      ),
      'NoSuchKey',
      404,
    );
    const sized = [...this.stored.entries()].find(([, o]) => o.size > 0);
    if (sized !== undefined) {
      const [key, o] = sized;
      await this.tally.mistake(
        'range-beyond-end',
        this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${o.size}-` })),
        'InvalidRange',
        416,
      );
    }
  }
}
