import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { EmbeddedStore, prefixSuccessor } from '../../src/storage/embedded-store.js';
import { S3Error } from '../../src/errors/s3-error.js';
import type { ListObjectsQuery, ObjectRecord } from '../../src/storage/types.js';
import {
  BLOB_NAME,
  BUCKET,
  OWNER,
  blobNames,
  settledBlobNames,
  blobPath,
  blobsOf,
  bucketRecord,
  createUpload,
  filesUnder,
  isS3Error,
  openStore,
  put,
  putPart,
  putSegments,
  readAll,
  tempDir,
  utf8Order,
} from './storage-fixtures.js';

// --- buckets ------------------------------------------------------------------------------

test('createBucket stores the record and reports duplicates by owner', (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  assert.deepEqual(store.getBucket(BUCKET), bucketRecord());
  assert.equal(store.getBucket('other--usw2-az1--x-s3'), undefined);

  assert.throws(
    () => store.createBucket(bucketRecord()),
    (err: unknown) => {
      isS3Error('BucketAlreadyOwnedByYou', 409)(err);
      assert.equal(
        (err as S3Error).message,
        'Your previous request to create the named bucket succeeded and you already own it.',
      );
      return true;
    },
  );
  assert.throws(
    () => store.createBucket(bucketRecord(BUCKET, '999999999999')),
    (err: unknown) => {
      isS3Error('BucketAlreadyExists', 409)(err);
      assert.match((err as S3Error).message, /^The requested bucket name is not available\./);
      return true;
    },
  );
});

test('listBuckets pages one owner in name order', (t) => {
  const { store } = openStore(t);
  const names = ['c--usw2-az1--x-s3', 'a--usw2-az1--x-s3', 'd--usw2-az1--x-s3', 'b--usw2-az1--x-s3'];
  for (const name of names) store.createBucket(bucketRecord(name));
  store.createBucket(bucketRecord('aa--usw2-az1--x-s3', '999999999999'));

  const first = store.listBuckets(OWNER, undefined, 3);
  assert.deepEqual(
    first.buckets.map((b) => b.name),
    ['a--usw2-az1--x-s3', 'b--usw2-az1--x-s3', 'c--usw2-az1--x-s3'],
  );
  assert.equal(first.lastReturned, 'c--usw2-az1--x-s3');
  const second = store.listBuckets(OWNER, first.lastReturned, 3);
  assert.deepEqual(
    second.buckets.map((b) => b.name),
    ['d--usw2-az1--x-s3'],
  );
  assert.equal(second.lastReturned, undefined);
  assert.equal(store.listBuckets(OWNER, undefined, 4).lastReturned, undefined);
  assert.deepEqual(store.listBuckets('000000000000', undefined, 10).buckets, []);
});

test('deleteBucket: missing, not empty (objects or uploads), then gone', async (t) => {
  const { store } = openStore(t);
  assert.throws(() => store.deleteBucket(BUCKET), isS3Error('NoSuchBucket', 404));

  store.createBucket(bucketRecord());
  await put(store, 'a/b.txt');
  assert.throws(
    () => store.deleteBucket(BUCKET),
    (err: unknown) => {
      isS3Error('BucketNotEmpty', 409)(err);
      assert.equal((err as S3Error).message, 'The bucket you tried to delete is not empty');
      return true;
    },
  );
  store.deleteObject(BUCKET, 'a/b.txt');

  const uploadId = createUpload(store, 'big');
  assert.throws(() => store.deleteBucket(BUCKET), isS3Error('BucketNotEmpty', 409));
  assert.equal(store.deleteUpload(uploadId), true);

  store.deleteBucket(BUCKET);
  assert.equal(store.getBucket(BUCKET), undefined);
});

// --- objects and blobs --------------------------------------------------------------------

