/**
 * The ObjectStore contract, written once and run unchanged against every backend (as undici's
 * `cacheStoreTests(Store)` runs against each of its cache stores). Only the interface of
 * src/storage/object-store.ts is used; a backend's test file supplies a harness and calls
 * `objectStoreContract(name, open)`.
 *
 * Bodies come in two sizes so that both storage paths are exercised: TINY (≤ 1 KiB, kept in
 * the metadata by a store that inlines small bytes) and LARGE (above 64 KiB, a blob of its
 * own); appends and multipart uploads mix them. Races are made real with gated bodies: every
 * racer's body is half sent, and held, until every store call has started reading its body,
 * so a condition checked anywhere but at commit time lets more than one racer win.
 *
 * Every test ends with `leftovers() === 0` (an afterEach check): nothing a test did, failed
 * or refused may leave a stored blob that no object or part references.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { S3Error } from '../../src/errors/s3-error.js';
import type {
  ByteRange,
  CompletedUpload,
  NewUpload,
  ObjectFields,
  ObjectStore,
  PartFields,
  PinnedObject,
} from '../../src/storage/object-store.js';
import type {
  AccessPointRecord,
  BucketRecord,
  ListObjectsQuery,
  ObjectChecksums,
  ObjectRecord,
  PartRecord,
  UploadRecord,
  WriteCondition,
} from '../../src/storage/types.js';

/** What a backend's test file gives the contract: one fresh, empty store per test. */
export interface ContractHarness {
  /** The store under test (after `reopen()`, the reopened one). */
  readonly store: ObjectStore;
  /**
   * After `store.settled()`: how many stored blobs (files, inline bytes, temp files) no object
   * segment and no part references. 0 whenever no read holds a pin.
   */
  leftovers(): Promise<number>;
  /** Closes the store and opens the same data again (for durability checks), if it can. */
  reopen?(): Promise<ObjectStore>;
  /** Closes the store and removes its data. */
  close(): Promise<void>;
}

export const OWNER = '111122223333';
const OTHER_OWNER = '999988887777';
const LISTING_OWNER = '444455556666';
/** Every account the contract creates buckets for (to walk them all, see referencedBlobIds). */
export const CONTRACT_OWNERS: readonly string[] = [OWNER, OTHER_OWNER, LISTING_OWNER];

export const BUCKET = 'contract--usw2-az1--x-s3';
const NEIGHBOUR = 'neighbour--usw2-az1--x-s3';
const MISSING_BUCKET = 'missing--usw2-az1--x-s3';

/** A body small enough to be kept inline. */
const TINY = 300;
/** A body above 64 KiB: a blob of its own. */
const LARGE = 100_000;

/**
 * Blob ids referenced by an object segment or a part in any bucket of `owners`, found through
 * the interface alone; a harness subtracts them from what it has stored to count leftovers.
 */
export async function referencedBlobIds(
  store: ObjectStore,
  owners: readonly string[] = CONTRACT_OWNERS,
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const owner of owners) {
    let after: string | undefined;
    do {
      const page = await store.listBuckets(owner, after, 1000);
      for (const bucket of page.buckets) await collectBucketBlobs(store, bucket.name, ids);
      after = page.lastReturned;
    } while (after !== undefined);
  }
  return ids;
}

async function collectBucketBlobs(store: ObjectStore, bucket: string, ids: Set<string>): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const page = await store.listObjects({ bucket, prefix: '', after, maxKeys: 1000 });
    for (const summary of page.objects) {
      const record = await store.getObject(bucket, summary.key);
      for (const segment of record?.segments ?? []) ids.add(segment.blobId);
    }
    if (!page.isTruncated) break;
    after = page.lastReturned;
  }
  let position: string | undefined;
  for (;;) {
    const page = await store.listUploads({ bucket, prefix: '', after: position, maxUploads: 1000 });
    for (const upload of page.uploads) {
      let marker = 0;
      for (;;) {
        const parts = await store.listParts(upload.uploadId, marker, 1000);
        for (const part of parts.parts) ids.add(part.blobId);
        if (!parts.isTruncated) break;
        marker = parts.nextPartNumberMarker!;
      }
    }
    if (!page.isTruncated) break;
    position = page.lastReturned;
  }
}

// --- data and bodies ------------------------------------------------------------------------

function accessPointRecord(name: string, bucket = BUCKET, owner = OWNER): AccessPointRecord {
  return {
    name,
    bucket,
    bucketIncarnation: `incarnation-of-${bucket}-${OWNER}`,
    bucketOwnerAccountId: OWNER,
    ownerAccountId: owner,
    region: 'us-west-2',
    zoneId: 'usw2-az1',
    createdAt: new Date(1_700_000_000_456),
  };
}

export function bucketRecord(name = BUCKET, owner = OWNER): BucketRecord {
  return {
    name,
    zoneId: 'usw2-az1',
    locationType: 'AvailabilityZone',
    region: 'us-west-2',
    ownerAccountId: owner,
    createdAt: new Date(1_700_000_000_123),
    incarnation: `incarnation-of-${name}-${owner}`,
  };
}

const bytes = (n: number): Buffer => randomBytes(n);

function chunksOf(buf: Buffer, size = 16 * 1024): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; at += size) out.push(buf.subarray(at, at + size));
  return out;
}

/** A request-like body: a byte stream (not object mode) in chunks of 16 KiB. */
function bodyOf(buf: Buffer): Readable {
  return Readable.from(chunksOf(buf), { objectMode: false });
}

