/**
 * The S3 blob tier against a real Ceph RGW (test/helpers/ceph.ts starts one for the whole
 * file): S3BlobStore's own promises (fresh keys, ranged reads, multipart for large bodies with
 * nothing left behind on failure, idempotent removal, the sweep), the start-up probe's
 * messages for refused credentials, a missing bucket and an unreachable endpoint, and the
 * ObjectStore contract over SQLite metadata + S3 blobs.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { toS3Error } from '../../src/errors/s3-error.js';
import { openBlobTier } from '../../src/storage/blob-tier.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../../src/storage/s3-blobs/s3-blob-store.js';
import { SegmentStore } from '../../src/storage/segment-store.js';
import { SqliteMetadataStore } from '../../src/storage/sqlite/sqlite-metadata.js';
import { startCeph, type Ceph } from '../helpers/ceph.js';
import { runServeToExit, startServerProcess } from '../helpers/cli-server.js';
import { startCluster, type ClusterNode } from '../helpers/zonal-cluster.js';
import { bucketName, createBucketInput } from '../helpers/zonal-fixture.js';
import { objectStoreContract, referencedBlobIds, type ContractHarness } from './object-store-contract.js';

let ceph: Ceph;
/** A plain client of the upstream, to look at what the tier stored. */
let upstream: S3Client;

before(
  async () => {
    ceph = await startCeph();
    upstream = new S3Client({
      endpoint: ceph.endpoint,
      region: ceph.region,
      forcePathStyle: true,
      credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
    });
  },
  { timeout: 15 * 60 * 1000 }, // A first run installs Debian's Ceph packages.
);

after(async () => {
  upstream?.destroy();
  await ceph?.stop();
});

const MiB = 1024 * 1024;

function storeOptions(prefix: string, overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions {
  return {
    endpoint: ceph.endpoint,
    region: ceph.region,
    bucket: ceph.bucket,
    prefix,
    credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
    ...overrides,
  };
}

const freshPrefix = (): string => `t-${randomBytes(6).toString('hex')}/`;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `bytes` as a stream of 64 KiB chunks (as an HTTP body arrives). */
function chunked(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
    })(),
  );
}