test('commitObject round-trips the record and the bytes, including ranges', async (t) => {
  const { store } = openStore(t, true);
  store.createBucket(bucketRecord());
  const data = Buffer.from('0123456789abcdefghij');
  const { blobId, size } = await store.writeBlob(Readable.from([data.subarray(0, 7), data.subarray(7)]));
  assert.match(blobId, BLOB_NAME);
  assert.equal(size, 20);

  const record: ObjectRecord = {
    bucket: BUCKET,
    key: 'dir/file.txt',
    size,
    etag: '"abc123"',
    lastModified: new Date(1_700_000_000_456),
    content: {
      contentType: 'text/plain',
      cacheControl: 'no-cache',
      expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
    },
    metadata: { color: 'blue', 'x-y': 'ünïcödé' },
    checksums: { crc32: 'AAAAAA==', sha256: 'x'.repeat(44) },
    checksumType: 'COMPOSITE',
    multipart: true,
    encryption: { algorithm: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-west-2:111122223333:key/k' },
    segments: [{ blobId, size, etag: '"p1"', checksums: { crc32: 'BBBBBB==' } }],
  };
  assert.deepEqual(store.commitObject(record), record);
  const stored = store.getObject(BUCKET, 'dir/file.txt');
  assert.deepEqual(stored, record);
  assert.equal(store.countObjects(BUCKET), 1);
  // A listing shows everything but the segments.
  const { segments: _segments, ...summary } = record;
  assert.deepEqual(store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 10 }).objects, [summary]);

  assert.deepEqual(await readAll(store.openObject(record)), data);
  assert.equal((await readAll(store.openObject(record, { start: 3, end: 6 }))).toString(), '3456');
  assert.equal((await readAll(store.openObject(record, { start: 19, end: 19 }))).toString(), 'j');
  assert.equal((await readAll(store.openObject(record, { start: 0, end: 0 }))).toString(), '0');
  assert.deepEqual(await readAll(store.openBlob(blobId)), data);
  assert.equal((await readAll(store.openBlob(blobId, { start: 3, end: 6 }))).toString(), '3456');
});

test('a record without optional segment fields round-trips exactly', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const obj = await put(store, 'k', 'bytes');
  assert.deepEqual(obj.segments, [{ blobId: obj.segments[0]!.blobId, size: 5 }]);
  assert.deepEqual(store.getObject(BUCKET, 'k'), obj);
  assert.equal(Object.keys(store.getObject(BUCKET, 'k')!.segments[0]!).join(), 'blobId,size');
});

test('overwrite and delete unlink the previous blob; an open reader keeps its bytes', async (t) => {
  const { store, dir } = openStore(t, true);
  store.createBucket(bucketRecord());
  const first = await put(store, 'k', 'first version');
  const reader = store.openBlob(first.segments[0]!.blobId); // opened (fd) before the overwrite

  const second = await put(store, 'k', 'second');
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(second));
  assert.equal(fs.existsSync(blobPath(dir, first.segments[0]!.blobId)), false);
  assert.equal((await readAll(reader)).toString(), 'first version');
  assert.equal((await readAll(store.openObject(second))).toString(), 'second');

  assert.deepEqual(store.deleteObject(BUCKET, 'k'), second);
  assert.deepEqual(await settledBlobNames(store, dir), []);
  assert.equal(store.getObject(BUCKET, 'k'), undefined);
  assert.equal(store.deleteObject(BUCKET, 'k'), undefined);
});