/** A body that hands over a chunk per event-loop turn, so that concurrent writes interleave. */
function trickle(buf: Buffer): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const chunk of chunksOf(buf, 8 * 1024)) {
      await nextTurn();
      yield chunk;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

interface Gate {
  opened: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

interface GatedBody {
  /** All the bytes the body sends. */
  data: Buffer;
  body: Readable;
  /** Resolves once the store has begun reading the body. */
  started: Promise<void>;
}

/** A body that sends its first half, then holds the rest until `g` opens. */
function gatedBody(buf: Buffer, g: Gate): GatedBody {
  assert.ok(buf.length >= 2, 'a gated body needs two halves');
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const half = Math.floor(buf.length / 2);
  async function* chunks(): AsyncGenerator<Buffer> {
    markStarted();
    yield buf.subarray(0, half);
    await g.opened;
    for (const chunk of chunksOf(buf.subarray(half))) yield chunk;
  }
  return { data: buf, body: Readable.from(chunks(), { objectMode: false }), started };
}

/**
 * Waits until every racer's store call has begun reading its body (or has already settled),
 * so that no racer can commit before the others have all started.
 */
async function allReading(bodies: GatedBody[], calls: Promise<unknown>[]): Promise<void> {
  await Promise.all(
    bodies.map((b, i) =>
      Promise.race([
        b.started,
        calls[i]!.then(
          () => undefined,
          () => undefined,
        ),
      ]),
    ),
  );
}

/** A body that sends `sent` bytes and then is destroyed, with `err` or (undefined) without one. */
function failingBody(sent: number, err: Error | undefined): Readable {
  const chunks = chunksOf(bytes(sent));
  let next = 0;
  return new Readable({
    read() {
      const chunk = chunks[next++];
      if (chunk) this.push(chunk);
      else setImmediate(() => this.destroy(err));
    },
  });
}

async function readAll(source: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** As a Readable: what `read()` gave (a Buffer for small reads). */
function asStream(source: Buffer | Readable): Readable {
  return Buffer.isBuffer(source) ? Readable.from([source], { objectMode: false }) : source;
}

/** Resolves once the stream has emitted 'close' (a store's pin and files are let go by then). */
function closed(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

const checksumsOf = (buf: Buffer): ObjectChecksums => ({
  sha256: createHash('sha256').update(buf).digest('base64'),
});

let serial = 0;

/** An object's fields with a fresh ETag and a whole-second time. */
function fields(extra: Partial<ObjectFields> = {}): ObjectFields {
  serial++;
  return {
    etag: `"${serial.toString(16).padStart(32, '0')}"`,
    lastModified: new Date(1_700_000_000_000 + serial * 1000),
    content: { contentType: 'application/octet-stream' },
    metadata: {},
    checksums: {},
    checksumType: 'FULL_OBJECT',
    multipart: false,
    encryption: { algorithm: 'AES256' },
    ...extra,
  };
}

function partFields(buf: Buffer): PartFields {
  serial++;
  return {
    etag: `"${createHash('md5').update(buf).digest('hex')}"`,
    checksums: checksumsOf(buf),
    lastModified: new Date(1_700_000_000_000 + serial * 1000),
  };
}

interface PutOptions {
  condition?: WriteCondition;
  bucket?: string;
  fields?: Partial<ObjectFields>;
  body?: Readable;
}

/** putObject of `data` (as a chunked body unless `opts.body`); build checks the received size. */
export function put(
  store: ObjectStore,
  key: string,
  data: Buffer | string,
  opts: PutOptions = {},
): Promise<ObjectRecord> {
  const buf = Buffer.from(data);
  return store.putObject(
    opts.bucket ?? BUCKET,
    key,
    opts.body ?? bodyOf(buf),
    (received) => {
      assert.equal(received.size, buf.length, 'build sees the size received');
      return fields(opts.fields);
    },
    opts.condition,
  );
}

interface AppendOptions {
  bucket?: string;
  /** Refuse (InvalidWriteOffset) unless the current size is this. */
  offset?: number;
  fields?: Partial<ObjectFields>;
  body?: Readable;
  /** Called with what build saw. */
  seen?: (current: ObjectRecord | undefined) => void;
}

const invalidWriteOffset = (): S3Error =>
  new S3Error(
    'InvalidWriteOffset',
    'The write offset value that you specified does not match the object size.',
  );

function append(
  store: ObjectStore,
  key: string,
  data: Buffer | string,
  opts: AppendOptions = {},
): Promise<ObjectRecord> {
  const buf = Buffer.from(data);
  return store.appendObject(opts.bucket ?? BUCKET, key, opts.body ?? bodyOf(buf), (current, received) => {
    opts.seen?.(current);
    assert.equal(received.size, buf.length, 'build sees the size received');
    if (opts.offset !== undefined && (current?.size ?? 0) !== opts.offset) throw invalidWriteOffset();
    return { object: fields(opts.fields), appendedChecksums: checksumsOf(buf) };
  });
}

function newUpload(key: string, initiated = new Date(1_700_000_000_000), bucket = BUCKET): NewUpload {
  return { bucket, key, initiated, content: {}, metadata: {}, encryption: { algorithm: 'AES256' } };
}

function putPart(
  store: ObjectStore,
  uploadId: string,
  partNumber: number,
  data: Buffer | string,
  body?: Readable,
): Promise<PartRecord> {
  const buf = Buffer.from(data);
  return store.putPart(uploadId, partNumber, body ?? bodyOf(buf), (received) => {
    assert.equal(received.size, buf.length, 'build sees the size received');
    return partFields(buf);
  });
}

/** An upload of `key` with parts 1..n of `bodies`. */
async function uploadWith(
  store: ObjectStore,
  key: string,
  bodies: Buffer[],
): Promise<{ uploadId: string; parts: PartRecord[] }> {
  const uploadId = await store.createUpload(newUpload(key));
  const parts: PartRecord[] = [];
  for (const [i, body] of bodies.entries()) parts.push(await putPart(store, uploadId, i + 1, body));
  return { uploadId, parts };
}

/** A CompleteMultipartUpload build: the parts `pick` chooses (all by default), in that order. */
function completion(pick: (parts: readonly PartRecord[]) => readonly PartRecord[] = (parts) => parts) {
  return (upload: UploadRecord, parts: readonly PartRecord[]): CompletedUpload => {
    const chosen = pick(parts);
    return {
      object: fields({
        etag: `"${createHash('md5').update(upload.uploadId).digest('hex')}-${chosen.length}"`,
        content: upload.content,
        metadata: upload.metadata,
        checksumType: 'COMPOSITE',
        multipart: true,
        uploadId: upload.uploadId,
      }),
      parts: chosen,
    };
  };
}

/** The whole object (or `range` of it), read through a pin that is released afterwards. */
async function bytesOf(store: ObjectStore, key: string, range?: ByteRange, bucket = BUCKET): Promise<Buffer> {
  const pinned = await store.openObject(bucket, key);
  assert.ok(pinned, `${key} exists`);
  try {
    return await readAll(pinned.read(range));
  } finally {
    pinned.release();
  }
}

async function open(store: ObjectStore, key: string): Promise<PinnedObject> {
  const pinned = await store.openObject(BUCKET, key);
  assert.ok(pinned, `${key} exists`);
  return pinned;
}

/** Asserts an S3Error with this code and status. */
function isS3Error(code: string, status: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof S3Error, `expected S3Error ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    return true;
  };
}

/** `fn` throws or rejects (a maybe-async method may do either) as `check` expects. */
function rejects(fn: () => unknown, check: (err: unknown) => boolean): Promise<void> {
  return assert.rejects(async () => {
    await fn();
  }, check);
}

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const summaryOf = ({ segments: _segments, ...summary }: ObjectRecord): Omit<ObjectRecord, 'segments'> =>
  summary;

const segmentSizes = (record: ObjectRecord): number => record.segments.reduce((n, g) => n + g.size, 0);

/** Exactly one fulfilled outcome; every other one a rejection `check` accepts. */
function exactlyOneWinner<T>(outcomes: PromiseSettledResult<T>[], check: (err: unknown) => boolean): number {
  const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
  assert.equal(winners.length, 1, `exactly one winner, got ${winners.length}`);
  for (const o of outcomes) if (o.status === 'rejected') check(o.reason);
  return winners[0]!;
}

// --- the contract ---------------------------------------------------------------------------

export function objectStoreContract(name: string, openHarness: () => Promise<ContractHarness>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let h: ContractHarness;
    const noLeftovers = async (what = 'nothing is left behind'): Promise<void> => {
      assert.equal(await h.leftovers(), 0, what);
    };

    beforeEach(async () => {
      h = await openHarness();
      await h.store.createBucket(bucketRecord());
    });
    afterEach(async () => {
      try {
        await noLeftovers('the test left no unreferenced blob behind');
      } finally {
        await h.close();
      }
    });

    // --- buckets --------------------------------------------------------------------------

    describe('buckets', () => {
      test('createBucket stores the record; a taken name is 409, by owner', async () => {
        const { store } = h;
        assert.deepEqual(await store.getBucket(BUCKET), bucketRecord());
        assert.equal(await store.getBucket(NEIGHBOUR), undefined);
        await rejects(() => store.createBucket(bucketRecord()), isS3Error('BucketAlreadyOwnedByYou', 409));
        await rejects(
          () => store.createBucket(bucketRecord(BUCKET, OTHER_OWNER)),
          isS3Error('BucketAlreadyExists', 409),
        );
        assert.deepEqual(await store.getBucket(BUCKET), bucketRecord());
      });

      test('a bucket deleted and created again under its name is a new incarnation', async () => {
        const { store } = h;
        await store.deleteBucket(BUCKET);
        assert.equal(await store.getBucket(BUCKET), undefined);
        const again = { ...bucketRecord(BUCKET, OTHER_OWNER), incarnation: 'the-second-incarnation' };
        await store.createBucket(again);
        assert.deepEqual(await store.getBucket(BUCKET), again);
      });

      test('listBuckets pages one owner in name order', async () => {
        const { store } = h;
        const names = ['c', 'a', 'd', 'b'].map((n) => `${n}--usw2-az1--x-s3`);
        for (const n of names) await store.createBucket(bucketRecord(n, LISTING_OWNER));
        await store.createBucket(bucketRecord('aa--usw2-az1--x-s3', OTHER_OWNER));

        const first = await store.listBuckets(LISTING_OWNER, undefined, 3);
        assert.deepEqual(
          first.buckets.map((b) => b.name),
          names.slice().sort().slice(0, 3),
        );
        assert.deepEqual(first.buckets[0], bucketRecord('a--usw2-az1--x-s3', LISTING_OWNER));
        assert.equal(first.lastReturned, 'c--usw2-az1--x-s3');
        const second = await store.listBuckets(LISTING_OWNER, first.lastReturned, 3);
        assert.deepEqual(
          second.buckets.map((b) => b.name),
          ['d--usw2-az1--x-s3'],
        );
        assert.equal(second.lastReturned, undefined);
        assert.equal((await store.listBuckets(LISTING_OWNER, undefined, 4)).lastReturned, undefined);
        assert.deepEqual((await store.listBuckets('000000000000', undefined, 10)).buckets, []);
      });

      test('policy and default encryption are set, replaced and removed; 404 for a missing bucket', async () => {
        const { store } = h;
        const policy = '{"Version":"2012-10-17","Statement":[]}';
        await store.setBucketPolicy(BUCKET, policy);
        assert.equal((await store.getBucket(BUCKET))?.policy, policy);
        await store.setBucketPolicy(BUCKET, '{"Version":"2012-10-17"}');
        assert.equal((await store.getBucket(BUCKET))?.policy, '{"Version":"2012-10-17"}');
        await store.setBucketPolicy(BUCKET, undefined);
        assert.equal((await store.getBucket(BUCKET))?.policy, undefined);

        const kms = { algorithm: 'aws:kms' as const, kmsKeyId: 'arn:aws:kms:us-west-2:111122223333:key/k' };
        await store.setBucketEncryption(BUCKET, kms);
        assert.deepEqual((await store.getBucket(BUCKET))?.encryption, kms);
        await store.setBucketEncryption(BUCKET, { algorithm: 'AES256' });
        assert.deepEqual((await store.getBucket(BUCKET))?.encryption, { algorithm: 'AES256' });
        await store.setBucketEncryption(BUCKET, undefined);
        assert.equal((await store.getBucket(BUCKET))?.encryption, undefined);
        assert.deepEqual(await store.getBucket(BUCKET), bucketRecord());

        await rejects(() => store.setBucketPolicy(MISSING_BUCKET, policy), isS3Error('NoSuchBucket', 404));
        await rejects(() => store.setBucketEncryption(MISSING_BUCKET, kms), isS3Error('NoSuchBucket', 404));
      });

      test('bucket configurations: read-modify-write per kind, removed with undefined, 404 when missing', async () => {
        const { store } = h;
        await store.updateBucketConfiguration(BUCKET, 'lifecycle', (current) => {
          assert.equal(current, undefined);
          return '{"rules":[]}';
        });
        assert.equal((await store.getBucket(BUCKET))?.lifecycle, '{"rules":[]}');
        await store.updateBucketConfiguration(BUCKET, 'inventory', () => '["a"]');
        await store.updateBucketConfiguration(BUCKET, 'inventory', (current) =>
          JSON.stringify([...(JSON.parse(current!) as string[]), 'b']),
        );
        await store.updateBucketConfiguration(BUCKET, 'metrics', () => '["m"]');
        let bucket = await store.getBucket(BUCKET);
        assert.equal(bucket?.inventory, '["a","b"]');
        assert.equal(bucket?.metrics, '["m"]');
        assert.equal(bucket?.lifecycle, '{"rules":[]}', 'kinds are independent');
        // A throwing update changes nothing.
        await rejects(
          () =>
            store.updateBucketConfiguration(BUCKET, 'metrics', () => {
              throw new S3Error('TooManyConfigurations');
            }),
          isS3Error('TooManyConfigurations', 400),
        );
        assert.equal((await store.getBucket(BUCKET))?.metrics, '["m"]');
        // Concurrent updates: none is lost.
        await Promise.all(
          ['c', 'd', 'e'].map((id) =>
            store.updateBucketConfiguration(BUCKET, 'inventory', (current) =>
              JSON.stringify([...(JSON.parse(current!) as string[]), id]),
            ),
          ),
        );
        assert.deepEqual(JSON.parse((await store.getBucket(BUCKET))!.inventory!).sort(), [
          'a',
          'b',
          'c',
          'd',
          'e',
        ]);
        for (const kind of ['lifecycle', 'inventory', 'metrics'] as const) {
          await store.updateBucketConfiguration(BUCKET, kind, () => undefined);
        }
        bucket = await store.getBucket(BUCKET);
        assert.deepEqual(bucket, bucketRecord());
        await rejects(
          () => store.updateBucketConfiguration(MISSING_BUCKET, 'lifecycle', () => '{}'),
          isS3Error('NoSuchBucket', 404),
        );
        // Gone with the bucket: a new bucket of the name starts without any.
        await store.updateBucketConfiguration(BUCKET, 'lifecycle', () => '{"rules":[]}');
        await store.deleteBucket(BUCKET);
        await store.createBucket(bucketRecord());
        assert.equal((await store.getBucket(BUCKET))?.lifecycle, undefined);
      });

      test('listAllBuckets pages every owner in name order', async () => {
        const { store } = h;
        await store.createBucket(bucketRecord('b--usw2-az1--x-s3', LISTING_OWNER));
        await store.createBucket(bucketRecord('a--usw2-az1--x-s3', OTHER_OWNER));
        const first = await store.listAllBuckets(undefined, 2);
        assert.deepEqual(
          first.buckets.map((b) => b.name),
          ['a--usw2-az1--x-s3', 'b--usw2-az1--x-s3'],
        );
        assert.equal(first.lastReturned, 'b--usw2-az1--x-s3');
        const second = await store.listAllBuckets(first.lastReturned, 2);
        assert.deepEqual(
          second.buckets.map((b) => b.name),
          [BUCKET],
        );
        assert.equal(second.lastReturned, undefined);
        assert.deepEqual(second.buckets[0], bucketRecord());
      });

      test('tags are set, replaced and cleared; 404 for a missing bucket', async () => {
        const { store } = h;
        const tags = [
          { key: 'team', value: 'data' },
          { key: 'env', value: '' },
        ];
        await store.setBucketTags(BUCKET, tags);
        assert.deepEqual((await store.getBucket(BUCKET))?.tags, tags);
        await store.setBucketTags(BUCKET, [{ key: 'team', value: 'ml' }]);
        assert.deepEqual((await store.getBucket(BUCKET))?.tags, [{ key: 'team', value: 'ml' }]);
        await store.setBucketTags(BUCKET, []);
        assert.deepEqual(await store.getBucket(BUCKET), bucketRecord());
        await rejects(() => store.setBucketTags(MISSING_BUCKET, tags), isS3Error('NoSuchBucket', 404));
        const tagged = { ...bucketRecord(NEIGHBOUR), tags: [{ key: 'k', value: 'v' }] };
        await store.createBucket(tagged);
        assert.deepEqual(await store.getBucket(NEIGHBOUR), tagged);
      });

      test('deleteBucket: 404 when missing, 409 while an object or an upload is in it, then gone', async () => {
        const { store } = h;
        await rejects(() => store.deleteBucket(MISSING_BUCKET), isS3Error('NoSuchBucket', 404));

        await put(store, 'a/b.txt', bytes(TINY));
        await put(store, 'large', bytes(LARGE));
        await rejects(() => store.deleteBucket(BUCKET), isS3Error('BucketNotEmpty', 409));
        await store.deleteObject(BUCKET, 'a/b.txt');
        await rejects(() => store.deleteBucket(BUCKET), isS3Error('BucketNotEmpty', 409));
        await store.deleteObject(BUCKET, 'large');

        const uploadId = await store.createUpload(newUpload('big'));
        await putPart(store, uploadId, 1, bytes(TINY));
        await rejects(() => store.deleteBucket(BUCKET), isS3Error('BucketNotEmpty', 409));
        assert.ok(await store.getBucket(BUCKET), 'a refused delete keeps the bucket');
        assert.equal(await store.abortUpload(uploadId), true);

        await store.deleteBucket(BUCKET);
        assert.equal(await store.getBucket(BUCKET), undefined);
        assert.deepEqual((await store.listBuckets(OWNER, undefined, 10)).buckets, []);
        await rejects(() => store.deleteBucket(BUCKET), isS3Error('NoSuchBucket', 404));

        // The name is free again, and the new bucket starts empty.
        await store.createBucket(bucketRecord());
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 10 });
        assert.deepEqual(page.objects, []);
        await noLeftovers();
      });
    });

    // --- put and get ------------------------------------------------------------------------

    describe('put and get', () => {
      test('putObject stores the fields build gives and the bytes; getObject and listings agree', async () => {
        const { store } = h;
        const given: ObjectFields = {
          etag: '"abc123"',
          lastModified: new Date(1_700_000_000_456),
          content: {
            contentType: 'text/plain',
            contentEncoding: 'gzip',
            contentDisposition: 'attachment; filename="x.txt"',
            contentLanguage: 'en',
            cacheControl: 'no-cache',
            expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
          },
          metadata: { color: 'blue', 'x-y': 'ünïcödé' },
          checksums: { crc32: 'AAAAAA==', sha256: 'x'.repeat(44) },
          checksumType: 'FULL_OBJECT',
          multipart: false,
          encryption: { algorithm: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-west-2:111122223333:key/k' },
        };
        const records: ObjectRecord[] = [];
        for (const [key, size] of [
          ['dir/large', LARGE],
          ['dir/tiny', TINY],
        ] as const) {
          const data = bytes(size);
          const record = await store.putObject(BUCKET, key, bodyOf(data), (received) => {
            assert.deepEqual(received, { size });
            return structuredClone(given);
          });
          assert.deepEqual(record, { ...given, bucket: BUCKET, key, size, segments: record.segments });
          assert.equal(record.segments.length, 1, 'a simple PUT is one segment');
          assert.equal(segmentSizes(record), size);
          assert.deepEqual(await store.getObject(BUCKET, key), record);
          assert.deepEqual(await bytesOf(store, key), data);
          const pinned = await open(store, key);
          assert.deepEqual(pinned.record, record);
          pinned.release();
          records.push(record);
        }
        assert.equal(await store.getObject(BUCKET, 'dir/missing'), undefined);
        assert.equal(await store.openObject(BUCKET, 'dir/missing'), undefined);
        // A listing shows everything but the segments, in key order.
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 10 });
        assert.deepEqual(page.objects, records.map(summaryOf));
        assert.deepEqual(page.commonPrefixes, []);
        assert.equal(page.isTruncated, false);
      });

      test('an overwrite replaces record and bytes, whatever the sizes, and frees the old bytes', async () => {
        const { store } = h;
        for (const size of [TINY, LARGE, LARGE, TINY, 0, TINY]) {
          const data = bytes(size);
          const record = await put(store, 'k', data, { fields: { metadata: { size: String(size) } } });
          assert.deepEqual(await store.getObject(BUCKET, 'k'), record);
          assert.deepEqual(await bytesOf(store, 'k'), data);
        }
        await noLeftovers();
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 10 });
        assert.equal(page.objects.length, 1);
      });

      test("keys with '..', slashes and non-ASCII are keys, nothing more", async () => {
        const { store } = h;
        const keys = ['../../etc/passwd', '..', 'a/../b', '/leading/slash', 'ünï/cödé 😀', 'x'.repeat(1024)];
        for (const key of keys) await put(store, key, `bytes of ${key}`);
        for (const key of keys) {
          assert.equal((await store.getObject(BUCKET, key))?.key, key);
          assert.equal((await bytesOf(store, key)).toString(), `bytes of ${key}`);
        }
        assert.equal(await store.getObject(BUCKET, 'b'), undefined);
        assert.equal(await store.getObject(BUCKET, 'etc/passwd'), undefined);
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 100 });
        assert.deepEqual(
          page.objects.map((o) => o.key),
          [...keys].sort(utf8Order),
        );
      });

      test('a key holding U+0000 is distinct from its prefix and sorts by bytes', async () => {
        const { store } = h;
        for (const key of ['nul\u0000inside', 'nul', 'nul\u0001', 'nu']) await put(store, key, key);
        assert.equal((await bytesOf(store, 'nul\u0000inside')).toString(), 'nul\u0000inside');
        assert.equal((await store.getObject(BUCKET, 'nul'))?.size, 3);
        const page = await store.listObjects({ bucket: BUCKET, prefix: 'nul', maxKeys: 10 });
        assert.deepEqual(
          page.objects.map((o) => o.key),
          ['nul', 'nul\u0000inside', 'nul\u0001'],
        );
      });

      test('a large body (8 MiB) streams through and reads back by range', async () => {
        const { store } = h;
        const mib = 1024 * 1024;
        const data = Buffer.concat(Array.from({ length: 8 }, (_, i) => Buffer.alloc(mib, i + 1)));
        const body = Readable.from(chunksOf(data, mib), { objectMode: false });
        const record = await store.putObject(BUCKET, 'big', body, (received) => {
          assert.equal(received.size, 8 * mib);
          return fields();
        });
        assert.equal(record.size, 8 * mib);
        assert.deepEqual(
          await bytesOf(store, 'big', { start: 8 * mib - 3, end: 8 * mib - 1 }),
          Buffer.from([8, 8, 8]),
        );
        const across = { start: 3 * mib - 2, end: 3 * mib + 1 };
        assert.deepEqual(await bytesOf(store, 'big', across), Buffer.from([3, 3, 4, 4]));
        assert.ok((await bytesOf(store, 'big')).equals(data));
      });

      test('writes into a missing bucket are 404 NoSuchBucket and leave nothing', async () => {
        const { store } = h;
        for (const size of [TINY, LARGE]) {
          await rejects(
            () => put(store, 'k', bytes(size), { bucket: MISSING_BUCKET }),
            isS3Error('NoSuchBucket', 404),
          );
          await rejects(
            () => append(store, 'k', bytes(size), { bucket: MISSING_BUCKET }),
            isS3Error('NoSuchBucket', 404),
          );
        }
        await rejects(
          () => store.createUpload(newUpload('k', new Date(), MISSING_BUCKET)),
          isS3Error('NoSuchBucket', 404),
        );
        await rejects(
          () =>
            store.renameObject(MISSING_BUCKET, 'a', 'b', (src) => {
              if (!src) throw new S3Error('NoSuchKey');
            }),
          isS3Error('NoSuchBucket', 404),
        );
        await rejects(() => store.deleteObject(MISSING_BUCKET, 'k'), isS3Error('NoSuchBucket', 404));
        assert.equal(await store.getBucket(MISSING_BUCKET), undefined);
        await noLeftovers();
      });

      test('a bucket deleted while a body streams: the write is NoSuchBucket and leaves nothing', async () => {
        const { store } = h;
        for (const size of [TINY, LARGE]) {
          await store.createBucket(bucketRecord(NEIGHBOUR));
          const g = gate();
          const gated = gatedBody(bytes(size), g);
          const write = put(store, 'k', gated.data, { bucket: NEIGHBOUR, body: gated.body }).catch(
            (e: unknown) => e,
          );
          await Promise.race([gated.started, write]);
          await store.deleteBucket(NEIGHBOUR);
          g.open();
          isS3Error('NoSuchBucket', 404)(await write);
          assert.equal(await store.getBucket(NEIGHBOUR), undefined);
          await noLeftovers();
        }
      });
    });

    // --- ranges -----------------------------------------------------------------------------

    describe('ranges', () => {
      /** Start and end points worth testing in an object of `size` bytes split at `cuts`. */
      function points(size: number, cuts: number[]): number[] {
        const set = new Set([0, 1, size - 2, size - 1, Math.floor(size / 2)]);
        for (const cut of cuts) for (const p of [cut - 1, cut, cut + 1]) set.add(p);
        return [...set].filter((p) => p >= 0 && p < size).sort((a, b) => a - b);
      }

      async function checkRanges(key: string, reference: Buffer, cuts: number[]): Promise<void> {
        const pinned = await open(h.store, key);
        try {
          assert.deepEqual(await readAll(pinned.read()), reference);
          const at = points(reference.length, cuts);
          for (const start of at) {
            for (const end of at) {
              if (end < start) continue;
              assert.deepEqual(
                await readAll(pinned.read({ start, end })),
                reference.subarray(start, end + 1),
                `${key}: bytes ${start}-${end}`,
              );
            }
          }
        } finally {
          pinned.release();
        }
      }

      test('read(range) of one-segment objects, tiny and large', async () => {
        for (const size of [TINY, LARGE]) {
          const data = bytes(size);
          await put(h.store, `k${size}`, data);
          await checkRanges(`k${size}`, data, [64 * 1024]);
        }
      });

      test('every range of a tiny object made of appended segments', async () => {
        const { store } = h;
        const pieces = ['abc', 'd', 'efgh'];
        for (const piece of pieces) await append(store, 'k', piece);
        const reference = Buffer.from(pieces.join(''));
        const pinned = await open(store, 'k');
        try {
          assert.equal(pinned.record.segments.length, 3);
          for (let start = 0; start < reference.length; start++) {
            for (let end = start; end < reference.length; end++) {
              assert.deepEqual(
                await readAll(pinned.read({ start, end })),
                reference.subarray(start, end + 1),
                `bytes ${start}-${end}`,
              );
            }
          }
        } finally {
          pinned.release();
        }
      });

      test('ranges across segments of mixed sizes, from appends and from multipart parts', async () => {
        const { store } = h;
        const pieces = [bytes(TINY), bytes(LARGE), bytes(7), bytes(LARGE + 1), bytes(TINY)];
        for (const piece of pieces) await append(store, 'appended', piece);
        const cuts = pieces.reduce<number[]>((acc, p) => [...acc, (acc[acc.length - 1] ?? 0) + p.length], []);
        await checkRanges('appended', Buffer.concat(pieces), cuts);

        const { uploadId } = await uploadWith(store, 'multipart', pieces);
        await store.completeUpload(uploadId, completion());
        await checkRanges('multipart', Buffer.concat(pieces), cuts);
      });

      test('a range outside the object is a RangeError', async () => {
        const { store } = h;
        await append(store, 'k', 'ab');
        await append(store, 'k', 'cd');
        const pinned = await open(store, 'k');
        try {
          for (const range of [
            { start: 0, end: 4 },
            { start: 4, end: 4 },
            { start: 2, end: 1 },
            { start: -1, end: 1 },
            { start: 0.5, end: 1 },
          ]) {
            assert.throws(() => pinned.read(range), RangeError, JSON.stringify(range));
          }
        } finally {
          pinned.release();
        }
      });
    });

    // --- empty objects ----------------------------------------------------------------------

    describe('empty objects', () => {
      test('an empty object has no segments and reads as nothing', async () => {
        const { store } = h;
        const empty = await put(store, 'empty', '');
        assert.equal(empty.size, 0);
        assert.deepEqual(empty.segments, []);
        assert.deepEqual(await store.getObject(BUCKET, 'empty'), empty);
        const pinned = await open(store, 'empty');
        try {
          assert.equal((await readAll(pinned.read())).length, 0);
          assert.throws(() => pinned.read({ start: 0, end: 0 }), RangeError);
        } finally {
          pinned.release();
        }
        await noLeftovers();
      });

      test('an empty object appended to, and an empty object copied', async () => {
        const { store } = h;
        await put(store, 'log', '');
        const tail = bytes(TINY);
        const appended = await append(store, 'log', tail, { offset: 0 });
        assert.equal(appended.size, TINY);
        assert.deepEqual(await bytesOf(store, 'log'), tail);

        await put(store, 'empty', '');
        const source = await open(store, 'empty');
        const copy = await put(store, 'copy', '', { body: asStream(source.read()) });
        source.release();
        assert.equal(copy.size, 0);
        assert.deepEqual(copy.segments, []);
        assert.equal((await bytesOf(store, 'copy')).length, 0);
      });
    });

    // --- conditional writes ----------------------------------------------------------------

    describe('conditional writes (checked at commit time)', () => {
      test(
        'N racing If-None-Match: * writes: exactly one wins, the others are 412',
        { timeout: 20_000 },
        async () => {
          const { store } = h;
          const g = gate();
          const datas = Array.from({ length: 8 }, (_, i) => bytes(i % 2 === 0 ? TINY : LARGE));
          const bodies = datas.map((d) => gatedBody(d, g));
          const calls = bodies.map((b, i) =>
            put(store, 'k', datas[i]!, {
              body: b.body,
              condition: { ifNoneMatchStar: true },
              fields: { metadata: { writer: String(i) } },
            }),
          );
          const outcomes = Promise.allSettled(calls);
          await allReading(bodies, calls);
          g.open();
          const results = await outcomes;
          const winner = exactlyOneWinner(results, isS3Error('PreconditionFailed', 412));
          const record = await store.getObject(BUCKET, 'k');
          assert.deepEqual(record, (results[winner] as PromiseFulfilledResult<ObjectRecord>).value);
          assert.equal(record?.metadata.writer, String(winner));
          assert.deepEqual(await bytesOf(store, 'k'), datas[winner]);
          await noLeftovers('the losers left nothing');
        },
      );

      test('If-None-Match: * when the key is created while the body streams: 412', async () => {
        const { store } = h;
        for (const size of [TINY, LARGE]) {
          const key = `k${size}`;
          const g = gate();
          const gated = gatedBody(bytes(size), g);
          const write = put(store, key, gated.data, {
            body: gated.body,
            condition: { ifNoneMatchStar: true },
          }).catch((e: unknown) => e);
          await Promise.race([gated.started, write]);
          const meanwhile = await put(store, key, 'created meanwhile');
          g.open();
          isS3Error('PreconditionFailed', 412)(await write);
          assert.deepEqual(await store.getObject(BUCKET, key), meanwhile);
          assert.equal((await bytesOf(store, key)).toString(), 'created meanwhile');
        }
        await noLeftovers();
      });

      test('If-Match: quoted or not, * on any object; a changed ETag is 412; a missing key 404', async () => {
        const { store } = h;
        const v1 = await put(store, 'k', 'v1', { condition: { ifNoneMatchStar: true } });
        await rejects(
          () => put(store, 'k', 'v2', { condition: { ifNoneMatchStar: true } }),
          isS3Error('PreconditionFailed', 412),
        );
        await rejects(
          () => put(store, 'k', bytes(LARGE), { condition: { ifMatch: '"nope"' } }),
          isS3Error('PreconditionFailed', 412),
        );
        assert.deepEqual(await store.getObject(BUCKET, 'k'), v1);
        await rejects(
          () => put(store, 'missing', bytes(TINY), { condition: { ifMatch: '"etag"' } }),
          isS3Error('NoSuchKey', 404),
        );
        await rejects(
          () => put(store, 'missing', bytes(LARGE), { condition: { ifMatch: '*' } }),
          isS3Error('NoSuchKey', 404),
        );
        assert.equal(await store.getObject(BUCKET, 'missing'), undefined);

        const v2 = await put(store, 'k', 'v2', { condition: { ifMatch: v1.etag.replaceAll('"', '') } });
        const v3 = await put(store, 'k', bytes(LARGE), { condition: { ifMatch: v2.etag } });
        // v1's ETag no longer matches.
        await rejects(
          () => put(store, 'k', 'stale', { condition: { ifMatch: v1.etag } }),
          isS3Error('PreconditionFailed', 412),
        );
        assert.deepEqual(await store.getObject(BUCKET, 'k'), v3);
        const v4 = await put(store, 'k', 'v4', { condition: { ifMatch: '*' } });
        assert.deepEqual(await store.getObject(BUCKET, 'k'), v4);
        assert.equal((await bytesOf(store, 'k')).toString(), 'v4');
        await noLeftovers();
      });

      test('If-Match when the object is overwritten, or deleted, while the body streams: 412, 404', async () => {
        const { store } = h;
        for (const size of [TINY, LARGE]) {
          const v1 = await put(store, 'k', 'v1');
          let g = gate();
          let gated = gatedBody(bytes(size), g);
          let write = put(store, 'k', gated.data, {
            body: gated.body,
            condition: { ifMatch: v1.etag },
          }).catch((e: unknown) => e);
          await Promise.race([gated.started, write]);
          const v2 = await put(store, 'k', 'v2');
          g.open();
          isS3Error('PreconditionFailed', 412)(await write);
          assert.deepEqual(await store.getObject(BUCKET, 'k'), v2);

          g = gate();
          gated = gatedBody(bytes(size), g);
          write = put(store, 'k', gated.data, { body: gated.body, condition: { ifMatch: v2.etag } }).catch(
            (e: unknown) => e,
          );
          await Promise.race([gated.started, write]);
          await store.deleteObject(BUCKET, 'k');
          g.open();
          isS3Error('NoSuchKey', 404)(await write);
          assert.equal(await store.getObject(BUCKET, 'k'), undefined);
        }
        await noLeftovers();
      });

      test('racing If-Match writes on one ETag: exactly one wins', { timeout: 20_000 }, async () => {
        const { store } = h;
        const v1 = await put(store, 'k', bytes(TINY));
        const g = gate();
        const datas = Array.from({ length: 6 }, (_, i) => bytes(i % 2 === 0 ? LARGE : TINY));
        const bodies = datas.map((d) => gatedBody(d, g));
        const calls = bodies.map((b, i) =>
          put(store, 'k', datas[i]!, {
            body: b.body,
            condition: { ifMatch: v1.etag },
            fields: { metadata: { writer: String(i) } },
          }),
        );
        const outcomes = Promise.allSettled(calls);
        await allReading(bodies, calls);
        g.open();
        const winner = exactlyOneWinner(await outcomes, isS3Error('PreconditionFailed', 412));
        assert.equal((await store.getObject(BUCKET, 'k'))?.metadata.writer, String(winner));
        assert.deepEqual(await bytesOf(store, 'k'), datas[winner]);
        await noLeftovers('the losers left nothing');
      });
    });

    // --- concurrent overwrites --------------------------------------------------------------

    describe('atomic overwrite', () => {
      test('concurrent writers and readers: no read sees a mix; the object ends as one writer whole', async () => {
        const { store } = h;
        const written = new Map<string, Buffer>();
        const initial = bytes(TINY);
        written.set('initial', initial);
        await put(store, 'k', initial, { fields: { metadata: { writer: 'initial' } } });
        const datas = Array.from({ length: 8 }, (_, i) => bytes(i % 2 === 0 ? LARGE : TINY + i));
        datas.forEach((d, i) => written.set(String(i), d));

        let writing = true;
        const reader = (async (): Promise<number> => {
          let reads = 0;
          while (writing) {
            const pinned = await open(store, 'k');
            try {
              const got = await readAll(pinned.read());
              const writer = pinned.record.metadata.writer!;
              assert.equal(pinned.record.size, got.length, `read ${reads}: size of the record`);
              assert.ok(written.get(writer)?.equals(got), `read ${reads}: the bytes of writer ${writer}`);
            } finally {
              pinned.release();
            }
            reads++;
            await nextTurn();
          }
          return reads;
        })();
        const writes = datas.map((d, i) =>
          put(store, 'k', d, { body: trickle(d), fields: { metadata: { writer: String(i) } } }),
        );
        let results: ObjectRecord[];
        try {
          results = await Promise.all(writes);
        } finally {
          writing = false;
        }
        assert.ok((await reader) > 0, 'the reader ran while the writers did');

        const final = await store.getObject(BUCKET, 'k');
        const writer = Number(final?.metadata.writer);
        assert.ok(Number.isInteger(writer), 'the final object is one of the concurrent writes');
        assert.deepEqual(final, results[writer]);
        assert.deepEqual(await bytesOf(store, 'k'), datas[writer]);
        await noLeftovers('the replaced writes were freed');
      });
    });

    // --- appends ----------------------------------------------------------------------------

    describe('appends', () => {
      test('an append to a missing key creates it: build sees undefined', async () => {
        const { store } = h;
        let seen: ObjectRecord | undefined | 'not called' = 'not called';
        const data = bytes(TINY);
        const created = await append(store, 'log', data, { seen: (c) => (seen = c) });
        assert.equal(seen, undefined);
        assert.equal(created.size, TINY);
        assert.equal(created.segments.length, 1);
        assert.deepEqual(created.segments[0]?.checksums, checksumsOf(data));
        assert.deepEqual(await store.getObject(BUCKET, 'log'), created);
        assert.deepEqual(await bytesOf(store, 'log'), data);
      });

      test('an append adds its bytes as the last segment, with its checksum, and keeps the others', async () => {
        const { store } = h;
        const pieces = [bytes(TINY), bytes(LARGE), bytes(TINY), bytes(LARGE)];
        let current = await put(store, 'log', pieces[0]!);
        for (const [i, piece] of pieces.entries()) {
          if (i === 0) continue;
          let seen: ObjectRecord | undefined;
          const next = await append(store, 'log', piece, {
            offset: current.size,
            seen: (c) => (seen = c),
            fields: { metadata: { appended: String(i) } },
          });
          assert.deepEqual(seen, current, 'build sees the current object');
          assert.equal(next.size, current.size + piece.length);
          assert.equal(next.metadata.appended, String(i), "the object takes build's fields");
          assert.deepEqual(next.segments.slice(0, -1), current.segments, 'earlier segments are kept');
          assert.equal(next.segments.at(-1)?.size, piece.length);
          assert.deepEqual(next.segments.at(-1)?.checksums, checksumsOf(piece));
          assert.equal(segmentSizes(next), next.size);
          assert.deepEqual(await store.getObject(BUCKET, 'log'), next);
          current = next;
        }
        assert.deepEqual(await bytesOf(store, 'log'), Buffer.concat(pieces));
        await noLeftovers();
      });

      test(
        'N racing appends at one offset: exactly one commits, the others are refused',
        { timeout: 20_000 },
        async () => {
          const { store } = h;
          const start = bytes(TINY);
          const initial = await put(store, 'log', start);
          const g = gate();
          const datas = Array.from({ length: 6 }, (_, i) => bytes(i % 2 === 0 ? TINY : LARGE));
          const bodies = datas.map((d) => gatedBody(d, g));
          const calls = bodies.map((b, i) =>
            append(store, 'log', datas[i]!, {
              body: b.body,
              offset: initial.size,
              fields: { metadata: { writer: String(i) } },
            }),
          );
          const outcomes = Promise.allSettled(calls);
          await allReading(bodies, calls);
          g.open();
          const winner = exactlyOneWinner(await outcomes, isS3Error('InvalidWriteOffset', 400));
          const final = await store.getObject(BUCKET, 'log');
          assert.equal(final?.metadata.writer, String(winner));
          assert.equal(final?.segments.length, 2);
          assert.deepEqual(await bytesOf(store, 'log'), Buffer.concat([start, datas[winner]!]));
          await noLeftovers('the refused appends left nothing');
        },
      );

      test('an append whose build refuses, or whose body fails, leaves the object as it was', async () => {
        const { store } = h;
        await put(store, 'log', bytes(TINY));
        const before = await append(store, 'log', bytes(LARGE));
        const beforeBytes = await bytesOf(store, 'log');
        const refusal = invalidWriteOffset();
        for (const size of [TINY, LARGE]) {
          await rejects(
            () =>
              store.appendObject(BUCKET, 'log', bodyOf(bytes(size)), () => {
                throw refusal;
              }),
            (err) => err === refusal,
          );
          const boom = new S3Error('IncompleteBody');
          await rejects(
            () =>
              store.appendObject(BUCKET, 'log', failingBody(size, boom), () => {
                throw new Error('build must not run when the body fails');
              }),
            (err) => err === boom,
          );
        }
        assert.deepEqual(await store.getObject(BUCKET, 'log'), before);
        assert.deepEqual(await bytesOf(store, 'log'), beforeBytes);
        await noLeftovers();
      });
    });

    // --- deletes ----------------------------------------------------------------------------

    describe('deletes', () => {
      test('deleteObject returns the deleted record and frees its bytes; a missing key is undefined', async () => {
        const { store } = h;
        const tiny = await put(store, 'tiny', bytes(TINY));
        await put(store, 'multi', bytes(LARGE));
        const multi = await append(store, 'multi', bytes(TINY));
        assert.deepEqual(await store.deleteObject(BUCKET, 'tiny'), tiny);
        assert.deepEqual(await store.deleteObject(BUCKET, 'multi'), multi);
        assert.equal(await store.getObject(BUCKET, 'tiny'), undefined);
        assert.equal(await store.openObject(BUCKET, 'multi'), undefined);
        assert.equal(await store.deleteObject(BUCKET, 'tiny'), undefined);
        assert.equal(await store.deleteObject(BUCKET, 'never'), undefined);
        assert.deepEqual((await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 10 })).objects, []);
        await noLeftovers();
      });

      test('delete conditions: If-Match, size, last-modified (whole seconds); an absent object is fine', async () => {
        const { store } = h;
        const obj = await put(store, 'k', 'twelve bytes', {
          fields: { lastModified: new Date(1_700_000_123_456) },
        });
        for (const condition of [
          { ifMatch: '"other"' },
          { ifMatchSize: 3 },
          { ifMatchLastModifiedTime: new Date(0) },
          { ifMatchLastModifiedTime: new Date(1_700_000_124_000) },
          { ifMatch: obj.etag, ifMatchSize: 13 },
        ]) {
          await rejects(
            () => store.deleteObject(BUCKET, 'k', condition),
            isS3Error('PreconditionFailed', 412),
          );
          assert.deepEqual(await store.getObject(BUCKET, 'k'), obj, JSON.stringify(condition));
        }
        assert.equal(
          await store.deleteObject(BUCKET, 'absent', { ifMatch: '"x"', ifMatchSize: 1 }),
          undefined,
        );

        const deleted = await store.deleteObject(BUCKET, 'k', {
          ifMatch: obj.etag.replaceAll('"', ''),
          ifMatchSize: 12,
          ifMatchLastModifiedTime: new Date(1_700_000_123_000),
        });
        assert.deepEqual(deleted, obj);
        await put(store, 'k', 'again');
        assert.equal((await store.deleteObject(BUCKET, 'k', { ifMatch: '*' }))?.size, 5);
        assert.equal(await store.getObject(BUCKET, 'k'), undefined);
      });
    });

    // --- rename -----------------------------------------------------------------------------

    describe('rename', () => {
      const mustExist = (src: ObjectRecord | undefined): void => {
        if (!src) throw new S3Error('NoSuchKey');
      };

      test('rename moves record and bytes: the source is gone, the destination replaced', async () => {
        const { store } = h;
        const data = [bytes(LARGE), bytes(TINY)];
        await put(store, 'from', data[0]!);
        const src = await append(store, 'from', data[1]!);
        const dst = await put(store, 'to', bytes(LARGE));

        let seen: unknown[] | undefined;
        const result = await store.renameObject(BUCKET, 'from', 'to', (s, d) => {
          seen = [s, d];
          mustExist(s);
        });
        assert.deepEqual(seen, [src, dst], 'check sees both objects');
        assert.deepEqual(result, { record: { ...src, key: 'to' }, replayed: false });
        assert.equal(await store.getObject(BUCKET, 'from'), undefined);
        assert.deepEqual(await store.getObject(BUCKET, 'to'), { ...src, key: 'to' });
        assert.deepEqual(await bytesOf(store, 'to'), Buffer.concat(data));
        await noLeftovers("the destination's old bytes were freed");

        // To a new key.
        const again = await store.renameObject(BUCKET, 'to', 'a/b/c', (s, d) => {
          assert.equal(d, undefined);
          mustExist(s);
        });
        assert.deepEqual(again.record, { ...src, key: 'a/b/c' });
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 10 });
        assert.deepEqual(
          page.objects.map((o) => o.key),
          ['a/b/c'],
        );
        assert.deepEqual(await bytesOf(store, 'a/b/c'), Buffer.concat(data));
        await noLeftovers();
      });

      test('a check that refuses changes nothing; a missing source reaches check as undefined', async () => {
        const { store } = h;
        const src = await put(store, 'from', bytes(TINY));
        const dst = await put(store, 'to', bytes(LARGE));
        const refusal = new S3Error('PreconditionFailed');
        await rejects(
          () =>
            store.renameObject(BUCKET, 'from', 'to', () => {
              throw refusal;
            }),
          (err) => err === refusal,
        );
        assert.deepEqual(await store.getObject(BUCKET, 'from'), src);
        assert.deepEqual(await store.getObject(BUCKET, 'to'), dst);

        let seen: unknown[] | undefined;
        await rejects(
          () =>
            store.renameObject(BUCKET, 'missing', 'to', (s, d) => {
              seen = [s, d];
              mustExist(s);
            }),
          isS3Error('NoSuchKey', 404),
        );
        assert.deepEqual(seen, [undefined, dst]);
        assert.deepEqual(await store.getObject(BUCKET, 'to'), dst);
        assert.ok(await store.getObject(BUCKET, 'from'));
        await noLeftovers();
      });

      test('client tokens: a replay changes nothing, other parameters are 400, per bucket, failures unrecorded', async () => {
        const { store } = h;
        const src = await put(store, 'a', bytes(TINY));
        const token = { token: 'token-1', fingerprint: 'a->b' };
        assert.equal((await store.renameObject(BUCKET, 'a', 'b', mustExist, token)).replayed, false);

        const notCalled = (): void => assert.fail('check must not run on a replay');
        assert.deepEqual(await store.renameObject(BUCKET, 'a', 'b', notCalled, token), {
          record: { ...src, key: 'b' },
          replayed: true,
        });
        assert.deepEqual(await store.getObject(BUCKET, 'b'), { ...src, key: 'b' });
        assert.equal(await store.getObject(BUCKET, 'a'), undefined);

        // A replay after the destination went reports what is there now: nothing.
        await store.deleteObject(BUCKET, 'b');
        const late = await store.renameObject(BUCKET, 'a', 'b', notCalled, token);
        assert.equal(late.replayed, true);
        assert.equal(late.record, undefined);

        await rejects(
          () => store.renameObject(BUCKET, 'x', 'y', notCalled, { token: 'token-1', fingerprint: 'x->y' }),
          isS3Error('IdempotencyParameterMismatch', 400),
        );

        // Tokens are per bucket.
        await store.createBucket(bucketRecord(NEIGHBOUR));
        await put(store, 'a', 'neighbour bytes', { bucket: NEIGHBOUR });
        assert.equal((await store.renameObject(NEIGHBOUR, 'a', 'b', mustExist, token)).replayed, false);
        assert.equal((await bytesOf(store, 'b', undefined, NEIGHBOUR)).toString(), 'neighbour bytes');

        // A failed rename does not record its token.
        const token2 = { token: 'token-2', fingerprint: 'nope->z' };
        await rejects(
          () => store.renameObject(BUCKET, 'nope', 'z', mustExist, token2),
          isS3Error('NoSuchKey', 404),
        );
        await put(store, 'nope', 'now it exists');
        assert.equal((await store.renameObject(BUCKET, 'nope', 'z', mustExist, token2)).replayed, false);
        assert.equal((await bytesOf(store, 'z')).toString(), 'now it exists');
      });

      test('deleting a bucket forgets its client tokens', async () => {
        const { store } = h;
        await put(store, 'a', 'bytes');
        const token = { token: 't', fingerprint: 'a->b' };
        await store.renameObject(BUCKET, 'a', 'b', mustExist, token);
        await store.deleteObject(BUCKET, 'b');
        await store.deleteBucket(BUCKET);
        await store.createBucket(bucketRecord());
        await put(store, 'a', 'bytes');
        assert.equal((await store.renameObject(BUCKET, 'a', 'b', mustExist, token)).replayed, false);
        assert.ok(await store.getObject(BUCKET, 'b'));
      });

      test('two renames of one source: exactly one moves it', async () => {
        const { store } = h;
        const src = await put(store, 'src', bytes(LARGE));
        const outcomes = await Promise.allSettled(
          ['one', 'two'].map(async (dst) => store.renameObject(BUCKET, 'src', dst, mustExist)),
        );
        const winner = exactlyOneWinner(outcomes, isS3Error('NoSuchKey', 404));
        const dst = ['one', 'two'][winner]!;
        assert.deepEqual(await store.getObject(BUCKET, dst), { ...src, key: dst });
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 10 });
        assert.deepEqual(
          page.objects.map((o) => o.key),
          [dst],
        );
      });

      test('a pinned read of the source keeps reading after the rename', async () => {
        const { store } = h;
        const data = bytes(LARGE);
        await put(store, 'from', data);
        const pinned = await open(store, 'from');
        await store.renameObject(BUCKET, 'from', 'to', mustExist);
        await put(store, 'to', 'overwritten');
        try {
          assert.deepEqual(await readAll(pinned.read()), data);
        } finally {
          pinned.release();
        }
        await noLeftovers();
      });
    });

    // --- copy -------------------------------------------------------------------------------

    describe('copy (a pinned read streamed into putObject)', () => {
      test('bytes equal, the source unchanged, for tiny, large and multi-segment sources', async () => {
        const { store } = h;
        const sources = new Map<string, Buffer>();
        sources.set('tiny', bytes(TINY));
        sources.set('large', bytes(LARGE));
        await put(store, 'tiny', sources.get('tiny')!);
        await put(store, 'large', sources.get('large')!);
        const pieces = [bytes(LARGE), bytes(TINY), bytes(LARGE)];
        for (const piece of pieces) await append(store, 'multi', piece);
        sources.set('multi', Buffer.concat(pieces));

        for (const [key, data] of sources) {
          const before = await store.getObject(BUCKET, key);
          const pinned = await open(store, key);
          let copy: ObjectRecord;
          try {
            copy = await put(store, `${key}-copy`, data, { body: asStream(pinned.read()) });
          } finally {
            pinned.release();
          }
          assert.equal(copy.size, data.length);
          assert.deepEqual(await bytesOf(store, `${key}-copy`), data);
          assert.deepEqual(await store.getObject(BUCKET, key), before, 'the source is unchanged');
          assert.deepEqual(await bytesOf(store, key), data);
        }
        // The copies are their own: deleting the sources leaves them whole.
        for (const key of sources.keys()) await store.deleteObject(BUCKET, key);
        for (const [key, data] of sources) assert.deepEqual(await bytesOf(store, `${key}-copy`), data);
        await noLeftovers();
      });

      test('a copy whose source is overwritten and deleted after the read began gets the original bytes', async () => {
        const { store } = h;
        const pieces = [bytes(LARGE), bytes(TINY)];
        await put(store, 'src', pieces[0]!);
        await append(store, 'src', pieces[1]!);
        const pinned = await open(store, 'src');
        const stream = asStream(pinned.read());
        pinned.release(); // the stream holds its own pin
        await put(store, 'src', 'replaced');
        await store.deleteObject(BUCKET, 'src');
        const whole = Buffer.concat(pieces);
        await put(store, 'dst', whole, { body: stream });
        assert.deepEqual(await bytesOf(store, 'dst'), whole);
        await closed(stream);
        await noLeftovers();
      });

      test('a copy onto its own key replaces it with the same bytes', async () => {
        const { store } = h;
        for (const size of [TINY, LARGE]) {
          const data = bytes(size);
          await put(store, 'self', data, { fields: { metadata: { v: 'old' } } });
          const pinned = await open(store, 'self');
          try {
            await put(store, 'self', data, {
              body: asStream(pinned.read()),
              fields: { metadata: { v: 'new' } },
            });
          } finally {
            pinned.release();
          }
          assert.equal((await store.getObject(BUCKET, 'self'))?.metadata.v, 'new');
          assert.deepEqual(await bytesOf(store, 'self'), data);
        }
        await noLeftovers();
      });
    });

    // --- multipart uploads ------------------------------------------------------------------

    describe('multipart uploads', () => {
      const NO_SUCH_UPLOAD = isS3Error('NoSuchUpload', 404);

      test('createUpload and getUpload round-trip; ids are fresh; abort answers once', async () => {
        const { store } = h;
        const initiated = new Date(1_700_000_000_789);
        const detailed: NewUpload = {
          bucket: BUCKET,
          key: 'big/file',
          initiated,
          content: { contentType: 'video/mp4', cacheControl: 'max-age=1' },
          metadata: { a: '1', ü: 'ö' },
          checksumAlgorithm: 'crc32',
          checksumType: 'COMPOSITE',
          encryption: { algorithm: 'aws:kms', kmsKeyId: 'key-1' },
        };
        const a = await store.createUpload(detailed);
        const b = await store.createUpload(newUpload('big/file', initiated));
        assert.equal(typeof a, 'string');
        assert.notEqual(a, b);
        assert.deepEqual(await store.getUpload(a), { ...detailed, uploadId: a });
        assert.deepEqual(await store.getUpload(b), { ...newUpload('big/file', initiated), uploadId: b });
        assert.equal(await store.getUpload('nonexistent'), undefined);

        assert.equal(await store.abortUpload(a), true);
        assert.equal(await store.abortUpload(a), false);
        assert.equal(await store.getUpload(a), undefined);
        assert.ok(await store.getUpload(b));
        assert.equal(await store.abortUpload('nonexistent'), false);
      });

      test("putPart records parts in part-number order; a replaced part's bytes are freed", async () => {
        const { store } = h;
        const uploadId = await store.createUpload(newUpload('big'));
        const p2 = await putPart(store, uploadId, 2, bytes(TINY));
        const p1 = await putPart(store, uploadId, 1, bytes(LARGE));
        assert.equal(p1.uploadId, uploadId);
        assert.equal(p1.partNumber, 1);
        assert.equal(p1.size, LARGE);
        assert.deepEqual((await store.listParts(uploadId, 0, 10)).parts, [p1, p2]);

        for (const size of [TINY, LARGE, TINY]) {
          const replacement = await putPart(store, uploadId, 1, bytes(size));
          assert.deepEqual((await store.listParts(uploadId, 0, 10)).parts, [replacement, p2]);
          await noLeftovers('the replaced part was freed');
        }
      });

      test('putPart to a missing upload is NoSuchUpload; a failing body or a refusing build records nothing', async () => {
        const { store } = h;
        const uploadId = await store.createUpload(newUpload('big'));
        const p1 = await putPart(store, uploadId, 1, bytes(TINY));
        for (const size of [TINY, LARGE]) {
          await rejects(
            () => putPart(store, 'no-such-upload', 1, bytes(size)),
            (err) => NO_SUCH_UPLOAD(err) && (err as S3Error).details.UploadId === 'no-such-upload',
          );
          const boom = new S3Error('IncompleteBody');
          await rejects(
            () =>
              store.putPart(uploadId, 1, failingBody(size, boom), () => {
                throw new Error('build must not run when the body fails');
              }),
            (err) => err === boom,
          );
          const refusal = new S3Error('BadDigest');
          await rejects(
            () =>
              store.putPart(uploadId, 2, bodyOf(bytes(size)), () => {
                throw refusal;
              }),
            (err) => err === refusal,
          );
        }
        assert.deepEqual((await store.listParts(uploadId, 0, 10)).parts, [p1]);
        await noLeftovers();
      });

      test('listParts pages in part-number order', async () => {
        const { store } = h;
        const uploadId = await store.createUpload(newUpload('big'));
        const numbers = [21, 1, 13, 2, 8, 3, 5, 10000];
        for (const n of numbers) await putPart(store, uploadId, n, `part ${n}`);
        const other = await store.createUpload(newUpload('big'));
        await putPart(store, other, 4, 'another upload');
        const sorted = [...numbers].sort((a, b) => a - b);

        for (let limit = 1; limit <= numbers.length + 1; limit++) {
          const seen: number[] = [];
          let after = 0;
          for (;;) {
            const page = await store.listParts(uploadId, after, limit);
            assert.ok(page.parts.length <= limit);
            seen.push(...page.parts.map((p) => p.partNumber));
            assert.equal(page.isTruncated, seen.length < sorted.length, `limit ${limit} after ${after}`);
            if (!page.isTruncated) {
              assert.equal(page.nextPartNumberMarker, undefined);
              break;
            }
            assert.equal(page.nextPartNumberMarker, seen[seen.length - 1]);
            after = page.nextPartNumberMarker!;
          }
          assert.deepEqual(seen, sorted, `limit ${limit}`);
        }
        assert.deepEqual(
          (await store.listParts(uploadId, 6, 2)).parts.map((p) => p.partNumber),
          [8, 13],
        );
        assert.deepEqual(await store.listParts(uploadId, 10000, 5), { parts: [], isTruncated: false });
        assert.deepEqual(await store.listParts('missing', 0, 5), { parts: [], isTruncated: false });
      });

      test('completeUpload: the chosen parts in order become the object; the rest and the previous object are freed', async () => {
        const { store } = h;
        await put(store, 'big', bytes(LARGE));
        const bodies = [bytes(TINY), bytes(LARGE), bytes(TINY), bytes(LARGE), bytes(TINY)];
        const { uploadId, parts } = await uploadWith(store, 'big', bodies);

        let seen: [UploadRecord, readonly PartRecord[]] | undefined;
        const chosen = (all: readonly PartRecord[]): PartRecord[] => [all[0]!, all[1]!, all[3]!];
        const build = completion(chosen);
        const record = await store.completeUpload(uploadId, (upload, all) => {
          seen = [upload, all];
          return build(upload, all);
        });
        assert.equal(seen![0].uploadId, uploadId);
        assert.equal(seen![0].key, 'big');
        assert.deepEqual(seen![1], parts, 'build sees every part, in order');

        const used = chosen(parts);
        assert.equal(record.multipart, true);
        assert.equal(record.checksumType, 'COMPOSITE');
        assert.equal(
          record.size,
          used.reduce((n, p) => n + p.size, 0),
        );
        assert.deepEqual(
          record.segments.map((g) => ({
            blobId: g.blobId,
            size: g.size,
            etag: g.etag,
            checksums: g.checksums,
          })),
          used.map((p) => ({ blobId: p.blobId, size: p.size, etag: p.etag, checksums: p.checksums })),
          'each part is a segment, with its ETag and checksum, its bytes not copied',
        );
        assert.deepEqual(await store.getObject(BUCKET, 'big'), record);
        assert.deepEqual(await bytesOf(store, 'big'), Buffer.concat([bodies[0]!, bodies[1]!, bodies[3]!]));

        assert.equal(await store.getUpload(uploadId), undefined);
        assert.deepEqual((await store.listParts(uploadId, 0, 10)).parts, []);
        assert.deepEqual(
          (await store.listUploads({ bucket: BUCKET, prefix: '', maxUploads: 10 })).uploads,
          [],
        );
        await noLeftovers('unused parts and the previous object were freed');

        // A completed upload is gone: completing again, or a late part, is NoSuchUpload.
        await rejects(() => store.completeUpload(uploadId, completion()), NO_SUCH_UPLOAD);
        await rejects(() => putPart(store, uploadId, 6, bytes(TINY)), NO_SUCH_UPLOAD);
        assert.deepEqual(await store.getObject(BUCKET, 'big'), record);
        await noLeftovers();
      });

      test('a completed object keeps its upload id through get, list and rename; an overwrite drops it', async () => {
        const { store } = h;
        const { uploadId } = await uploadWith(store, 'made', [bytes(TINY)]);
        const record = await store.completeUpload(uploadId, completion());
        assert.equal(record.uploadId, uploadId);
        assert.deepEqual(await store.getObject(BUCKET, 'made'), record);
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 10 });
        assert.deepEqual(page.objects, [summaryOf(record)]);
        const renamed = await store.renameObject(BUCKET, 'made', 'moved', (src) => assert.ok(src));
        assert.equal(renamed.record?.uploadId, uploadId);
        assert.equal((await store.getObject(BUCKET, 'moved'))?.uploadId, uploadId);
        const replaced = await put(store, 'moved', bytes(TINY));
        assert.equal(replaced.uploadId, undefined);
        assert.deepEqual(await store.getObject(BUCKET, 'moved'), replaced);
        assert.equal(Object.hasOwn((await store.getObject(BUCKET, 'moved'))!, 'uploadId'), false);
      });

      test('a completion that fails changes nothing: its condition, build throwing, parts not its own', async () => {
        const { store } = h;
        const existing = await put(store, 'big', bytes(TINY));
        const { uploadId, parts } = await uploadWith(store, 'big', [bytes(LARGE), bytes(TINY)]);
        const other = await uploadWith(store, 'elsewhere', [bytes(TINY)]);
        const unchanged = async (what: string): Promise<void> => {
          assert.deepEqual(await store.getObject(BUCKET, 'big'), existing, what);
          assert.equal((await store.getUpload(uploadId))?.key, 'big', what);
          assert.deepEqual((await store.listParts(uploadId, 0, 10)).parts, parts, what);
          await noLeftovers(what);
        };

        await rejects(
          () => store.completeUpload(uploadId, completion(), { ifNoneMatchStar: true }),
          isS3Error('PreconditionFailed', 412),
        );
        await unchanged('If-None-Match: * on an existing key');
        await rejects(
          () => store.completeUpload(uploadId, completion(), { ifMatch: '"not-it"' }),
          isS3Error('PreconditionFailed', 412),
        );
        await unchanged('If-Match on another ETag');

        const invalidPart = new S3Error('InvalidPart');
        await rejects(
          () =>
            store.completeUpload(uploadId, () => {
              throw invalidPart;
            }),
          (err) => err === invalidPart,
        );
        await unchanged('build throwing');

        // A build naming a part of another upload, or a part twice, is refused.
        for (const bad of [
          [parts[0]!, other.parts[0]!],
          [parts[0]!, parts[0]!],
        ]) {
          await rejects(
            () =>
              store.completeUpload(
                uploadId,
                completion(() => bad),
              ),
            () => true,
          );
          await unchanged('a build with foreign or repeated parts');
        }
        assert.equal((await store.listParts(other.uploadId, 0, 10)).parts.length, 1);

        const done = await store.completeUpload(uploadId, completion(), { ifMatch: existing.etag });
        assert.equal(done.size, LARGE + TINY);
        await noLeftovers();
      });

      test('completion conditions: If-Match on a missing key is NoSuchKey; If-None-Match: * creates', async () => {
        const { store } = h;
        const { uploadId } = await uploadWith(store, 'new', [bytes(TINY)]);
        await rejects(
          () => store.completeUpload(uploadId, completion(), { ifMatch: '*' }),
          isS3Error('NoSuchKey', 404),
        );
        assert.ok(await store.getUpload(uploadId));
        const done = await store.completeUpload(uploadId, completion(), { ifNoneMatchStar: true });
        assert.equal(done.multipart, true);
        assert.deepEqual(await store.getObject(BUCKET, 'new'), done);
        await rejects(() => store.completeUpload('no-such-upload', completion()), NO_SUCH_UPLOAD);
      });

      test('abortUpload frees every part; later parts and completions are NoSuchUpload', async () => {
        const { store } = h;
        const { uploadId } = await uploadWith(store, 'big', [bytes(TINY), bytes(LARGE), bytes(TINY)]);
        assert.equal(await store.abortUpload(uploadId), true);
        assert.equal(await store.getUpload(uploadId), undefined);
        assert.deepEqual((await store.listParts(uploadId, 0, 10)).parts, []);
        await rejects(() => putPart(store, uploadId, 1, bytes(TINY)), NO_SUCH_UPLOAD);
        await rejects(() => store.completeUpload(uploadId, completion()), NO_SUCH_UPLOAD);
        assert.equal(await store.getObject(BUCKET, 'big'), undefined);
        await noLeftovers('the parts were freed');
      });

      test('a part still streaming when its upload completes or is aborted: NoSuchUpload, nothing left', async () => {
        const { store } = h;
        for (const [end, size] of [
          ['complete', TINY],
          ['complete', LARGE],
          ['abort', TINY],
          ['abort', LARGE],
        ] as const) {
          const { uploadId } = await uploadWith(store, `k-${end}-${size}`, [bytes(TINY)]);
          const g = gate();
          const gated = gatedBody(bytes(size), g);
          const late = putPart(store, uploadId, 2, gated.data, gated.body).catch((e: unknown) => e);
          await Promise.race([gated.started, late]);
          if (end === 'complete') await store.completeUpload(uploadId, completion());
          else assert.equal(await store.abortUpload(uploadId), true);
          g.open();
          NO_SUCH_UPLOAD(await late);
          await noLeftovers(`a part that lost to ${end} (${size} bytes)`);
        }
      });

      test('two completions of one upload: exactly one wins', async () => {
        const { store } = h;
        const { uploadId } = await uploadWith(store, 'big', [bytes(LARGE), bytes(TINY)]);
        const outcomes = await Promise.allSettled(
          [0, 1].map(async () => store.completeUpload(uploadId, completion())),
        );
        const winner = exactlyOneWinner(outcomes, NO_SUCH_UPLOAD);
        assert.deepEqual(
          await store.getObject(BUCKET, 'big'),
          (outcomes[winner] as PromiseFulfilledResult<ObjectRecord>).value,
        );
      });

      test('a completion and a put racing with If-None-Match: *: exactly one wins', async () => {
        const { store } = h;
        const { uploadId } = await uploadWith(store, 'k', [bytes(TINY), bytes(LARGE)]);
        const g = gate();
        const gated = gatedBody(bytes(LARGE), g);
        const write = put(store, 'k', gated.data, { body: gated.body, condition: { ifNoneMatchStar: true } });
        const writeOutcome = Promise.allSettled([write]);
        await allReading([gated], [write]);
        const complete = Promise.allSettled([
          store.completeUpload(uploadId, completion(), { ifNoneMatchStar: true }),
        ]);
        g.open();
        const outcomes = [...(await writeOutcome), ...(await complete)];
        const winner = exactlyOneWinner(outcomes, isS3Error('PreconditionFailed', 412));
        const record = await store.getObject(BUCKET, 'k');
        assert.equal(record?.multipart, winner === 1);
        if (winner === 0)
          assert.ok(await store.getUpload(uploadId), 'the refused completion kept its upload');
        else assert.equal(await store.getUpload(uploadId), undefined);
        if (winner === 0) await store.abortUpload(uploadId);
        await noLeftovers();
      });

      test('racing parts of one number: one is recorded, the other freed', async () => {
        const { store } = h;
        const uploadId = await store.createUpload(newUpload('big'));
        const datas = [bytes(LARGE), bytes(TINY), bytes(LARGE + 5)];
        const records = await Promise.all(datas.map((d) => putPart(store, uploadId, 1, d, trickle(d))));
        const { parts } = await store.listParts(uploadId, 0, 10);
        assert.equal(parts.length, 1);
        const kept = records.findIndex((r) => r.etag === parts[0]!.etag);
        assert.ok(kept >= 0);
        assert.deepEqual(parts[0], records[kept]);
        await noLeftovers('the replaced parts were freed');
        await store.completeUpload(uploadId, completion());
        assert.deepEqual(await bytesOf(store, 'big'), datas[kept]);
      });

      test('a pinned read of the previous object keeps its bytes through a completion', async () => {
        const { store } = h;
        const previous = bytes(LARGE);
        await put(store, 'k', previous);
        const pinned = await open(store, 'k');
        const { uploadId } = await uploadWith(store, 'k', [bytes(TINY)]);
        await store.completeUpload(uploadId, completion());
        try {
          assert.deepEqual(await readAll(pinned.read()), previous);
        } finally {
          pinned.release();
        }
        await noLeftovers();
      });

      // Listing uploads.

      type Entry = { kind: 'upload'; id: string } | { kind: 'prefix'; prefix: string };
      interface UploadRef {
        key: string;
        initiated: number;
        uploadId: string;
      }

      /** What a listing must return, computed the obvious way over all uploads. */
      function referenceUploads(
        uploads: UploadRef[],
        prefix: string,
        delimiter: string | undefined,
      ): Entry[] {
        const ordered = [...uploads].sort(
          (a, b) => utf8Order(a.key, b.key) || a.initiated - b.initiated || utf8Order(a.uploadId, b.uploadId),
        );
        const entries: Entry[] = [];
        for (const u of ordered) {
          if (!u.key.startsWith(prefix)) continue;
          const at = delimiter === undefined ? -1 : u.key.indexOf(delimiter, prefix.length);
          if (at < 0) {
            entries.push({ kind: 'upload', id: u.uploadId });
            continue;
          }
          const common = u.key.slice(0, at + 1);
          const last = entries[entries.length - 1];
          if (last?.kind !== 'prefix' || last.prefix !== common)
            entries.push({ kind: 'prefix', prefix: common });
        }
        return entries;
      }

      async function pageThroughUploads(
        prefix: string,
        delimiter: string | undefined,
        maxUploads: number,
        expected: Entry[],
      ): Promise<void> {
        let offset = 0;
        let after: string | undefined;
        const label = `prefix=${JSON.stringify(prefix)} delimiter=${delimiter} max=${maxUploads}`;
        for (;;) {
          const page = await h.store.listUploads({ bucket: BUCKET, prefix, delimiter, after, maxUploads });
          const count = page.uploads.length + page.commonPrefixes.length;
          assert.ok(count <= maxUploads, label);
          const slice = expected.slice(offset, offset + count);
          assert.deepEqual(
            page.uploads.map((u) => u.uploadId),
            slice.flatMap((e) => (e.kind === 'upload' ? [e.id] : [])),
            `${label} at ${offset}`,
          );
          assert.deepEqual(
            page.commonPrefixes,
            slice.flatMap((e) => (e.kind === 'prefix' ? [e.prefix] : [])),
            `${label} at ${offset}`,
          );
          offset += count;
          assert.equal(page.isTruncated, offset < expected.length, `${label} isTruncated at ${offset}`);
          if (!page.isTruncated) break;
          assert.equal(count, maxUploads, label);
          assert.ok(page.lastReturned !== undefined, label);
          after = page.lastReturned;
        }
        assert.equal(offset, expected.length, label);
      }

      test('listUploads pages match a brute-force reference, with and without a delimiter', async () => {
        const { store } = h;
        const keys = ['a', 'a/1', 'a/2', 'a/b/1', 'a/b/2', 'a-b', 'a0', 'b/x/y', 'ü/1', '😀', 'z/'];
        const uploads: UploadRef[] = [];
        let n = 0;
        for (const key of keys) {
          // Several uploads per key: some started in the same millisecond (ordered by id), some later.
          for (const offset of [5, 0, 0, 3]) {
            const initiated = 1_700_000_000_000 + offset + (n++ % 2) * 10;
            uploads.push({
              key,
              initiated,
              uploadId: await store.createUpload(newUpload(key, new Date(initiated))),
            });
          }
        }
        const first = await store.listUploads({ bucket: BUCKET, prefix: '', maxUploads: 1 });
        assert.deepEqual(first.uploads[0], await store.getUpload(first.uploads[0]!.uploadId));
        // A neighbouring bucket whose uploads must never leak in.
        await store.createBucket(bucketRecord(NEIGHBOUR));
        await store.createUpload(newUpload('a/1', new Date(), NEIGHBOUR));

        for (const prefix of ['', 'a/', 'a/b/', 'b/', 'z/', 'missing/']) {
          for (const delimiter of ['/', undefined]) {
            const expected = referenceUploads(uploads, prefix, delimiter);
            for (const maxUploads of [1, 2, 3, 7, 1000])
              await pageThroughUploads(prefix, delimiter, maxUploads, expected);
          }
        }
        assert.deepEqual(await store.listUploads({ bucket: BUCKET, prefix: '', maxUploads: 0 }), {
          uploads: [],
          commonPrefixes: [],
          isTruncated: false,
        });
        for (const u of uploads) await store.abortUpload(u.uploadId);
      });

      test('listUploads takes a plain key as position (after all of its uploads) and any string', async () => {
        const { store } = h;
        const ids = [];
        for (const key of ['a', 'b', 'c']) ids.push(await store.createUpload(newUpload(key, new Date(1000))));
        const page = async (after: string): Promise<string[]> =>
          (await store.listUploads({ bucket: BUCKET, prefix: '', after, maxUploads: 10 })).uploads.map(
            (u) => u.uploadId,
          );
        assert.deepEqual(await page('a'), ids.slice(1));
        assert.deepEqual(await page(''), ids);
        assert.deepEqual(await page('\u00001.x'), ids);
        assert.deepEqual(await page('b\u0000garbage'), ids.slice(2));
        assert.deepEqual(await page('zzz'), []);
      });
    });

    // --- listing ----------------------------------------------------------------------------

    describe('listing (directory semantics)', () => {
      test('keys come in UTF-8 byte order, not UTF-16 order', async () => {
        const { store } = h;
        // UTF-16 order would put the emoji (a surrogate pair, 0xD83D…) before U+E000 and U+FFFD.
        const expected = ['a', 'a\u0001', 'ab', 'z', 'é', '\u{E000}', '\u{FFFD}', '😀', '\u{10FFFF}'];
        for (const key of [...expected].reverse()) await put(store, key, key);
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 100 });
        assert.deepEqual(
          page.objects.map((o) => o.key),
          expected,
        );
        // And pages resume in that order.
        const rest = await store.listObjects({ bucket: BUCKET, prefix: '', after: '\u{FFFD}', maxKeys: 100 });
        assert.deepEqual(
          rest.objects.map((o) => o.key),
          ['😀', '\u{10FFFF}'],
        );
      });

      test('a delimiter rolls keys up into common prefixes; after a common prefix skips it', async () => {
        const { store } = h;
        for (const key of ['a.txt', 'b/1', 'b/2', 'b/c/3', 'b0', 'c/', 'd/e/f/g', 'e', 'é/1', 'é/2'])
          await put(store, key, key);

        const root = await store.listObjects({ bucket: BUCKET, prefix: '', delimiter: '/', maxKeys: 100 });
        assert.deepEqual(
          root.objects.map((o) => o.key),
          ['a.txt', 'b0', 'e'],
        );
        assert.deepEqual(root.commonPrefixes, ['b/', 'c/', 'd/', 'é/']);
        assert.equal(root.isTruncated, false);

        const b = await store.listObjects({ bucket: BUCKET, prefix: 'b/', delimiter: '/', maxKeys: 100 });
        assert.deepEqual(
          b.objects.map((o) => o.key),
          ['b/1', 'b/2'],
        );
        assert.deepEqual(b.commonPrefixes, ['b/c/']);

        const flat = await store.listObjects({ bucket: BUCKET, prefix: 'b/', maxKeys: 100 });
        assert.deepEqual(
          flat.objects.map((o) => o.key),
          ['b/1', 'b/2', 'b/c/3'],
        );

        const afterB = await store.listObjects({
          bucket: BUCKET,
          prefix: '',
          delimiter: '/',
          after: 'b/',
          maxKeys: 100,
        });
        assert.deepEqual(
          afterB.objects.map((o) => o.key),
          ['b0', 'e'],
        );
        assert.deepEqual(afterB.commonPrefixes, ['c/', 'd/', 'é/']);

        const none = await store.listObjects({
          bucket: BUCKET,
          prefix: 'zzz/',
          delimiter: '/',
          maxKeys: 100,
        });
        assert.deepEqual(none, { objects: [], commonPrefixes: [], isTruncated: false });
        const zero = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 0 });
        assert.deepEqual(zero, { objects: [], commonPrefixes: [], isTruncated: false });
      });

      test('a large directory is one entry; a truncated page tells where to resume', async () => {
        const { store } = h;
        for (let i = 0; i < 300; i++) await put(store, `big/${String(i).padStart(3, '0')}`, 'x');
        await put(store, 'big0', 'x');
        await put(store, 'small/1', 'x');
        const page = await store.listObjects({ bucket: BUCKET, prefix: '', delimiter: '/', maxKeys: 2 });
        assert.deepEqual(page.commonPrefixes, ['big/']);
        assert.deepEqual(
          page.objects.map((o) => o.key),
          ['big0'],
        );
        assert.equal(page.isTruncated, true);
        assert.equal(page.lastReturned, 'big0');
        const rest = await store.listObjects({
          bucket: BUCKET,
          prefix: '',
          delimiter: '/',
          maxKeys: 2,
          after: 'big0',
        });
        // (lastReturned is only promised when truncated.)
        assert.deepEqual(rest.objects, []);
        assert.deepEqual(rest.commonPrefixes, ['small/']);
        assert.equal(rest.isTruncated, false);

        const flat = await store.listObjects({ bucket: BUCKET, prefix: 'big/', maxKeys: 100 });
        assert.equal(flat.objects.length, 100);
        assert.equal(flat.isTruncated, true);
        assert.equal(flat.lastReturned, 'big/099');
        const page2 = await store.listObjects({
          bucket: BUCKET,
          prefix: 'big/',
          maxKeys: 250,
          after: flat.lastReturned,
        });
        assert.equal(page2.objects.length, 200);
        assert.equal(page2.objects[0]?.key, 'big/100');
        assert.equal(page2.isTruncated, false);
      });

      /** The keys of a test tree: nested directories, look-alike names and non-ASCII. */
      function treeKeys(): string[] {
        const keys = new Set<string>();
        const dirs = ['', 'a/', 'a/b/', 'a/b/c/', 'a-b/', 'a0/', 'ä/', 'z/', 'z/😀/', 'z/\u{E000}/'];
        const leaves = ['1', '2', 'x.txt', 'x/', 'y/deep/er', 'a', 'a/', 'b', 'é', '😀'];
        for (const dir of dirs) for (const leaf of leaves) keys.add(dir + leaf);
        for (let i = 0; i < 60; i++) keys.add(`n/${String(i % 9)}/${i}`);
        return [...keys];
      }

      /** What a listing must return, computed the obvious way over all keys. */
      function referenceListing(keys: string[], prefix: string, delimiter: string | undefined): string[] {
        const entries: string[] = [];
        for (const key of [...keys].sort(utf8Order)) {
          if (!key.startsWith(prefix)) continue;
          const at = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
          const entry = at < 0 ? key : key.slice(0, at + 1);
          if (entries[entries.length - 1] !== entry) entries.push(entry);
        }
        return entries;
      }

      /** Pages through a listing with `after`, checking each page's flags; every entry in order. */
      async function pageThrough(
        base: Omit<ListObjectsQuery, 'after'>,
        expectedTotal: number,
      ): Promise<string[]> {
        const all: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await h.store.listObjects({ ...base, after });
          // Objects and prefixes interleave in key order; merge them to compare with the reference.
          const entries = [...page.objects.map((o) => o.key), ...page.commonPrefixes].sort(utf8Order);
          assert.ok(entries.length <= base.maxKeys);
          all.push(...entries);
          assert.equal(
            page.isTruncated,
            all.length < expectedTotal,
            `isTruncated after ${all.length} entries`,
          );
          if (!page.isTruncated) return all;
          assert.equal(entries.length, base.maxKeys);
          assert.equal(page.lastReturned, entries[entries.length - 1]);
          after = page.lastReturned;
        }
      }

      test('paginated listings match a brute-force reference for every prefix and page size', async () => {
        const { store } = h;
        const keys = treeKeys();
        assert.ok(keys.length >= 150, `tree has ${keys.length} keys`);
        for (const key of keys) await put(store, key, 'x');
        // A neighbouring bucket whose keys must never leak in.
        await store.createBucket(bucketRecord(NEIGHBOUR));
        for (const key of ['a/1', 'm', 'zz']) await put(store, key, 'x', { bucket: NEIGHBOUR });

        const prefixes = [
          '',
          'a/',
          'a/b/',
          'a/b/c/',
          'n/',
          'n/3/',
          'z/',
          'z/😀/',
          'ä/',
          'a',
          'x/',
          'missing/',
        ];
        for (const prefix of prefixes) {
          for (const delimiter of ['/', undefined]) {
            const expected = referenceListing(keys, prefix, delimiter);
            for (const maxKeys of [1, 2, 3, 5, 7, 1000]) {
              const got = await pageThrough({ bucket: BUCKET, prefix, delimiter, maxKeys }, expected.length);
              assert.deepEqual(
                got,
                expected,
                `prefix=${JSON.stringify(prefix)} delimiter=${delimiter} maxKeys=${maxKeys}`,
              );
            }
          }
        }
      });
    });

    // --- pinned reads -----------------------------------------------------------------------

    describe('pinned reads', () => {
      test('a read stays whole while the object is overwritten and deleted (streamed slowly)', async () => {
        const { store } = h;
        const pieces = [bytes(LARGE), bytes(TINY), bytes(LARGE)];
        await put(store, 'k', pieces[0]!);
        for (const piece of pieces.slice(1)) await append(store, 'k', piece);
        const original = Buffer.concat(pieces);

        const pinned = await open(store, 'k');
        const stream = asStream(pinned.read());
        pinned.release(); // the stream keeps a pin of its own
        const chunks: Buffer[] = [];
        let changed = false;
        for await (const chunk of stream) {
          chunks.push(chunk as Buffer);
          if (!changed) {
            changed = true;
            await put(store, 'k', bytes(LARGE));
            await append(store, 'k', bytes(TINY));
            assert.ok(await store.deleteObject(BUCKET, 'k'));
            await store.settled();
          }
          await nextTurn();
        }
        assert.ok(changed);
        assert.deepEqual(Buffer.concat(chunks), original);
        await closed(stream);
        await noLeftovers('the pin was let go with the stream');
      });

      test('a pin taken before an overwrite and a delete still reads the old bytes, tiny and large', async () => {
        const { store } = h;
        for (const size of [TINY, LARGE]) {
          const data = bytes(size);
          const record = await put(store, 'k', data);
          const pinned = await open(store, 'k');
          await put(store, 'k', bytes(size));
          await store.deleteObject(BUCKET, 'k');
          await store.settled();
          try {
            assert.deepEqual(pinned.record, record);
            assert.deepEqual(await readAll(pinned.read()), data);
            assert.deepEqual(await readAll(pinned.read({ start: 1, end: 2 })), data.subarray(1, 3));
          } finally {
            pinned.release();
            pinned.release(); // idempotent
          }
          await noLeftovers();
        }
      });

      /** An object of two large segments, pinned. */
      async function twoSegments(): Promise<{ pinned: PinnedObject; pieces: Buffer[] }> {
        const pieces = [bytes(LARGE), bytes(LARGE)];
        await put(h.store, 'k', pieces[0]!);
        await append(h.store, 'k', pieces[1]!);
        return { pinned: await open(h.store, 'k'), pieces };
      }

      test('a pin released unread lets go of its bytes', async () => {
        const { pinned } = await twoSegments();
        const other = await open(h.store, 'k');
        await h.store.deleteObject(BUCKET, 'k');
        pinned.release();
        other.release();
        await noLeftovers();
      });

      test('a stream destroyed before it was read lets go of its pin', async () => {
        const { pinned } = await twoSegments();
        const stream = asStream(pinned.read());
        pinned.release();
        await h.store.deleteObject(BUCKET, 'k');
        stream.destroy();
        await closed(stream);
        await noLeftovers();
      });

      test('a stream destroyed part-way lets go of its pin; a range read keeps only its own', async () => {
        const { pinned, pieces } = await twoSegments();
        const whole = asStream(pinned.read());
        const head = pinned.read({ start: 0, end: 2 });
        const tail = asStream(pinned.read({ start: LARGE - 1, end: 2 * LARGE - 1 }));
        pinned.release();
        await h.store.deleteObject(BUCKET, 'k');
        for await (const _chunk of whole) break; // destroys it after one chunk
        await closed(whole);
        assert.deepEqual(await readAll(head), pieces[0]!.subarray(0, 3));
        if (!Buffer.isBuffer(head)) await closed(head);
        assert.deepEqual(await readAll(tail), Buffer.concat(pieces).subarray(LARGE - 1));
        await closed(tail);
        await noLeftovers();
      });
    });

    // --- failures leave nothing ----------------------------------------------------------

    describe('failed writes leave nothing', () => {
      test('a build that throws: putObject rejects with its error; a new key stays absent, an existing one unchanged', async () => {
        const { store } = h;
        const existing = await put(store, 'existing', bytes(LARGE));
        const existingBytes = await bytesOf(store, 'existing');
        const refusal = new S3Error('BadDigest');
        for (const size of [TINY, LARGE]) {
          for (const key of ['new', 'existing']) {
            await rejects(
              () =>
                store.putObject(BUCKET, key, bodyOf(bytes(size)), () => {
                  throw refusal;
                }),
              (err) => err === refusal,
            );
          }
        }
        assert.equal(await store.getObject(BUCKET, 'new'), undefined);
        assert.deepEqual(await store.getObject(BUCKET, 'existing'), existing);
        assert.deepEqual(await bytesOf(store, 'existing'), existingBytes);
        await noLeftovers();
      });

      test('a body that fails mid-way: the write rejects with its error and leaves nothing', async () => {
        const { store } = h;
        const existing = await put(store, 'existing', bytes(TINY));
        for (const size of [10, TINY, LARGE, 3 * LARGE]) {
          for (const key of ['new', 'existing']) {
            const boom = new S3Error('IncompleteBody');
            const build = (): ObjectFields => assert.fail('build must not run when the body fails');
            await rejects(
              () => store.putObject(BUCKET, key, failingBody(size, boom), build),
              (err) => err === boom,
            );
            // Destroyed without an error: still a failure.
            await rejects(
              () => store.putObject(BUCKET, key, failingBody(size, undefined), build),
              () => true,
            );
          }
        }
        assert.equal(await store.getObject(BUCKET, 'new'), undefined);
        assert.deepEqual(await store.getObject(BUCKET, 'existing'), existing);
        await noLeftovers();
      });
    });

    // --- durability -------------------------------------------------------------------------

    describe('access points', () => {
      const AP = 'reader--usw2-az1--xa-s3';

      test('create, get, update policy, scope and tags, delete; 409 and 404 as documented', async () => {
        const { store } = h;
        assert.equal(await store.getAccessPoint(AP), undefined);
        const record = accessPointRecord(AP);
        await store.createAccessPoint(record);
        assert.deepEqual(await store.getAccessPoint(AP), record);
        await rejects(
          () => store.createAccessPoint({ ...record, ownerAccountId: OTHER_OWNER }),
          isS3Error('AccessPointAlreadyOwnedByYou', 409),
        );
        const policy = '{"Version":"2012-10-17","Statement":[]}';
        const scope = { prefixes: ['a/', 'b/*'], permissions: ['GetObject', 'ListBucket'] };
        await store.updateAccessPoint(AP, { policy, scope, tags: [{ key: 'k', value: 'v' }] });
        assert.deepEqual(await store.getAccessPoint(AP), {
          ...record,
          policy,
          scope,
          tags: [{ key: 'k', value: 'v' }],
        });
        // Only the fields named change.
        await store.updateAccessPoint(AP, { scope: null });
        assert.deepEqual(await store.getAccessPoint(AP), {
          ...record,
          policy,
          tags: [{ key: 'k', value: 'v' }],
        });
        await store.updateAccessPoint(AP, { policy: null, tags: [] });
        assert.deepEqual(await store.getAccessPoint(AP), record);
        await rejects(
          () => store.updateAccessPoint('missing--usw2-az1--xa-s3', { policy }),
          isS3Error('NoSuchAccessPoint', 404),
        );
        await store.deleteAccessPoint(AP);
        assert.equal(await store.getAccessPoint(AP), undefined);
        await rejects(() => store.deleteAccessPoint(AP), isS3Error('NoSuchAccessPoint', 404));
      });

      test('listAccessPoints: by owner, optionally by bucket, in name order, paged', async () => {
        const { store } = h;
        for (const name of ['c', 'a', 'd', 'b']) {
          await store.createAccessPoint(accessPointRecord(`${name}--usw2-az1--xa-s3`));
        }
        await store.createAccessPoint(accessPointRecord('e--usw2-az1--xa-s3', NEIGHBOUR));
        await store.createAccessPoint(accessPointRecord('f--usw2-az1--xa-s3', BUCKET, OTHER_OWNER));
        const names = (page: { accessPoints: AccessPointRecord[] }): string[] =>
          page.accessPoints.map((a) => a.name.split('--')[0]!);
        const first = await store.listAccessPoints(OWNER, undefined, undefined, 3);
        assert.deepEqual(names(first), ['a', 'b', 'c']);
        assert.equal(first.lastReturned, 'c--usw2-az1--xa-s3');
        const second = await store.listAccessPoints(OWNER, undefined, first.lastReturned, 3);
        assert.deepEqual(names(second), ['d', 'e']);
        assert.equal(second.lastReturned, undefined);
        assert.deepEqual(names(await store.listAccessPoints(OWNER, BUCKET, undefined, 10)), [
          'a',
          'b',
          'c',
          'd',
        ]);
        assert.deepEqual(names(await store.listAccessPoints(OWNER, NEIGHBOUR, undefined, 10)), ['e']);
        assert.deepEqual(names(await store.listAccessPoints(OTHER_OWNER, undefined, undefined, 10)), ['f']);
        assert.deepEqual(await store.listAccessPoints(LISTING_OWNER, undefined, undefined, 10), {
          accessPoints: [],
        });
      });
    });

    describe('durability', () => {
      test('everything survives a reopen', async (t) => {
        if (!h.reopen) {
          t.skip('this harness cannot reopen its store');
          return;
        }
        let store = h.store;
        await store.setBucketPolicy(BUCKET, '{"Version":"2012-10-17"}');
        await store.setBucketEncryption(BUCKET, { algorithm: 'aws:kms', kmsKeyId: 'k' });
        await store.updateBucketConfiguration(BUCKET, 'lifecycle', () => '{"rules":[]}');
        await store.updateBucketConfiguration(BUCKET, 'inventory', () => '[]');
        await store.updateBucketConfiguration(BUCKET, 'metrics', () => '[{"id":"m"}]');
        await store.setBucketTags(BUCKET, [{ key: 'team', value: 'data' }]);
        const accessPoint = {
          ...accessPointRecord('durable--usw2-az1--xa-s3'),
          policy: '{"Version":"2012-10-17","Statement":[]}',
          scope: { prefixes: ['p/'], permissions: ['GetObject'] },
          tags: [{ key: 'k', value: 'v' }],
        };
        await store.createAccessPoint(accessPoint);
        const contents = new Map<string, Buffer>();
        for (const [key, size] of [
          ['tiny', TINY],
          ['large', LARGE],
          ['empty', 0],
        ] as const) {
          const data = bytes(size);
          contents.set(key, data);
          await put(store, key, data);
        }
        const appended = [bytes(TINY), bytes(LARGE), bytes(TINY)];
        for (const piece of appended) await append(store, 'appended', piece);
        contents.set('appended', Buffer.concat(appended));
        const mp = [bytes(LARGE), bytes(TINY)];
        const done = await uploadWith(store, 'multipart', mp);
        await store.completeUpload(done.uploadId, completion());
        contents.set('multipart', Buffer.concat(mp));
        await put(store, 'renamed-src', 'renamed');
        const token = { token: 'tok', fingerprint: 'renamed-src->renamed' };
        await store.renameObject(BUCKET, 'renamed-src', 'renamed', (s) => assert.ok(s), token);
        contents.set('renamed', Buffer.from('renamed'));
        const pendingBodies = [bytes(TINY), bytes(LARGE)];
        const pending = await uploadWith(store, 'pending', pendingBodies);

        const bucket = await store.getBucket(BUCKET);
        const records = new Map<string, ObjectRecord | undefined>();
        for (const key of contents.keys()) records.set(key, await store.getObject(BUCKET, key));
        const upload = await store.getUpload(pending.uploadId);

        store = await h.reopen();

        assert.deepEqual(await store.getBucket(BUCKET), bucket);
        assert.deepEqual(await store.getAccessPoint(accessPoint.name), accessPoint);
        for (const [key, data] of contents) {
          assert.deepEqual(await store.getObject(BUCKET, key), records.get(key), key);
          assert.deepEqual(await bytesOf(store, key), data, key);
        }
        assert.deepEqual(await store.getUpload(pending.uploadId), upload);
        assert.deepEqual((await store.listParts(pending.uploadId, 0, 10)).parts, pending.parts);
        const replay = await store.renameObject(
          BUCKET,
          'renamed-src',
          'renamed',
          () => assert.fail('replayed'),
          token,
        );
        assert.equal(replay.replayed, true);
        await noLeftovers('the reopened store holds only referenced blobs');

        const completed = await store.completeUpload(pending.uploadId, completion());
        assert.equal(completed.size, TINY + LARGE);
        assert.deepEqual(await bytesOf(store, 'pending'), Buffer.concat(pendingBodies));
      });
    });
  });
}
