import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { S3Error } from '../../src/errors/s3-error.js';
import type { ObjectRecord, Segment } from '../../src/storage/types.js';
import {
  BUCKET,
  blobExists,
  settledBlobNames,
  blobsOf,
  bucketRecord,
  closed,
  isS3Error,
  objectRecord,
  openStore,
  put,
  putSegments,
  readAll,
  writeSegment,
} from './storage-fixtures.js';

/** `current` with `segment` appended, as an append handler would build it. */
function appended(current: ObjectRecord, segment: Segment): ObjectRecord {
  return { ...objectRecord(current.key, [...current.segments, segment]), content: current.content };
}

// --- reading across segments --------------------------------------------------------------

test('every range of a multi-segment object reads the right bytes', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  // Segments of 3, 0, 1 and 4 bytes: boundaries everywhere, an empty segment in between.
  const pieces = ['abc', '', 'd', 'efgh'];
  const obj = await putSegments(store, 'k', pieces);
  const reference = Buffer.from(pieces.join(''));
  assert.equal(obj.size, reference.length);

  assert.deepEqual(await readAll(store.openObject(obj)), reference);
  for (let start = 0; start < reference.length; start++) {
    for (let end = start; end < reference.length; end++) {
      const got = await readAll(store.openObject(obj, { start, end }));
      assert.deepEqual(got, reference.subarray(start, end + 1), `bytes ${start}-${end}`);
    }
  }
});

test('a large multi-segment object streams in order', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  // Segments larger than one read chunk (64 KiB), so a segment takes several reads.
  const pieces = [0, 1, 2].map((i) => Buffer.alloc(100_000 + i * 7, i + 1));
  const obj = await putSegments(store, 'big', pieces);
  const reference = Buffer.concat(pieces);
  assert.deepEqual(await readAll(store.openObject(obj)), reference);
  const range = { start: 99_990, end: 200_020 };
  assert.deepEqual(
    await readAll(store.openObject(obj, range)),
    reference.subarray(range.start, range.end + 1),
  );
});

test('an empty object has no segments and reads as nothing', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const empty = await put(store, 'empty', '');
  assert.deepEqual(empty.segments, []);
  assert.equal(empty.size, 0);
  assert.deepEqual(store.getObject(BUCKET, 'empty'), empty);
  assert.deepEqual(await settledBlobNames(store, dir), []);
  assert.equal((await readAll(store.openObject(empty))).length, 0);
  assert.throws(() => store.openObject(empty, { start: 0, end: 0 }), RangeError);
});

test('openObject rejects ranges outside the object and bad blob ids', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const obj = await putSegments(store, 'k', ['ab', 'cd']);
  for (const range of [
    { start: 0, end: 4 },
    { start: 4, end: 4 },
    { start: 2, end: 1 },
    { start: -1, end: 1 },
    { start: 0.5, end: 1 },
  ]) {
    assert.throws(() => store.openObject(obj, range), RangeError, JSON.stringify(range));
  }
  assert.throws(
    () => store.openObject({ ...obj, segments: [{ blobId: '../../etc/passwd', size: 4 }] }),
    /invalid blob id/,
  );
});

test(
  'a many-segment object holds at most one file open while streaming',
  { skip: !fs.existsSync('/proc/self/fd') },
  async (t) => {
    const { store } = openStore(t);
    store.createBucket(bucketRecord());
    const pieces = Array.from({ length: 200 }, (_, i) => `segment ${String(i).padStart(3, '0')};`);
    const obj = await putSegments(store, 'many', pieces);
    const openFds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = openFds();
    const stream = store.openObject(obj);
    assert.equal(openFds(), before, 'nothing is opened before the first read');
    let most = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      most = Math.max(most, openFds() - before);
      chunks.push(chunk as Buffer);
    }
    assert.equal(Buffer.concat(chunks).toString(), pieces.join(''));
    assert.ok(most <= 1, `${most} extra fds open while streaming`);
    await closed(stream);
    assert.equal(openFds(), before);
  },
);

// --- leases -------------------------------------------------------------------------------

test('an overwrite waits for a reader of the old object, then unlinks its blobs', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const old = await putSegments(store, 'k', ['old-1 ', 'old-2']);
  const reader = store.openObject(old);

  const replacement = await put(store, 'k', 'new');
  for (const id of blobsOf(old)) assert.ok(blobExists(dir, id), 'a leased blob outlives the overwrite');
  assert.equal((await readAll(store.openObject(replacement))).toString(), 'new');

  assert.equal((await readAll(reader)).toString(), 'old-1 old-2');
  await closed(reader);
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(replacement));
});

test('a delete waits for a reader that is destroyed unread', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const obj = await putSegments(store, 'k', ['one', 'two', 'three']);
  const first = store.openObject(obj);
  const second = store.openObject(obj, { start: 0, end: 2 }); // leases only the first segment

  store.deleteObject(BUCKET, 'k');
  const [a, b, c] = obj.segments.map((g) => g.blobId);
  assert.ok(blobExists(dir, a!) && blobExists(dir, b!) && blobExists(dir, c!));

  first.destroy();
  await closed(first);
  // The second reader still holds the first segment; the others are free.
  assert.deepEqual(await settledBlobNames(store, dir), [a!]);
  assert.equal((await readAll(second)).toString(), 'one');
  await closed(second);
  assert.deepEqual(await settledBlobNames(store, dir), []);
});

