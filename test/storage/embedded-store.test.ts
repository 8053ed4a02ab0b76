/**
 * The embedded store (SQLite metadata + blob files): the contract twice (small bytes inline,
 * and everything in blob files), then what only this store promises, seen through its public
 * API and its data directory: the orphan sweep at open, inline or file placement by size, the
 * files it keeps open, and how it reports a data dir it cannot use.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { S3Error } from '../../src/errors/s3-error.js';
import { INLINE_MAX_BYTES, openEmbeddedStore, type EmbeddedStore } from '../../src/storage/embedded.js';
import type { ObjectRecord } from '../../src/storage/types.js';
import { unexpectedPaths, walk } from '../helpers/data-dir.js';
import {
  BUCKET,
  OWNER,
  objectStoreContract,
  referencedBlobIds,
  type ContractHarness,
} from './object-store-contract.js';

interface Options {
  inlineMaxBytes?: number;
  fsync?: boolean;
  shared?: boolean;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-embedded-'));
}

async function openAt(dataDir: string, options: Options = {}): Promise<EmbeddedStore> {
  return await openEmbeddedStore({ dataDir, fsync: options.fsync ?? false, ...options });
}

/** Files under `tmp/` of a data dir (a write in flight, or one a crash interrupted). */
function tmpFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/** Blob files on disk, as paths relative to the data dir. */
function blobFiles(dataDir: string): string[] {
  return walk(dataDir).files.filter((f) => f.startsWith('blobs/'));
}