test('commitObject conditions: If-None-Match:* and If-Match', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());

  const created = await put(store, 'k', 'v1', { ifNoneMatchStar: true });
  await assert.rejects(
    put(store, 'k', 'v2', { ifNoneMatchStar: true }),
    isS3Error('PreconditionFailed', 412),
  );
  // The losing write's blob is gone; the object is untouched.
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(created));
  assert.deepEqual(store.getObject(BUCKET, 'k'), created);

  await assert.rejects(put(store, 'k', 'v2', { ifMatch: '"nope"' }), isS3Error('PreconditionFailed', 412));
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(created));

  // AWS answers 404 NoSuchKey when If-Match names a key that does not exist.
  await assert.rejects(put(store, 'missing', 'x', { ifMatch: '"etag"' }), isS3Error('NoSuchKey', 404));
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(created));

  // Quoted or unquoted, the ETag matches.
  const unquoted = created.etag.replaceAll('"', '');
  const v2 = await put(store, 'k', 'v2', { ifMatch: unquoted });
  const v3 = await put(store, 'k', 'v3', { ifMatch: v2.etag });
  const v4 = await put(store, 'k', 'v4', { ifMatch: '*' });
  assert.deepEqual(store.getObject(BUCKET, 'k'), v4);
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(v4));
  assert.notDeepEqual(blobsOf(v3), blobsOf(v4));
});

test('commitObject into a missing bucket is NoSuchBucket and leaves no blob', async (t) => {
  const { store, dir } = openStore(t);
  await assert.rejects(
    put(store, 'k', 'v', undefined, 'gone--usw2-az1--x-s3'),
    isS3Error('NoSuchBucket', 404),
  );
  assert.deepEqual(await settledBlobNames(store, dir), []);
});

test('commitObject that fails keeps a blob the current object still uses', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const current = await put(store, 'k', 'bytes');
  // A metadata-only rewrite reusing the blob, refused by its condition.
  assert.throws(
    () => store.commitObject({ ...current, metadata: { a: 'b' } }, { ifNoneMatchStar: true }),
    isS3Error('PreconditionFailed', 412),
  );
  assert.equal((await readAll(store.openObject(current))).toString(), 'bytes');
});

test('commitObject rejects malformed records and discards only their new blobs', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const current = await put(store, 'k', 'bytes');
  const extra = await store.writeBlob(Readable.from([Buffer.from('more')]));
  // Sizes that do not add up: a bug in the caller, a plain Error.
  assert.throws(
    () => store.commitObject({ ...current, segments: [...current.segments, extra] }),
    (err: unknown) => !(err instanceof S3Error) && /hold 9 bytes, not its size 5/.test(String(err)),
  );
  assert.throws(
    () =>
      store.commitObject({ ...current, size: 10, segments: [current.segments[0]!, current.segments[0]!] }),
    /appears twice/,
  );
  assert.throws(
    () => store.commitObject({ ...current, segments: [{ blobId: '../x', size: 5 }] }),
    /invalid blob id/,
  );
  assert.deepEqual(store.getObject(BUCKET, 'k'), current);
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(current));
});

test('deleteObject conditions', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const obj = await put(store, 'k', 'twelve bytes');

  assert.throws(
    () => store.deleteObject(BUCKET, 'k', { ifMatch: '"other"' }),
    isS3Error('PreconditionFailed', 412),
  );
  assert.throws(
    () => store.deleteObject(BUCKET, 'k', { ifMatchSize: 3 }),
    isS3Error('PreconditionFailed', 412),
  );
  assert.throws(
    () => store.deleteObject(BUCKET, 'k', { ifMatchLastModifiedTime: new Date(0) }),
    isS3Error('PreconditionFailed', 412),
  );
  assert.ok(store.getObject(BUCKET, 'k'));

  // An absent object is not an error, whatever the condition.
  assert.equal(store.deleteObject(BUCKET, 'absent', { ifMatch: '"x"' }), undefined);
  assert.throws(() => store.deleteObject('gone--usw2-az1--x-s3', 'k'), isS3Error('NoSuchBucket', 404));

  const secondsOnly = new Date(Math.floor(obj.lastModified.getTime() / 1000) * 1000);
  const deleted = store.deleteObject(BUCKET, 'k', {
    ifMatch: obj.etag,
    ifMatchSize: 12,
    ifMatchLastModifiedTime: secondsOnly,
  });
  assert.deepEqual(deleted, obj);
});