test('a reader that fails still releases its leases', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const obj = await putSegments(store, 'k', ['aaa', 'bbb']);
  // A record whose second blob does not exist: the stream fails when it reaches it.
  const missing = 'f'.repeat(32);
  const broken: ObjectRecord = { ...obj, segments: [obj.segments[0]!, { blobId: missing, size: 3 }] };
  const reader = store.openObject(broken);
  store.deleteObject(BUCKET, 'k');
  assert.ok(blobExists(dir, obj.segments[0]!.blobId));
  await assert.rejects(readAll(reader), { code: 'ENOENT' });
  await closed(reader);
  assert.deepEqual(await settledBlobNames(store, dir), []);
});

// --- updateObject -------------------------------------------------------------------------

test('updateObject appends a segment and keeps the existing blobs', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const first = await put(store, 'log', 'line 1\n');
  const segment = await writeSegment(store, 'line 2\n');
  let seen: ObjectRecord | undefined;
  const updated = store.updateObject(BUCKET, 'log', (current) => {
    seen = current;
    return appended(current!, segment);
  });
  assert.deepEqual(seen, first);
  assert.deepEqual(store.getObject(BUCKET, 'log'), updated);
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(updated));
  assert.deepEqual(blobsOf(updated), [...blobsOf(first), segment.blobId].sort());
  assert.equal((await readAll(store.openObject(updated))).toString(), 'line 1\nline 2\n');

  // A missing key: build gets undefined and may create it.
  const fresh = await writeSegment(store, 'new');
  const created = store.updateObject(BUCKET, 'new-key', (current) => {
    assert.equal(current, undefined);
    return objectRecord('new-key', [fresh]);
  });
  assert.deepEqual(store.getObject(BUCKET, 'new-key'), created);
});

test('updateObject failures: a rejected record loses only its new blob', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const current = await putSegments(store, 'k', ['a', 'b']);

  // The write fails (a record the store refuses): the new blob goes, the old ones stay.
  const rejected = await writeSegment(store, 'c');
  assert.throws(
    () => store.updateObject(BUCKET, 'k', (cur) => ({ ...appended(cur!, rejected), size: 99 })),
    /not its size 99/,
  );
  assert.equal(blobExists(dir, rejected.blobId), false);
  assert.deepEqual(store.getObject(BUCKET, 'k'), current);
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(current));

  // build throws: the store never saw the new blob, so the caller still owns (and discards) it.
  const unseen = await writeSegment(store, 'd');
  const refusal = new S3Error('InvalidWriteOffset', 'wrong offset');
  assert.throws(
    () =>
      store.updateObject(BUCKET, 'k', () => {
        throw refusal;
      }),
    (err) => err === refusal,
  );
  assert.ok(blobExists(dir, unseen.blobId));
  store.discardBlob(unseen.blobId);
  assert.deepEqual(store.getObject(BUCKET, 'k'), current);
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(current));

  // A record for another key is a bug.
  const stray = await writeSegment(store, 'e');
  assert.throws(
    () => store.updateObject(BUCKET, 'k', (cur) => ({ ...appended(cur!, stray), key: 'other' })),
    /built a record for/,
  );
  assert.equal(blobExists(dir, stray.blobId), false);

  // A missing bucket is NoSuchBucket before build runs.
  assert.throws(
    () =>
      store.updateObject('gone--usw2-az1--x-s3', 'k', () => {
        throw new Error('build must not run');
      }),
    isS3Error('NoSuchBucket', 404),
  );
});

test('updateObject unlinks the old blobs the new record drops', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const current = await putSegments(store, 'k', ['a', 'b', 'c']);
  const merged = await writeSegment(store, 'bc');
  const compacted = store.updateObject(BUCKET, 'k', (cur) => objectRecord('k', [cur!.segments[0]!, merged]));
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(compacted));
  assert.ok(blobExists(dir, current.segments[0]!.blobId));
  assert.equal((await readAll(store.openObject(compacted))).toString(), 'abc');
});

// --- renameObject -------------------------------------------------------------------------

/** A RenameObject-like build: the source record under the new key. */
const moveTo =
  (dstKey: string) =>
  (src?: ObjectRecord): ObjectRecord => {
    if (!src) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
    return { ...src, key: dstKey };
  };