async function harness(options: Options): Promise<ContractHarness> {
  const dataDir = tempDir();
  let store = await openAt(dataDir, options);
  return {
    get store() {
      return store;
    },
    async leftovers() {
      await store.settled();
      const { files, inline } = await store.storedBlobCount();
      assert.equal(files, blobFiles(dataDir).length, 'storedBlobCount().files counts the files on disk');
      return files + inline - (await referencedBlobIds(store)).size + tmpFiles(dataDir).length;
    },
    async reopen() {
      await store.settled();
      store.close();
      store = await openAt(dataDir, options);
      return store;
    },
    async close() {
      store.close();
      fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

objectStoreContract('embedded, small bytes inline', () => harness({}));
objectStoreContract('embedded, every blob a file (inlineMaxBytes: 0)', () => harness({ inlineMaxBytes: 0 }));

// --- embedded only ------------------------------------------------------------------------

const bucketRecord = {
  name: BUCKET,
  zoneId: 'usw2-az1',
  locationType: 'AvailabilityZone' as const,
  region: 'us-west-2',
  ownerAccountId: OWNER,
  createdAt: new Date(1_700_000_000_000),
  incarnation: 'incarnation-1',
};

const fieldsFor = (etag: string) => ({
  etag: `"${etag}"`,
  lastModified: new Date(1_700_000_000_000),
  content: {},
  metadata: {},
  checksums: {},
  checksumType: 'FULL_OBJECT' as const,
  multipart: false,
  encryption: { algorithm: 'AES256' as const },
});

const body = (data: Buffer): Readable => Readable.from([data], { objectMode: false });

function put(store: EmbeddedStore, key: string, data: Buffer): Promise<ObjectRecord> {
  return store.putObject(BUCKET, key, body(data), () => fieldsFor(key));
}

function append(store: EmbeddedStore, key: string, data: Buffer): Promise<ObjectRecord> {
  return store.appendObject(BUCKET, key, body(data), () => ({
    object: fieldsFor(`${key}+${data.length}`),
    appendedChecksums: {},
  }));
}

async function createUploadWithParts(store: EmbeddedStore, key: string, parts: Buffer[]): Promise<string> {
  const uploadId = await store.createUpload({
    bucket: BUCKET,
    key,
    initiated: new Date(),
    content: {},
    metadata: {},
    encryption: { algorithm: 'AES256' },
  });
  for (const [i, data] of parts.entries()) {
    await store.putPart(uploadId, i + 1, body(data), () => ({
      etag: `"part${i + 1}"`,
      checksums: {},
      lastModified: new Date(),
    }));
  }
  return uploadId;
}

async function readAll(source: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function bytesOf(store: EmbeddedStore, key: string): Promise<Buffer> {
  const pinned = await store.openObject(BUCKET, key);
  assert.ok(pinned, `${key} exists`);
  try {
    return await readAll(pinned.read());
  } finally {
    pinned.release();
  }
}

function closed(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** A file shaped like a blob (same directory and name pattern as `sample`) that nothing references. */
function strayBlobBeside(dataDir: string, sample: string): string {
  const dir = path.dirname(sample);
  const shard = path.basename(dir);
  const name = path.basename(sample);
  const sharded = dir !== 'blobs' && name.startsWith(shard);
  const id = randomBytes(name.length)
    .toString('hex')
    .slice(0, name.length - (sharded ? shard.length : 0));
  const stray = path.join(dir, sharded ? shard + id : id);
  fs.writeFileSync(path.join(dataDir, stray), 'never committed');
  return stray;
}

/** A data dir with committed objects and parts (all in files), closed; what it holds. */
async function populated(dataDir: string): Promise<{ contents: Map<string, Buffer>; uploadId: string }> {
  const store = await openAt(dataDir, { inlineMaxBytes: 0 });
  try {
    await store.createBucket(bucketRecord);
    const contents = new Map<string, Buffer>();
    contents.set('kept', randomBytes(2000));
    await put(store, 'kept', contents.get('kept')!);
    const pieces = [randomBytes(100), randomBytes(70_000), randomBytes(5)];
    for (const piece of pieces) await append(store, 'multi', piece);
    contents.set('multi', Buffer.concat(pieces));
    const uploadId = await createUploadWithParts(store, 'mpu', [randomBytes(10), randomBytes(20)]);
    await store.settled();
    return { contents, uploadId };
  } finally {
    store.close();
  }
}

describe('embedded store: the data directory', () => {
  test('open sweeps stray blob and temp files, and keeps every referenced blob', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const { contents, uploadId } = await populated(dataDir);
    const committed = blobFiles(dataDir);
    assert.equal(committed.length, 6, 'one file per segment and per part');
    const stray = strayBlobBeside(dataDir, committed[0]!);
    fs.mkdirSync(path.join(dataDir, 'tmp'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'tmp', randomBytes(16).toString('hex')), 'partial');

    const store = await openAt(dataDir, { inlineMaxBytes: 0 });
    try {
      assert.equal(fs.existsSync(path.join(dataDir, stray)), false, 'the stray blob is gone');
      assert.deepEqual(tmpFiles(dataDir), [], 'the temp file is gone');
      assert.deepEqual(blobFiles(dataDir), committed, 'referenced blobs are kept');
      assert.deepEqual(await store.storedBlobCount(), { files: 6, inline: 0 });
      for (const [key, data] of contents) assert.deepEqual(await bytesOf(store, key), data, key);
      assert.deepEqual(
        (await store.listParts(uploadId, 0, 10)).parts.map((p) => p.size),
        [10, 20],
      );
      assert.equal(await store.abortUpload(uploadId), true);
      await store.settled();
      assert.deepEqual(
        await store.storedBlobCount(),
        { files: 4, inline: 0 },
        'aborting freed the part files',
      );
    } finally {
      store.close();
    }
  });

  test('shared: true does not sweep (other processes write there); the next unshared open does', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const { contents } = await populated(dataDir);
    const stray = strayBlobBeside(dataDir, blobFiles(dataDir)[0]!);
    fs.mkdirSync(path.join(dataDir, 'tmp'), { recursive: true });
    const inFlight = path.join('tmp', randomBytes(16).toString('hex'));
    fs.writeFileSync(path.join(dataDir, inFlight), 'another process is writing this');

    const shared = await openAt(dataDir, { inlineMaxBytes: 0, shared: true });
    try {
      assert.ok(fs.existsSync(path.join(dataDir, stray)), 'a shared open leaves blob files alone');
      assert.ok(fs.existsSync(path.join(dataDir, inFlight)), 'a shared open leaves temp files alone');
      for (const [key, data] of contents) assert.deepEqual(await bytesOf(shared, key), data, key);
    } finally {
      shared.close();
    }
    const unshared = await openAt(dataDir, { inlineMaxBytes: 0 });
    unshared.close();
    assert.equal(fs.existsSync(path.join(dataDir, stray)), false);
    assert.equal(fs.existsSync(path.join(dataDir, inFlight)), false);
  });

  test('objects and parts up to inlineMaxBytes are inline, larger ones files, empty ones neither', async (t) => {
    for (const [options, small, large] of [
      [{}, INLINE_MAX_BYTES, INLINE_MAX_BYTES + 1],
      [{ inlineMaxBytes: 1000 }, 1000, 1001],
      [{ inlineMaxBytes: 0 }, undefined, 1],
    ] as const) {
      const dataDir = tempDir();
      t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
      const store = await openAt(dataDir, options);
      const label = JSON.stringify(options);
      try {
        await store.createBucket(bucketRecord);
        const expect = { files: 0, inline: 0 };
        const check = async (what: string): Promise<void> => {
          await store.settled();
          assert.deepEqual(await store.storedBlobCount(), expect, `${label}: ${what}`);
          assert.equal(blobFiles(dataDir).length, expect.files, `${label}: ${what}: files on disk`);
        };
        await put(store, 'empty', Buffer.alloc(0));
        await check('an empty object');
        if (small !== undefined) {
          await put(store, 'small', randomBytes(small));
          expect.inline++;
          await check(`an object of ${small} bytes`);
        }
        await put(store, 'large', randomBytes(large));
        expect.files++;
        await check(`an object of ${large} bytes`);

        const parts = [randomBytes(large), ...(small === undefined ? [] : [randomBytes(small)])];
        const uploadId = await createUploadWithParts(store, 'mpu', parts);
        expect.files++;
        if (small !== undefined) expect.inline++;
        await check('parts');
        // Completing moves the parts' bytes into the object as they are.
        await store.completeUpload(uploadId, (_u, all) => ({ object: fieldsFor('mpu'), parts: all }));
        await check('a completed upload');

        await store.deleteObject(BUCKET, 'large');
        expect.files--;
        await check('a deleted object');
        if (small !== undefined) {
          await put(store, 'small', randomBytes(large));
          expect.inline--;
          expect.files++;
          await check('a small object overwritten by a large one');
        }

        // Appends: every segment is stored once, inline or in a file.
        const before = await store.storedBlobCount();
        const pieces = [randomBytes(10), randomBytes(large), randomBytes(10)];
        for (const piece of pieces) await append(store, 'log', piece);
        await store.settled();
        const after = await store.storedBlobCount();
        assert.equal(
          after.files + after.inline - before.files - before.inline,
          3,
          `${label}: appended segments`,
        );
        assert.deepEqual(await bytesOf(store, 'log'), Buffer.concat(pieces));
      } finally {
        store.close();
      }
    }
  });

  test('close and reopen (fsync on) keeps buckets, objects inline and in files, uploads and parts', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    let store = await openAt(dataDir, { fsync: true });
    const contents = new Map<string, Buffer>([
      ['inline', randomBytes(100)],
      ['file', randomBytes(200_000)],
    ]);
    let uploadId: string;
    const records = new Map<string, ObjectRecord>();
    try {
      await store.createBucket(bucketRecord);
      for (const [key, data] of contents) records.set(key, await put(store, key, data));
      uploadId = await createUploadWithParts(store, 'mpu', [randomBytes(10), randomBytes(100_000)]);
    } finally {
      store.close();
    }
    const counts = { files: 2, inline: 2 };
    store = await openAt(dataDir, { fsync: true });
    try {
      assert.deepEqual(await store.getBucket(BUCKET), bucketRecord);
      for (const [key, data] of contents) {
        assert.deepEqual(await store.getObject(BUCKET, key), records.get(key));
        assert.deepEqual(await bytesOf(store, key), data);
      }
      assert.equal((await store.listParts(uploadId, 0, 10)).parts.length, 2);
      assert.deepEqual(await store.storedBlobCount(), counts);
    } finally {
      store.close();
    }
  });

  test('buckets of a schema without incarnations get a random one each when the store opens', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const store = await openAt(dataDir);
    await store.createBucket(bucketRecord);
    await store.createBucket({
      ...bucketRecord,
      name: 'other--usw2-az1--x-s3',
      incarnation: 'incarnation-2',
    });
    store.close();
    // Back to schema 4, as a data dir written before incarnations looks.
    const db = new Database(path.join(dataDir, 'meta.sqlite3'));
    // Undo every migration after 4 (later ones too: they run again on open).
    db.exec('DROP TABLE access_points; ALTER TABLE buckets DROP COLUMN tags');
    db.exec('ALTER TABLE buckets DROP COLUMN incarnation');
    // (and before the bucket configurations of schema 6)
    for (const column of ['lifecycle', 'inventory', 'metrics'])
      db.exec(`ALTER TABLE buckets DROP COLUMN ${column}`);
    db.pragma('user_version = 4');
    db.close();
    const reopened = await openAt(dataDir);
    t.after(() => reopened.close());
    const first = (await reopened.getBucket(BUCKET))!.incarnation;
    const second = (await reopened.getBucket('other--usw2-az1--x-s3'))!.incarnation;
    assert.match(first, /^[0-9a-f]{32}$/);
    assert.match(second, /^[0-9a-f]{32}$/);
    assert.notEqual(first, second);
  });

  test("keys with '..', NUL and non-ASCII never reach the file system", async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const store = await openAt(dataDir, { inlineMaxBytes: 0 });
    try {
      await store.createBucket(bucketRecord);
      const keys = ['../../etc/passwd', '..', 'a/../b', 'nul\u0000inside', '/leading/slash', 'ünï/cödé 😀'];
      for (const key of keys) await put(store, key, Buffer.from(`bytes of ${key}`));
      await store.settled();
      assert.deepEqual(unexpectedPaths(dataDir), [], 'only the database and id-named blob files');
      assert.equal(blobFiles(dataDir).length, keys.length);
      for (const file of blobFiles(dataDir)) {
        for (const key of keys) assert.ok(!file.includes(key), `${file} is not named after a key`);
      }
    } finally {
      store.close();
    }
  });

  test('a failed or abandoned write leaves no file in blobs/ or tmp/', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const store = await openAt(dataDir, { inlineMaxBytes: 0, fsync: true });
    try {
      await store.createBucket(bucketRecord);
      const boom = new S3Error('IncompleteBody');
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(64 * 1024, 1));
          setImmediate(() => this.destroy(boom));
        },
      });
      await assert.rejects(
        store.putObject(BUCKET, 'k', failing, () => fieldsFor('k')),
        (err) => err === boom,
      );
      await store.settled();
      assert.deepEqual(blobFiles(dataDir), []);
      assert.deepEqual(tmpFiles(dataDir), []);
    } finally {
      store.close();
    }
  });
});