/** Keys the upstream holds under `prefix`. */
async function upstreamKeys(prefix: string): Promise<string[]> {
  const page = await upstream.send(new ListObjectsV2Command({ Bucket: ceph.bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!);
}

async function pendingUploads(prefix: string): Promise<number> {
  const page = await upstream.send(new ListMultipartUploadsCommand({ Bucket: ceph.bucket, Prefix: prefix }));
  return page.Uploads?.length ?? 0;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('S3BlobStore on Ceph RGW', () => {
  test('a small body is one object under the prefix and a fresh id; reads return exactly the range asked', async () => {
    const prefix = freshPrefix();
    const blobs = new S3BlobStore(storeOptions(prefix));
    try {
      const bytes = randomBytes(100_000);
      const a = await blobs.write(chunked(bytes));
      const b = await blobs.write(chunked(bytes));
      assert.equal(a.size, bytes.length);
      assert.match(a.blobId, /^[0-9a-f]{32}$/);
      assert.notEqual(a.blobId, b.blobId, 'every write gets a fresh id');
      assert.deepEqual((await upstreamKeys(prefix)).sort(), [prefix + a.blobId, prefix + b.blobId].sort());
      const head = await upstream.send(
        new HeadObjectCommand({ Bucket: ceph.bucket, Key: prefix + a.blobId }),
      );
      assert.equal(head.ContentLength, bytes.length);

      assert.deepEqual(await readAll(blobs.read(a.blobId, { start: 0, end: bytes.length - 1 })), bytes);
      assert.deepEqual(await readAll(blobs.read(a.blobId, { start: 5, end: 5 })), bytes.subarray(5, 6));
      assert.deepEqual(
        await readAll(blobs.read(a.blobId, { start: 65_000, end: 99_999 })),
        bytes.subarray(65_000, 100_000),
      );
      assert.equal(await blobs.count(), 2);
    } finally {
      blobs.close();
    }
  });

  test('a body above a part is a multipart upload: bytes intact across part boundaries, no upload left open', async () => {
    const prefix = freshPrefix();
    const partSize = 5 * MiB;
    const blobs = new S3BlobStore(storeOptions(prefix, { partSize }));
    try {
      const bytes = randomBytes(2 * partSize + 12_345); // three parts, the last one short
      const { blobId, size } = await blobs.write(chunked(bytes));
      assert.equal(size, bytes.length);
      const got = await upstream.send(new GetObjectCommand({ Bucket: ceph.bucket, Key: prefix + blobId }));
      assert.equal(got.ContentLength, bytes.length);
      // A multipart ETag names its part count (Amazon S3 "Checking object integrity").
      assert.match(got.ETag ?? '', /-3"$/);
      assert.equal(sha(await readAll(got.Body as Readable)), sha(bytes));
      const across = { start: partSize - 10, end: 2 * partSize + 10 };
      assert.deepEqual(
        await readAll(blobs.read(blobId, across)),
        bytes.subarray(across.start, across.end + 1),
      );
      assert.equal(await pendingUploads(prefix), 0);

      // Exactly one part's worth is still one PutObject (a body that ends at the limit).
      const exact = await blobs.write(chunked(randomBytes(partSize)));
      const exactHead = await upstream.send(
        new HeadObjectCommand({ Bucket: ceph.bucket, Key: prefix + exact.blobId }),
      );
      assert.doesNotMatch(exactHead.ETag ?? '', /-\d+"$/);
    } finally {
      blobs.close();
    }
  });

  test('a body that fails mid-upload rejects with its own error and leaves no object and no open upload', async () => {
    const prefix = freshPrefix();
    const blobs = new S3BlobStore(storeOptions(prefix, { partSize: 5 * MiB }));
    try {
      const broken = new Error('client went away');
      const source = Readable.from(
        (async function* () {
          for (let i = 0; i < 13; i++) yield randomBytes(MiB); // two parts sent, a third filling
          throw broken;
        })(),
      );
      await assert.rejects(blobs.write(source), (err) => err === broken);
      assert.deepEqual(await upstreamKeys(prefix), []);
      assert.equal(await pendingUploads(prefix), 0, 'the multipart upload was aborted');
    } finally {
      blobs.close();
    }
  });

  test('remove deletes in the background, is idempotent, and a removed blob reads as an error', async () => {
    const prefix = freshPrefix();
    const blobs = new S3BlobStore(storeOptions(prefix));
    try {
      const kept = await blobs.write(chunked(randomBytes(70_000)));
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await blobs.write(chunked(randomBytes(70_000)))).blobId);
      blobs.remove(ids);
      blobs.remove([ids[0]!]); // twice in one batch
      await blobs.settled();
      assert.deepEqual(await upstreamKeys(prefix), [prefix + kept.blobId]);
      blobs.remove(ids); // all gone already
      blobs.remove(['0'.repeat(32)]); // never existed
      await blobs.settled();
      assert.equal(await blobs.count(), 1);
      await assert.rejects(readAll(blobs.read(ids[1]!, { start: 0, end: 9 })), (err: Error) => {
        assert.match(err.message, /GetObject .*NoSuchKey/);
        return true;
      });
      assert.throws(() => blobs.remove(['../etc/passwd']), /invalid blob id/);
    } finally {
      blobs.close();
    }
  });

  test('the sweep removes unreferenced blobs and open uploads under its prefix, and nothing else', async () => {
    const prefix = freshPrefix();
    const neighbourPrefix = freshPrefix();
    const blobs = new S3BlobStore(storeOptions(prefix));
    const neighbour = new S3BlobStore(storeOptions(neighbourPrefix));
    try {
      const keep = await blobs.write(chunked(randomBytes(40_000)));
      await blobs.write(chunked(randomBytes(40_000)));
      await blobs.write(chunked(randomBytes(40_000)));
      const other = await neighbour.write(chunked(randomBytes(40_000)));
      // Not a blob id: someone else's object that happens to share the prefix.
      await upstream.send(
        new PutObjectCommand({ Bucket: ceph.bucket, Key: `${prefix}README`, Body: 'hello' }),
      );
      // A crash mid-multipart: an upload nobody completes.
      await upstream.send(
        new CreateMultipartUploadCommand({ Bucket: ceph.bucket, Key: prefix + 'a'.repeat(32) }),
      );

      const removed = await blobs.sweep((id) => id === keep.blobId);
      assert.equal(removed, 3, 'two blobs and one open upload');
      assert.deepEqual((await upstreamKeys(prefix)).sort(), [`${prefix}README`, prefix + keep.blobId].sort());
      assert.equal(await pendingUploads(prefix), 0);
      assert.deepEqual(await upstreamKeys(neighbourPrefix), [neighbourPrefix + other.blobId]);
      assert.equal(await blobs.sweep(() => true), 0);
    } finally {
      blobs.close();
      neighbour.close();
    }
  });

  test('a reconciliation (modifiedBefore) spares blobs and uploads newer than its cut-off', async () => {
    const prefix = freshPrefix();
    const blobs = new S3BlobStore(storeOptions(prefix));
    try {
      // S3 times have whole seconds: cut-offs a few seconds either side of the writes.
      const before = Date.now() - 3000;
      const fresh = await blobs.write(chunked(randomBytes(1000)));
      await upstream.send(
        new CreateMultipartUploadCommand({ Bucket: ceph.bucket, Key: prefix + 'b'.repeat(32) }),
      );
      assert.equal(await blobs.sweep(() => false, before), 0, 'written after the cut-off: kept');
      assert.equal(await blobs.count(), 1);
      assert.equal(await blobs.sweep(() => false, Date.now() + 3000), 2, 'older than the cut-off: removed');
      assert.equal(await blobs.count(), 0);
      assert.equal(await pendingUploads(prefix), 0);
      assert.ok(fresh.blobId);
    } finally {
      blobs.close();
    }
  });
});

describe('the start-up probe of an S3 blob tier', () => {
  const tier = (overrides: { spec?: string; endpoint?: string; secret?: string; access?: string }) =>
    openBlobTier({
      spec: overrides.spec ?? `s3://${ceph.bucket}/probe`,
      endpoint: overrides.endpoint ?? ceph.endpoint,
      region: ceph.region,
      fsync: false,
      env: {
        ZONAL_BLOBS_ACCESS_KEY_ID: overrides.access ?? ceph.accessKeyId,
        ZONAL_BLOBS_SECRET_ACCESS_KEY: overrides.secret ?? ceph.secretAccessKey,
      },
    });

  test('a usable tier opens and its probe leaves nothing behind', async () => {
    const blobs = await tier({});
    blobs.close();
    assert.deepEqual(await upstreamKeys('probe/'), []);
  });

  test('a wrong secret key: refused credentials, naming endpoint, bucket and access key but not the secret', async () => {
    const wrongSecret = 'wrong-' + randomBytes(12).toString('hex');
    await assert.rejects(tier({ secret: wrongSecret }), (err: Error) => {
      assert.match(err.message, /refused the credentials/);
      assert.ok(err.message.includes(ceph.endpoint), err.message);
      assert.ok(err.message.includes(`bucket ${ceph.bucket}`), err.message);
      assert.ok(err.message.includes(ceph.accessKeyId), err.message);
      assert.ok(!err.message.includes(wrongSecret), 'the secret is never in the message');
      assert.match(err.message, /SignatureDoesNotMatch/);
      return true;
    });
  });

  test('an unknown access key: refused credentials', async () => {
    await assert.rejects(
      tier({ access: 'NOSUCHKEY0000000000' }),
      /refused the credentials .*InvalidAccessKeyId/,
    );
  });

  test('a missing bucket: says the bucket does not exist', async () => {
    await assert.rejects(
      tier({ spec: 's3://no-such-bucket-here' }),
      new RegExp(
        `the blob tier at ${ceph.endpoint} \\(bucket no-such-bucket-here\\): the bucket no-such-bucket-here does not exist`,
      ),
    );
  });

  test('an unreachable endpoint: names it, and gives up in seconds', async () => {
    const began = Date.now();
    await assert.rejects(
      tier({ endpoint: 'http://127.0.0.1:9' }),
      /cannot use the blob tier at http:\/\/127\.0\.0\.1:9 .*ECONNREFUSED/,
    );
    assert.ok(Date.now() - began < 10_000);
  });
});

describe('upstream failures as S3 errors', () => {
  test('an upstream that went away: the write fails as 503 ServiceUnavailable, naming the tier', async () => {
    const blobs = new S3BlobStore(
      storeOptions(freshPrefix(), { endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
    );
    try {
      await assert.rejects(blobs.write(chunked(randomBytes(1000))), (err: Error) => {
        assert.match(
          err.message,
          /blob tier http:\/\/127\.0\.0\.1:9 bucket .*: PutObject failed: .*ECONNREFUSED/,
        );
        const s3err = toS3Error(err);
        assert.equal(s3err.code, 'ServiceUnavailable');
        assert.equal(s3err.status, 503);
        return true;
      });
    } finally {
      blobs.close();
    }
  });

  test('credentials refused after start: the write fails as 500 InternalError (not retryable)', async () => {
    const blobs = new S3BlobStore(
      storeOptions(freshPrefix(), {
        credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: 'wrong' },
      }),
    );
    try {
      await assert.rejects(blobs.write(chunked(randomBytes(1000))), (err: Error) => {
        assert.match(err.message, /PutObject failed: SignatureDoesNotMatch \(HTTP 403\)/);
        assert.equal(toS3Error(err).code, 'InternalError');
        return true;
      });
    } finally {
      blobs.close();
    }
  });
});

/** SQLite metadata in a temp dir + S3 blobs under a fresh prefix, like `serve --blobs s3://…`. */
async function segmentHarness(inlineMaxBytes: number): Promise<ContractHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-s3tier-'));
  const prefix = freshPrefix();
  const open = async (): Promise<{ store: SegmentStore; blobs: S3BlobStore }> => {
    const blobs = new S3BlobStore(storeOptions(prefix));
    const meta = new SqliteMetadataStore({
      path: path.join(dataDir, 'meta.sqlite3'),
      fsync: false,
      shared: false,
    });
    const store = new SegmentStore(meta, blobs, { inlineMaxBytes, shared: false });
    await store.sweepOrphans();
    return { store, blobs };
  };
  let current = await open();
  return {
    get store() {
      return current.store;
    },
    async leftovers() {
      await current.store.settled();
      const { files, inline } = await current.store.storedBlobCount();
      assert.equal(files, (await upstreamKeys(prefix)).length, 'count() is what the upstream holds');
      return files + inline - (await referencedBlobIds(current.store)).size + (await pendingUploads(prefix));
    },
    async reopen() {
      await current.store.settled();
      current.store.close();
      current = await open();
      return current.store;
    },
    async close() {
      await current.store.settled();
      current.store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

objectStoreContract('SQLite metadata + S3 blobs on Ceph RGW', () => segmentHarness(32 * 1024));

describe('zonal serve --blobs s3://… (SQLite metadata in the data dir, bytes in RGW)', () => {
  const root = {
    ZONAL_ROOT_ACCESS_KEY_ID: 'AKIAZONALE2EROOT0000',
    ZONAL_ROOT_SECRET_ACCESS_KEY: 'zonal-e2e-root-secret-that-is-long-enough',
  };
  const blobsEnv = () => ({
    ZONAL_BLOBS_ACCESS_KEY_ID: ceph.accessKeyId,
    ZONAL_BLOBS_SECRET_ACCESS_KEY: ceph.secretAccessKey,
  });

  test('strays are swept at start; a large object PUT with the SDK lands in RGW, reads back, and its blob goes with the DELETE', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-s3tier-e2e-'));
    const prefix = freshPrefix();
    // A blob a crash left behind (written, never committed): the sweep at start removes it.
    const stray = `${prefix}${'b'.repeat(32)}`;
    await upstream.send(new PutObjectCommand({ Bucket: ceph.bucket, Key: stray, Body: randomBytes(40_000) }));
    const server = await startServerProcess(
      [
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--fsync=false',
        '--blobs',
        `s3://${ceph.bucket}/${prefix}`,
        '--blobs-endpoint',
        ceph.endpoint,
      ],
      { ...root, ...blobsEnv() },
    );
    const credentials = {
      accessKeyId: root.ZONAL_ROOT_ACCESS_KEY_ID,
      secretAccessKey: root.ZONAL_ROOT_SECRET_ACCESS_KEY,
    };
    const ctl = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials,
      disableS3ExpressSessionAuth: true,
    });
    const s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', credentials });
    try {
      assert.ok(
        server.output().includes(`blobs in s3://${ceph.bucket}/${prefix} at ${ceph.endpoint}`),
        server.output(),
      );
      assert.ok(!server.output().includes(ceph.secretAccessKey), 'the blob tier secret is never printed');
      assert.deepEqual(await upstreamKeys(prefix), [], 'the stray blob was swept at start');
      const bucket = bucketName();
      await ctl.send(new CreateBucketCommand(createBucketInput(bucket)));
      const large = randomBytes(300_000); // above the 32 KiB kept inline
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large', Body: large }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small', Body: 'inline' }));

      const keys = await upstreamKeys(prefix);
      assert.equal(keys.length, 1, 'the large body is one upstream object, the small one inline');
      const stored = await upstream.send(new GetObjectCommand({ Bucket: ceph.bucket, Key: keys[0] }));
      assert.equal(
        sha(await readAll(stored.Body as Readable)),
        sha(large),
        'the bytes in RGW are the object',
      );
      assert.ok(!fs.existsSync(path.join(dataDir, 'blobs')), 'no blob files in the data dir');

      const got = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'large', Range: 'bytes=100000-100099' }),
      );
      assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), large.subarray(100_000, 100_100));
      const whole = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'large' }));
      assert.equal(sha(Buffer.from(await whole.Body!.transformToByteArray())), sha(large));

      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'large' }));
      const deadline = Date.now() + 5_000;
      while ((await upstreamKeys(prefix)).length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await upstreamKeys(prefix), [], 'the freed blob is deleted upstream');
    } finally {
      ctl.destroy();
      s3.destroy();
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('refused credentials and a missing bucket stop the node at start with a clear message', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-s3tier-e2e-'));
    try {
      const args = ['--port', '0', '--data-dir', dataDir, '--fsync=false', '--blobs-endpoint', ceph.endpoint];
      const wrong = { ...blobsEnv(), ZONAL_BLOBS_SECRET_ACCESS_KEY: 'wrong-secret-never-printed' };
      const refused = await runServeToExit([...args, '--blobs', `s3://${ceph.bucket}`], {
        ...root,
        ...wrong,
      });
      assert.equal(refused.code, 1, refused.output);
      assert.match(refused.stderr, /refused the credentials of access key/);
      assert.ok(!refused.output.includes('wrong-secret-never-printed'));

      const missing = await runServeToExit([...args, '--blobs', 's3://not-there'], {
        ...root,
        ...blobsEnv(),
      });
      assert.equal(missing.code, 1, missing.output);
      assert.match(missing.stderr, /the bucket not-there does not exist/);

      const noKeys = await runServeToExit([...args, '--blobs', `s3://${ceph.bucket}`], root);
      assert.equal(noKeys.code, 1, noKeys.output);
      assert.match(
        noKeys.stderr,
        /needs credentials: set ZONAL_BLOBS_ACCESS_KEY_ID and ZONAL_BLOBS_SECRET_ACCESS_KEY/,
      );
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('cluster mode on the S3 tier: two nodes on PostgreSQL, bytes in RGW', () => {
  test('an object written through one node reads whole through the other; its replaced blob leaves RGW after the grace period', async (t) => {
    const prefix = freshPrefix();
    const cluster = await startCluster(2, {
      fsync: false,
      blobs: {
        args: ['--blobs', `s3://${ceph.bucket}/${prefix}`, '--blobs-endpoint', ceph.endpoint],
        env: {
          ZONAL_BLOBS_ACCESS_KEY_ID: ceph.accessKeyId,
          ZONAL_BLOBS_SECRET_ACCESS_KEY: ceph.secretAccessKey,
        },
      },
      serveArgs: ['--blob-grace', '1'],
    });
    t.after(() => cluster.stop());
    const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    const bucket = bucketName();
    await cluster.controlClient(a).send(new CreateBucketCommand(createBucketInput(bucket)));
    const first = randomBytes(200_000); // above the 32 KiB kept inline: a blob in RGW
    await cluster.client(a).send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: first }));
    const [firstKey] = await upstreamKeys(prefix);
    assert.ok(firstKey, 'the body is an object in RGW');
    const read = await cluster.client(b).send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(sha(Buffer.from(await read.Body!.transformToByteArray())), sha(first), 'read through B');

    const second = randomBytes(150_000);
    await cluster.client(b).send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: second }));
    const again = await cluster.client(a).send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(
      sha(Buffer.from(await again.Body!.transformToByteArray())),
      sha(second),
      'overwrite seen on A',
    );
    // The replaced blob stays a grace period (1 s here) for readers elsewhere, then goes.
    const deadline = Date.now() + 15_000;
    while ((await upstreamKeys(prefix)).includes(firstKey) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const left = await upstreamKeys(prefix);
    assert.ok(!left.includes(firstKey), 'the replaced blob is gone from RGW');
    assert.equal(left.length, 1, 'only the current body remains');
  });
});