test('writeBlob: a failing source leaves no file and rethrows its own error', async (t) => {
  const { store, dir } = openStore(t, true);
  const boom = new S3Error('IncompleteBody', 'short body');
  const failing = new Readable({
    read() {
      this.push(Buffer.alloc(64 * 1024, 1));
      setImmediate(() => this.destroy(boom));
    },
  });
  await assert.rejects(store.writeBlob(failing), (err) => err === boom);
  assert.deepEqual(filesUnder(path.join(dir, 'blobs')), []);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);

  // Destroyed without an error: still a rejection, still nothing left.
  const aborted = new Readable({
    read() {
      this.push('some bytes');
      setImmediate(() => this.destroy());
    },
  });
  await assert.rejects(store.writeBlob(aborted));
  assert.deepEqual(filesUnder(path.join(dir, 'blobs')), []);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
});

test('writeBlob streams a large body', async (t) => {
  const { store } = openStore(t);
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const { blobId, size } = await store.writeBlob(Readable.from(Array.from({ length: 8 }, () => chunk)));
  assert.equal(size, 8 * 1024 * 1024);
  const tail = await readAll(store.openBlob(blobId, { start: size - 3, end: size - 1 }));
  assert.deepEqual(tail, Buffer.from([7, 7, 7]));
  store.discardBlob(blobId);
  assert.throws(() => store.openBlob(blobId), { code: 'ENOENT' });
});

test(
  'openBlob closes its file descriptor when destroyed early',
  { skip: !fs.existsSync('/proc/self/fd') },
  async (t) => {
    const { store } = openStore(t);
    const { blobId } = await store.writeBlob(Readable.from([Buffer.alloc(1024 * 1024)]));
    const openFds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = openFds();
    const streams = Array.from({ length: 20 }, () => store.openBlob(blobId));
    assert.ok(openFds() >= before + 20);
    await Promise.all(
      streams.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    );
    assert.equal(openFds(), before);
  },
);

test('blob ids are validated before they become paths', (t) => {
  const { store } = openStore(t);
  for (const bad of [
    '../../etc/passwd',
    '',
    'ABCDEF0123456789abcdef0123456789',
    '0'.repeat(31),
    '0'.repeat(33),
  ]) {
    assert.throws(() => store.openBlob(bad), /invalid blob id/);
    assert.throws(() => store.discardBlob(bad), /invalid blob id/);
  }
});

// --- crash recovery -----------------------------------------------------------------------

test('reopening removes uncommitted blobs and temp files, keeps segment and part blobs', async (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let store = EmbeddedStore.open({ dataDir: dir, fsync: true });
  store.createBucket(bucketRecord());
  const kept = await put(store, 'kept', 'committed bytes');
  const multi = await putSegments(store, 'multi', ['seg1-', 'seg2-', 'seg3']);
  const orphan = await store.writeBlob(Readable.from([Buffer.from('never committed')]));
  const uploadId = createUpload(store, 'mpu');
  const part1 = await putPart(store, uploadId, 1, 'a part');
  const part2 = await putPart(store, uploadId, 2, 'another part');
  store.close();

  // A crash mid-write leaves a temp file.
  fs.writeFileSync(path.join(dir, 'tmp', 'ab'.repeat(16)), 'partial');

  store = EmbeddedStore.open({ dataDir: dir, fsync: true });
  try {
    assert.equal(fs.existsSync(blobPath(dir, orphan.blobId)), false);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'tmp')), []);
    assert.deepEqual(
      await settledBlobNames(store, dir),
      [...blobsOf(kept, multi), part1.blobId, part2.blobId].sort(),
    );
    assert.deepEqual(store.getObject(BUCKET, 'kept'), kept);
    assert.deepEqual(store.getObject(BUCKET, 'multi'), multi);
    assert.equal((await readAll(store.openObject(kept))).toString(), 'committed bytes');
    assert.equal((await readAll(store.openObject(multi))).toString(), 'seg1-seg2-seg3');
    assert.deepEqual(store.allParts(uploadId), [part1, part2]);

    // Deleting the upload takes its parts' blobs with it.
    assert.equal(store.deleteUpload(uploadId), true);
    assert.deepEqual(await settledBlobNames(store, dir), blobsOf(kept, multi));
  } finally {
    store.close();
  }
});