describe('embedded store: open files', { skip: !fs.existsSync('/proc/self/fd') }, () => {
  /**
   * Descriptors this process has open on blob files of `dataDir`. Only those: the store's
   * checkpoint thread opens its own database connection when it first runs, at a moment of
   * its choosing.
   */
  const openFds = (dataDir: string): number => {
    const blobs = path.join(fs.realpathSync(dataDir), 'blobs') + path.sep;
    return fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(blobs);
      } catch {
        return false; // closed meanwhile (the listing's own descriptor, for one)
      }
    }).length;
  };
  /**
   * The count of open blob descriptors once it is back to `expected`, or after 2 s. A read
   * stream emits 'close' before the file it read from is closed (fs closes it in the thread
   * pool), so there is no event to wait for.
   */
  async function fdsBackTo(dataDir: string, expected: number): Promise<number> {
    const deadline = Date.now() + 2000;
    while (openFds(dataDir) > expected && Date.now() < deadline) await nextTurn();
    return openFds(dataDir);
  }

  test('a many-segment object holds at most one blob file open while it streams', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const store = await openAt(dataDir, { inlineMaxBytes: 0 });
    try {
      await store.createBucket(bucketRecord);
      const pieces = Array.from({ length: 200 }, (_, i) =>
        Buffer.from(`segment ${String(i).padStart(3, '0')};`),
      );
      for (const piece of pieces) await append(store, 'many', piece);
      const pinned = await store.openObject(BUCKET, 'many');
      assert.ok(pinned);
      const before = openFds(dataDir);
      const read = pinned.read();
      pinned.release();
      let most = 0;
      const chunks: Buffer[] = [];
      if (Buffer.isBuffer(read)) chunks.push(read);
      else {
        for await (const chunk of read) {
          most = Math.max(most, openFds(dataDir) - before);
          chunks.push(chunk as Buffer);
        }
        await closed(read);
      }
      assert.deepEqual(Buffer.concat(chunks), Buffer.concat(pieces));
      assert.ok(most <= 1, `${most} extra fds open while streaming`);
      assert.equal(await fdsBackTo(dataDir, before), before, 'every file is closed');
    } finally {
      store.close();
    }
  });

  test('streams destroyed early close their files', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const store = await openAt(dataDir, { inlineMaxBytes: 0 });
    try {
      await store.createBucket(bucketRecord);
      await put(store, 'big', randomBytes(1024 * 1024));
      const before = openFds(dataDir);
      const pinned = await store.openObject(BUCKET, 'big');
      assert.ok(pinned);
      const streams = Array.from({ length: 20 }, () => pinned.read());
      pinned.release();
      // Start every stream, then abandon it.
      await Promise.all(
        streams.map(async (s) => {
          assert.ok(!Buffer.isBuffer(s), 'a 1 MiB read is a stream');
          await new Promise<void>((resolve) => s.once('readable', () => resolve()));
          s.destroy();
          await closed(s);
        }),
      );
      assert.equal(await fdsBackTo(dataDir, before), before, 'every file is closed');
      await store.deleteObject(BUCKET, 'big');
      await store.settled();
      assert.deepEqual(blobFiles(dataDir), [], 'the abandoned streams let go of the blob');
    } finally {
      store.close();
    }
  });

  test('a stream that fails (its blob file removed) still lets go of its pin', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const store = await openAt(dataDir, { inlineMaxBytes: 0 });
    try {
      await store.createBucket(bucketRecord);
      await put(store, 'k', randomBytes(100_000));
      const record = await append(store, 'k', randomBytes(100_000));
      const second = blobFiles(dataDir).find((f) => f.endsWith(record.segments[1]!.blobId));
      assert.ok(second, 'the second segment has a file named by its blob id');
      fs.rmSync(path.join(dataDir, second));
      const pinned = await store.openObject(BUCKET, 'k');
      assert.ok(pinned);
      const read = pinned.read();
      pinned.release();
      assert.ok(!Buffer.isBuffer(read));
      await assert.rejects(readAll(read));
      await closed(read);
      await store.deleteObject(BUCKET, 'k');
      await store.settled();
      assert.deepEqual(blobFiles(dataDir), [], 'the first segment was freed after the failed read');
    } finally {
      store.close();
    }
  });
});