test('renameObject moves the record and its blobs, replacing the destination', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const src = await putSegments(store, 'from', ['12', '34']);
  const dst = await put(store, 'to', 'old destination');

  let args: [ObjectRecord | undefined, ObjectRecord | undefined] | undefined;
  const result = store.renameObject(BUCKET, 'from', 'to', (s, d) => {
    args = [s, d];
    return moveTo('to')(s);
  });
  assert.deepEqual(args, [src, dst]);
  assert.equal(result.replayed, false);
  assert.deepEqual(result.record, { ...src, key: 'to' });
  assert.equal(store.getObject(BUCKET, 'from'), undefined);
  assert.deepEqual(store.getObject(BUCKET, 'to'), { ...src, key: 'to' });
  // The destination's old blob is gone; the moved ones stay.
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(src));
  assert.equal((await readAll(store.openObject(result.record!))).toString(), '1234');

  // To a new key, nothing is unlinked.
  const again = store.renameObject(BUCKET, 'to', 'a/b/c', moveTo('a/b/c'));
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(again.record));
  assert.equal(store.countObjects(BUCKET), 1);
});

test('renameObject of a missing source: build gets undefined; a throw changes nothing', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const dst = await put(store, 'to', 'kept');
  let seen: unknown[] | undefined;
  assert.throws(
    () =>
      store.renameObject(BUCKET, 'missing', 'to', (s, d) => {
        seen = [s, d];
        return moveTo('to')(s);
      }),
    isS3Error('NoSuchKey', 404),
  );
  assert.deepEqual(seen, [undefined, dst]);
  assert.deepEqual(store.getObject(BUCKET, 'to'), dst);
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(dst));

  // A build that smuggles in blobs the source does not own is a bug.
  const src = await put(store, 'from', 'src');
  assert.throws(
    () => store.renameObject(BUCKET, 'from', 'to', (_s, d) => ({ ...d!, key: 'to' })),
    /must move the source's blobs/,
  );
  assert.deepEqual(store.getObject(BUCKET, 'from'), src);
  assert.deepEqual(store.getObject(BUCKET, 'to'), dst);
  assert.throws(
    () => store.renameObject('gone--usw2-az1--x-s3', 'a', 'b', moveTo('b')),
    isS3Error('NoSuchBucket', 404),
  );
});

test('renameObject client tokens: replay, mismatch, per bucket, expiry', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const src = await put(store, 'a', 'bytes');
  const token = { token: 'token-1', fingerprint: 'a->b' };

  const first = store.renameObject(BUCKET, 'a', 'b', moveTo('b'), token);
  assert.equal(first.replayed, false);

  // A retry with the same token and parameters succeeds without doing anything.
  const notCalled = (): ObjectRecord => assert.fail('build must not run on a replay');
  const replay = store.renameObject(BUCKET, 'a', 'b', notCalled, token);
  assert.deepEqual(replay, { record: { ...src, key: 'b' }, replayed: true });
  assert.deepEqual(store.getObject(BUCKET, 'b'), { ...src, key: 'b' });

  // Replaying after the destination changed reports the current destination (or none).
  store.deleteObject(BUCKET, 'b');
  assert.deepEqual(store.renameObject(BUCKET, 'a', 'b', notCalled, token), {
    record: undefined,
    replayed: true,
  });

  // The same token with other parameters is refused.
  assert.throws(
    () => store.renameObject(BUCKET, 'x', 'y', notCalled, { token: 'token-1', fingerprint: 'x->y' }),
    (err: unknown) => {
      isS3Error('IdempotencyParameterMismatch', 400)(err);
      return true;
    },
  );

  // Tokens are per bucket.
  const other = 'other--usw2-az1--x-s3';
  store.createBucket(bucketRecord(other));
  await put(store, 'a', 'other bytes', undefined, other);
  assert.equal(store.renameObject(other, 'a', 'b', moveTo('b'), token).replayed, false);

  // A token older than an hour is forgotten.
  const db = new Database(path.join(dir, 'meta.sqlite3'));
  try {
    db.prepare('UPDATE client_tokens SET created_at = created_at - 7200000 WHERE bucket = ?').run(BUCKET);
  } finally {
    db.close();
  }
  await put(store, 'x', 'x bytes');
  const afterExpiry = store.renameObject(BUCKET, 'x', 'y', moveTo('y'), {
    token: 'token-1',
    fingerprint: 'x->y',
  });
  assert.equal(afterExpiry.replayed, false);
  assert.equal(store.getObject(BUCKET, 'y')?.size, 7);

  // A failed rename does not record its token.
  assert.throws(
    () => store.renameObject(BUCKET, 'nope', 'z', moveTo('z'), { token: 'token-2', fingerprint: 'f' }),
    isS3Error('NoSuchKey', 404),
  );
  await put(store, 'nope', 'now it exists');
  assert.equal(
    store.renameObject(BUCKET, 'nope', 'z', moveTo('z'), { token: 'token-2', fingerprint: 'f' }).replayed,
    false,
  );
});

test('deleting a bucket forgets its client tokens', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  await put(store, 'a', 'bytes');
  const token = { token: 't', fingerprint: 'a->b' };
  store.renameObject(BUCKET, 'a', 'b', moveTo('b'), token);
  store.deleteObject(BUCKET, 'b');
  store.deleteBucket(BUCKET);
  store.createBucket(bucketRecord());
  await put(store, 'a', 'bytes');
  assert.equal(store.renameObject(BUCKET, 'a', 'b', moveTo('b'), token).replayed, false);
});