test('open fails with a plain Error when the data dir cannot be created', (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, '');
  assert.throws(
    () => EmbeddedStore.open({ dataDir: path.join(file, 'data'), fsync: false }),
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
  (t) => {
    const dir = tempDir();
    EmbeddedStore.open({ dataDir: dir, fsync: false }).close();
    fs.chmodSync(path.join(dir, 'tmp'), 0o555);
    t.after(() => {
      fs.chmodSync(path.join(dir, 'tmp'), 0o755);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    assert.throws(() => EmbeddedStore.open({ dataDir: dir, fsync: false }), /cannot be created or written/);
  },
);

// --- keys ---------------------------------------------------------------------------------

test("keys with '..', '/', NUL and unicode round-trip and never reach the file system", async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const keys = [
    '../../etc/passwd',
    '..',
    'a/../b',
    'nul\u0000inside',
    '/leading/slash',
    'ünï/cödé 😀',
    'x'.repeat(1024),
  ];
  for (const key of keys) await put(store, key, `bytes of ${key}`);

  for (const key of keys) {
    const obj = store.getObject(BUCKET, key);
    assert.equal(obj?.key, key);
    assert.equal((await readAll(store.openObject(obj))).toString(), `bytes of ${key}`);
  }
  assert.equal(store.getObject(BUCKET, 'nul'), undefined);
  assert.deepEqual(
    store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 100 }).objects.map((o) => o.key),
    [...keys].sort(utf8Order),
  );

  // Only the database and id-named blob files exist; nothing was created outside the data dir.
  for (const file of filesUnder(dir)) {
    if (/^meta\.sqlite3(-wal|-shm)?$/.test(file)) continue;
    const [top, shard, name, ...rest] = file.split(path.sep);
    assert.equal(top, 'blobs', file);
    assert.match(name ?? '', BLOB_NAME, file);
    assert.equal(shard, name?.slice(0, 2), file);
    assert.deepEqual(rest, [], file);
  }
  assert.equal(blobNames(dir).length, keys.length);
});

// --- listing ------------------------------------------------------------------------------

test('listing orders keys by UTF-8 bytes, not UTF-16 units', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  // UTF-16 order would put the emoji (a surrogate pair, 0xD83D…) before U+E000 and U+FFFD.
  const expected = ['a', 'a\u0000b', 'a\u0001', 'z', 'é', '\u{E000}', '\u{FFFD}', '😀', '\u{10FFFF}'];
  for (const key of [...expected].reverse()) await put(store, key);
  const keys = store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 100 }).objects.map((o) => o.key);
  assert.deepEqual(keys, expected);
});