describe('embedded store: a data dir it cannot use', () => {
  test('open fails with a plain Error when the data dir cannot be created', async (t) => {
    const dir = tempDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    await assert.rejects(
      async () => openAt(path.join(file, 'data')),
      (err: unknown) => {
        assert.ok(err instanceof Error && !(err instanceof S3Error));
        assert.match(err.message, /data directory .*a-file.* cannot be created or written/);
        return true;
      },
    );
  });

  test(
    'open fails with a plain Error when the data dir is read-only',
    { skip: process.getuid?.() === 0 },
    async (t) => {
      const dir = tempDir();
      (await openAt(dir)).close();
      const tmp = path.join(dir, 'tmp');
      const target = fs.existsSync(tmp) ? tmp : dir;
      fs.chmodSync(target, 0o555);
      t.after(() => {
        fs.chmodSync(target, 0o755);
        fs.rmSync(dir, { recursive: true, force: true });
      });
      await assert.rejects(async () => openAt(dir), /cannot be created or written/);
    },
  );
});

describe('embedded store: the read cache stays exact', () => {
  test('two shared stores on one data dir (as --workers) see each other’s writes at once', async (t) => {
    const dataDir = tempDir();
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));
    const a = await openAt(dataDir, { shared: true });
    const b = await openAt(dataDir, { shared: true });
    t.after(() => {
      a.close();
      b.close();
    });
    await a.createBucket(bucketRecord);
    const v1 = randomBytes(3000);
    await put(a, 'k', v1);
    // Read twice through b, so the second read is answered from b's cache.
    assert.deepEqual(await bytesOf(b, 'k'), v1);
    assert.deepEqual(await bytesOf(b, 'k'), v1);
    const v2 = randomBytes(2000);
    await put(a, 'k', v2);
    assert.deepEqual(await bytesOf(b, 'k'), v2, 'an overwrite in the other process is seen');
    const tail = randomBytes(100);
    await append(a, 'k', tail);
    assert.deepEqual(await bytesOf(b, 'k'), Buffer.concat([v2, tail]), 'an append is seen');
    await a.renameObject(BUCKET, 'k', 'moved', () => undefined);
    assert.equal(await b.getObject(BUCKET, 'k'), undefined, 'a renamed source is gone');
    assert.deepEqual(await bytesOf(b, 'moved'), Buffer.concat([v2, tail]));
    await a.deleteObject(BUCKET, 'moved');
    assert.equal(await b.openObject(BUCKET, 'moved'), undefined, 'a delete is seen');
  });

  test('in one store, every write replaces what a read cached; cached records cannot be changed', async (t) => {
    const dataDir = tempDir();
    const store = await openAt(dataDir);
    t.after(() => {
      store.close();
      fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    });
    await store.createBucket(bucketRecord);
    await put(store, 'k', randomBytes(10));
    const first = await store.getObject(BUCKET, 'k');
    assert.ok(first);
    assert.equal(await store.getObject(BUCKET, 'k'), first, 'the second read is the cached record');
    assert.throws(() => {
      (first.metadata as Record<string, string>).x = 'y';
    }, TypeError);
    assert.throws(() => {
      (first as { size: number }).size = 0;
    }, TypeError);
    const v2 = randomBytes(20);
    await put(store, 'k', v2);
    assert.deepEqual(await bytesOf(store, 'k'), v2);
    await store.renameObject(BUCKET, 'k', 'other', () => undefined);
    assert.equal(await store.getObject(BUCKET, 'k'), undefined);
    const uploadId = await createUploadWithParts(store, 'other', [randomBytes(5), randomBytes(7)]);
    await store.completeUpload(uploadId, (_upload, parts) => ({
      parts,
      object: { ...fieldsFor('mpu'), multipart: true },
    }));
    assert.equal((await store.getObject(BUCKET, 'other'))?.size, 12, 'a completed upload replaces the key');
  });
});