test('delimiter rolls keys up into common prefixes', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  for (const key of ['a.txt', 'b/1', 'b/2', 'b/c/3', 'b0', 'c/', 'd/e/f/g', 'e']) await put(store, key);

  const root = store.listObjects({ bucket: BUCKET, prefix: '', delimiter: '/', maxKeys: 100 });
  assert.deepEqual(
    root.objects.map((o) => o.key),
    ['a.txt', 'b0', 'e'],
  );
  assert.deepEqual(root.commonPrefixes, ['b/', 'c/', 'd/']);
  assert.equal(root.isTruncated, false);

  const b = store.listObjects({ bucket: BUCKET, prefix: 'b/', delimiter: '/', maxKeys: 100 });
  assert.deepEqual(
    b.objects.map((o) => o.key),
    ['b/1', 'b/2'],
  );
  assert.deepEqual(b.commonPrefixes, ['b/c/']);

  const flat = store.listObjects({ bucket: BUCKET, prefix: 'b/', maxKeys: 100 });
  assert.deepEqual(
    flat.objects.map((o) => o.key),
    ['b/1', 'b/2', 'b/c/3'],
  );

  // A common prefix as `after` skips everything under it.
  const afterB = store.listObjects({ bucket: BUCKET, prefix: '', delimiter: '/', after: 'b/', maxKeys: 100 });
  assert.deepEqual(
    afterB.objects.map((o) => o.key),
    ['b0', 'e'],
  );
  assert.deepEqual(afterB.commonPrefixes, ['c/', 'd/']);

  const none = store.listObjects({ bucket: BUCKET, prefix: 'zzz/', delimiter: '/', maxKeys: 100 });
  assert.deepEqual(none, { objects: [], commonPrefixes: [], isTruncated: false });
  const zero = store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 0 });
  assert.deepEqual(zero, { objects: [], commonPrefixes: [], isTruncated: false });
});

test('a large directory costs one entry in a delimited listing', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  // Rows only (blob ids without files): listing never touches blobs, and this keeps the test fast.
  const template = store.deleteObject(BUCKET, (await put(store, 'template')).key)!;
  for (let i = 0; i < 5000; i++) {
    const key = `big/${String(i).padStart(5, '0')}`;
    store.commitObject({
      ...template,
      key,
      segments: [{ blobId: randomBytes(16).toString('hex'), size: template.size }],
    });
  }
  await put(store, 'big0');
  await put(store, 'small/1');
  const page = store.listObjects({ bucket: BUCKET, prefix: '', delimiter: '/', maxKeys: 2 });
  assert.deepEqual(page.commonPrefixes, ['big/']);
  assert.deepEqual(
    page.objects.map((o) => o.key),
    ['big0'],
  );
  assert.equal(page.isTruncated, true);
  assert.equal(page.lastReturned, 'big0');
  const rest = store.listObjects({ bucket: BUCKET, prefix: '', delimiter: '/', maxKeys: 2, after: 'big0' });
  assert.deepEqual(rest.commonPrefixes, ['small/']);
  assert.equal(rest.isTruncated, false);
});

test('prefixSuccessor is the tightest upper bound of a prefix', () => {
  assert.equal(prefixSuccessor('a/'), 'a0');
  assert.equal(prefixSuccessor('photos/2024/'), 'photos/20240');
  assert.equal(prefixSuccessor('\u{D7FF}'), '\u{E000}');
  assert.equal(prefixSuccessor('a\u{10FFFF}'), 'b');
  assert.equal(prefixSuccessor('\u{10FFFF}'), undefined);
  assert.equal(prefixSuccessor(''), undefined);
});

/** The keys of a test tree: nested directories, look-alike names and unicode. */
function treeKeys(): string[] {
  const keys = new Set<string>();
  const dirs = ['', 'a/', 'a/b/', 'a/b/c/', 'a-b/', 'a0/', 'ä/', 'z/', 'z/😀/', 'z/\u{E000}/'];
  const leaves = ['1', '2', 'x.txt', 'x/', 'y/deep/er', 'a', 'a/', 'b', 'é', '😀', '\u0000'];
  for (const dir of dirs) for (const leaf of leaves) keys.add(dir + leaf);
  for (let i = 0; i < 80; i++) keys.add(`n/${String(i % 9)}/${i}`);
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

/** Pages through a listing with `after`, checking each page's flags; returns every entry in order. */
function pageThrough(
  store: EmbeddedStore,
  base: Omit<ListObjectsQuery, 'after'>,
  expectedTotal: number,
): string[] {
  const all: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = store.listObjects({ ...base, after });
    // Objects and prefixes interleave in key order; merge them to compare with the reference.
    const entries = [...page.objects.map((o) => o.key), ...page.commonPrefixes].sort(utf8Order);
    assert.ok(entries.length <= base.maxKeys);
    all.push(...entries);
    assert.equal(page.isTruncated, all.length < expectedTotal, `isTruncated after ${all.length} entries`);
    if (entries.length > 0) assert.equal(page.lastReturned, entries[entries.length - 1]);
    if (!page.isTruncated) return all;
    assert.equal(entries.length, base.maxKeys);
    after = page.lastReturned;
  }
}

test('paginated listings match a brute-force reference for every prefix and page size', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const keys = treeKeys();
  assert.ok(keys.length >= 150, `tree has ${keys.length} keys`);
  for (const key of keys) await put(store, key, 'x');
  // A neighbouring bucket whose keys must never leak in.
  store.createBucket(bucketRecord('other--usw2-az1--x-s3'));
  for (const key of ['a/1', 'm', 'zz']) await put(store, key, 'x', undefined, 'other--usw2-az1--x-s3');

  const prefixes = ['', 'a/', 'a/b/', 'a/b/c/', 'n/', 'n/3/', 'z/', 'z/😀/', 'ä/', 'a', 'x/', 'missing/'];
  for (const prefix of prefixes) {
    for (const delimiter of ['/', undefined]) {
      const expected = referenceListing(keys, prefix, delimiter);
      for (let maxKeys = 1; maxKeys <= 7; maxKeys++) {
        const got = pageThrough(store, { bucket: BUCKET, prefix, delimiter, maxKeys }, expected.length);
        assert.deepEqual(
          got,
          expected,
          `prefix=${JSON.stringify(prefix)} delimiter=${delimiter} maxKeys=${maxKeys}`,
        );
      }
      const whole = pageThrough(store, { bucket: BUCKET, prefix, delimiter, maxKeys: 1000 }, expected.length);
      assert.deepEqual(whole, expected);
    }
  }
});

// --- multipart uploads --------------------------------------------------------------------

test('uploads: create, get, delete', (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const initiated = new Date(1_700_000_000_789);
  const withAlgorithm = store.createUpload({
    bucket: BUCKET,
    key: 'big/file',
    content: { contentType: 'video/mp4' },
    metadata: { a: '1' },
    checksumAlgorithm: 'crc32',
    checksumType: 'COMPOSITE',
    initiated,
    encryption: { algorithm: 'aws:kms', kmsKeyId: 'key-1' },
  });
  const plain = createUpload(store, 'big/file', initiated);
  assert.match(withAlgorithm, /^[A-Za-z0-9_-]{32,}$/);
  assert.notEqual(withAlgorithm, plain);

  assert.deepEqual(store.getUpload(withAlgorithm), {
    uploadId: withAlgorithm,
    bucket: BUCKET,
    key: 'big/file',
    initiated,
    content: { contentType: 'video/mp4' },
    metadata: { a: '1' },
    checksumAlgorithm: 'crc32',
    checksumType: 'COMPOSITE',
    encryption: { algorithm: 'aws:kms', kmsKeyId: 'key-1' },
  });
  assert.deepEqual(store.getUpload(plain), {
    uploadId: plain,
    bucket: BUCKET,
    key: 'big/file',
    initiated,
    content: {},
    metadata: {},
    encryption: { algorithm: 'AES256' },
  });
  assert.equal(store.countUploads(BUCKET), 2);

  assert.equal(store.deleteUpload(withAlgorithm), true);
  assert.equal(store.deleteUpload(withAlgorithm), false);
  assert.equal(store.getUpload(withAlgorithm), undefined);
  assert.equal(store.getUpload('nonexistent'), undefined);

  assert.equal(store.countUploads(BUCKET), 1);
  assert.throws(
    () => createUpload(store, 'k', initiated, 'gone--usw2-az1--x-s3'),
    isS3Error('NoSuchBucket', 404),
  );
});
