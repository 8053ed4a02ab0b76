import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error } from '../../src/errors/s3-error.js';
import type { EmbeddedStore } from '../../src/storage/embedded-store.js';
import type { ObjectRecord, PartRecord, UploadRecord } from '../../src/storage/types.js';
import {
  BUCKET,
  blobExists,
  blobNames,
  settledBlobNames,
  blobsOf,
  bucketRecord,
  closed,
  createUpload,
  isS3Error,
  objectRecord,
  openStore,
  put,
  putPart,
  putSegments,
  readAll,
  utf8Order,
  writeSegment,
} from './storage-fixtures.js';

const NO_SUCH_UPLOAD_MESSAGE =
  'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.';

function isNoSuchUpload(uploadId: string) {
  return (err: unknown): boolean => {
    isS3Error('NoSuchUpload', 404)(err);
    assert.equal((err as S3Error).message, NO_SUCH_UPLOAD_MESSAGE);
    assert.deepEqual((err as S3Error).details, { UploadId: uploadId });
    return true;
  };
}

/** What CompleteMultipartUpload builds: the chosen parts, in order, as segments. */
function completedFrom(upload: UploadRecord, parts: PartRecord[]): ObjectRecord {
  return {
    ...objectRecord(
      upload.key,
      parts.map((p) => ({ blobId: p.blobId, size: p.size, etag: p.etag, checksums: p.checksums })),
      upload.bucket,
    ),
    checksumType: 'COMPOSITE',
    multipart: true,
  };
}

// --- parts --------------------------------------------------------------------------------

test('putPart records parts; replacing one unlinks the old blob', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const uploadId = createUpload(store, 'big');
  const p1 = await putPart(store, uploadId, 1, 'first');
  const p2 = await putPart(store, uploadId, 2, 'second');
  assert.deepEqual(store.allParts(uploadId), [p1, p2]);

  const p1b = await putPart(store, uploadId, 1, 'first, again');
  assert.deepEqual(store.allParts(uploadId), [p1b, p2]);
  assert.deepEqual(await settledBlobNames(store, dir), [p1b.blobId, p2.blobId].sort());
  assert.equal(blobExists(dir, p1.blobId), false);

  // Re-recording a part with its own blob keeps the blob.
  store.putPart({ ...p2, etag: '"same-blob"' });
  assert.ok(blobExists(dir, p2.blobId));
  assert.equal(store.allParts(uploadId)[1]!.etag, '"same-blob"');
});

test('putPart to a missing upload is NoSuchUpload and discards the blob', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const uploadId = createUpload(store, 'big');
  await putPart(store, uploadId, 1, 'part one');
  assert.equal(store.deleteUpload(uploadId), true);
  assert.deepEqual(await settledBlobNames(store, dir), []);

  const late = await writeSegment(store, 'too late');
  assert.throws(
    () =>
      store.putPart({
        uploadId,
        partNumber: 2,
        blobId: late.blobId,
        size: late.size,
        etag: '"x"',
        checksums: {},
        lastModified: new Date(),
      }),
    isNoSuchUpload(uploadId),
  );
  assert.deepEqual(await settledBlobNames(store, dir), []);
  await assert.rejects(putPart(store, 'no-such-upload', 1, 'x'), isNoSuchUpload('no-such-upload'));
  assert.deepEqual(await settledBlobNames(store, dir), []);
});

test('listParts pages in part-number order', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const uploadId = createUpload(store, 'big');
  const numbers = [21, 1, 13, 2, 8, 3, 5, 10000];
  for (const n of numbers) await putPart(store, uploadId, n, `part ${n}`);
  const other = createUpload(store, 'big');
  await putPart(store, other, 4, 'another upload');
  const sorted = [...numbers].sort((a, b) => a - b);

  for (let limit = 1; limit <= numbers.length + 1; limit++) {
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = store.listParts(uploadId, after, limit);
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
    store.listParts(uploadId, 6, 2).parts.map((p) => p.partNumber),
    [8, 13],
  );
  assert.deepEqual(store.listParts(uploadId, 10000, 5), { parts: [], isTruncated: false });
  assert.deepEqual(store.listParts('missing', 0, 5), { parts: [], isTruncated: false });
});

// --- listUploads --------------------------------------------------------------------------

type Entry = { kind: 'upload'; id: string } | { kind: 'prefix'; prefix: string };

interface UploadRef {
  key: string;
  initiated: number;
  uploadId: string;
}

/** What a listing must return, computed the obvious way over all uploads. */
function referenceUploads(uploads: UploadRef[], prefix: string, delimiter: string | undefined): Entry[] {
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
    if (last?.kind !== 'prefix' || last.prefix !== common) entries.push({ kind: 'prefix', prefix: common });
  }
  return entries;
}

function pageThroughUploads(
  store: EmbeddedStore,
  prefix: string,
  delimiter: string | undefined,
  maxUploads: number,
  expected: Entry[],
): void {
  let offset = 0;
  let after: string | undefined;
  const label = `prefix=${JSON.stringify(prefix)} delimiter=${delimiter} max=${maxUploads}`;
  for (;;) {
    const page = store.listUploads({ bucket: BUCKET, prefix, delimiter, after, maxUploads });
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
    assert.equal(count, maxUploads);
    assert.ok(page.lastReturned !== undefined);
    after = page.lastReturned;
  }
  assert.equal(offset, expected.length, label);
}

test('listUploads pages match a brute-force reference, with and without a delimiter', (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const keys = ['a', 'a/1', 'a/2', 'a/b/1', 'a/b/2', 'a-b', 'a0', 'b/x/y', 'nul\u0000/z', 'ü/1', '😀', 'z/'];
  const uploads: UploadRef[] = [];
  let n = 0;
  for (const key of keys) {
    // Several uploads per key: some started at the same millisecond (ordered by id), some later.
    for (const offset of [5, 0, 0, 3]) {
      const initiated = 1_700_000_000_000 + offset + (n++ % 2) * 10;
      uploads.push({ key, initiated, uploadId: createUpload(store, key, new Date(initiated)) });
    }
  }
  // A neighbouring bucket whose uploads must never leak in.
  store.createBucket(bucketRecord('other--usw2-az1--x-s3'));
  createUpload(store, 'a/1', new Date(), 'other--usw2-az1--x-s3');
  assert.equal(store.countUploads(BUCKET), uploads.length);

  for (const prefix of ['', 'a/', 'a/b/', 'b/', 'z/', 'nul\u0000/', 'missing/']) {
    for (const delimiter of ['/', undefined]) {
      const expected = referenceUploads(uploads, prefix, delimiter);
      for (const maxUploads of [1, 2, 3, 5, 7, 1000]) {
        pageThroughUploads(store, prefix, delimiter, maxUploads, expected);
      }
    }
  }
  assert.deepEqual(store.listUploads({ bucket: BUCKET, prefix: '', maxUploads: 0 }), {
    uploads: [],
    commonPrefixes: [],
    isTruncated: false,
  });
});

test('listUploads accepts any position string', (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const ids = ['a', 'b', 'c'].map((key) => createUpload(store, key, new Date(1000)));
  const page = (after: string): string[] =>
    store.listUploads({ bucket: BUCKET, prefix: '', after, maxUploads: 10 }).uploads.map((u) => u.uploadId);
  // A plain key resumes after all of its uploads; garbage is just a key.
  assert.deepEqual(page('a'), ids.slice(1));
  assert.deepEqual(page(''), ids);
  assert.deepEqual(page('\u00001.x'), ids);
  assert.deepEqual(page('zzz'), []);
  // A well-formed position for an upload that no longer exists still resumes in order.
  const ghost = 'A'.repeat(43);
  assert.deepEqual(page(`b\u0000999.${ghost}`), ids.slice(1));
  assert.deepEqual(page(`b\u00001000.${ghost}`), (ids[1]! > ghost ? [ids[1]!] : []).concat(ids[2]!));
  assert.deepEqual(page(`b\u00001001.${ghost}`), ids.slice(2));
});

// --- completeUpload -----------------------------------------------------------------------

/** An upload of `key` with parts 1..n of the given bodies. */
async function uploadWithParts(
  store: EmbeddedStore,
  key: string,
  bodies: string[],
): Promise<{ uploadId: string; parts: PartRecord[] }> {
  const uploadId = createUpload(store, key);
  const parts: PartRecord[] = [];
  for (const [i, body] of bodies.entries()) parts.push(await putPart(store, uploadId, i + 1, body));
  return { uploadId, parts };
}

test('completeUpload makes parts segments and unlinks unused parts and the previous object', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const previous = await putSegments(store, 'big', ['old ', 'object']);
  const { uploadId, parts } = await uploadWithParts(store, 'big', ['one ', 'two ', 'three ', 'unused']);

  let seen: [UploadRecord, PartRecord[]] | undefined;
  const record = store.completeUpload(uploadId, (upload, all) => {
    seen = [upload, all];
    return completedFrom(upload, all.slice(0, 3));
  });
  assert.equal(seen![0].uploadId, uploadId);
  assert.deepEqual(seen![1], parts);

  assert.deepEqual(store.getObject(BUCKET, 'big'), record);
  assert.deepEqual(
    record.segments.map((g) => g.blobId),
    parts.slice(0, 3).map((p) => p.blobId),
  );
  assert.equal(store.getUpload(uploadId), undefined);
  assert.deepEqual(store.allParts(uploadId), []);
  assert.equal(store.countUploads(BUCKET), 0);
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(record));
  for (const id of blobsOf(previous)) assert.equal(blobExists(dir, id), false);
  assert.equal(blobExists(dir, parts[3]!.blobId), false);
  assert.equal((await readAll(store.openObject(record))).toString(), 'one two three ');

  // Completed is gone: a second completion, or a late part, is NoSuchUpload.
  assert.throws(() => store.completeUpload(uploadId, completedFrom), isNoSuchUpload(uploadId));
  await assert.rejects(putPart(store, uploadId, 5, 'late'), isNoSuchUpload(uploadId));
  assert.deepEqual(await settledBlobNames(store, dir), blobsOf(record));
});

test('completeUpload that fails changes nothing', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const existing = await put(store, 'big', 'existing');
  const { uploadId, parts } = await uploadWithParts(store, 'big', ['a', 'b']);
  const before = await settledBlobNames(store, dir);
  const unchanged = (): void => {
    assert.deepEqual(store.getObject(BUCKET, 'big'), existing);
    assert.equal(store.getUpload(uploadId)?.key, 'big');
    assert.deepEqual(store.allParts(uploadId), parts);
    assert.deepEqual(blobNames(dir), before);
  };

  // The condition does not hold.
  assert.throws(
    () => store.completeUpload(uploadId, completedFrom, { ifNoneMatchStar: true }),
    isS3Error('PreconditionFailed', 412),
  );
  unchanged();
  assert.throws(
    () => store.completeUpload(uploadId, completedFrom, { ifMatch: '"not-it"' }),
    isS3Error('PreconditionFailed', 412),
  );
  unchanged();

  // build refuses (e.g. InvalidPart).
  const invalidPart = new S3Error('InvalidPart', 'One or more of the specified parts could not be found.');
  assert.throws(
    () =>
      store.completeUpload(uploadId, () => {
        throw invalidPart;
      }),
    (err) => err === invalidPart,
  );
  unchanged();

  // build uses a blob that is not one of the upload's parts: a bug, refused.
  const other = await uploadWithParts(store, 'elsewhere', ['x']);
  const foreignBlobs = [
    existing.segments[0]!.blobId, // the current object's
    other.parts[0]!.blobId, // another upload's part
  ];
  for (const blobId of foreignBlobs) {
    assert.throws(
      () =>
        store.completeUpload(uploadId, (upload, all) => {
          const record = completedFrom(upload, all);
          return { ...record, size: record.size + 1, segments: [...record.segments, { blobId, size: 1 }] };
        }),
      /may only use its parts' blobs/,
    );
  }
  assert.deepEqual(store.getObject(BUCKET, 'big'), existing);
  assert.deepEqual(store.allParts(uploadId), parts);

  // With the right condition it completes.
  const done = store.completeUpload(uploadId, completedFrom, { ifMatch: existing.etag });
  assert.equal((await readAll(store.openObject(done))).toString(), 'ab');
  await store.blobsUnlinked();
  assert.equal(blobExists(dir, existing.segments[0]!.blobId), false);
});

test('completeUpload with If-Match on a missing key is NoSuchKey; If-None-Match:* creates', async (t) => {
  const { store } = openStore(t);
  store.createBucket(bucketRecord());
  const { uploadId } = await uploadWithParts(store, 'new', ['x']);
  assert.throws(
    () => store.completeUpload(uploadId, completedFrom, { ifMatch: '*' }),
    isS3Error('NoSuchKey', 404),
  );
  const done = store.completeUpload(uploadId, completedFrom, { ifNoneMatchStar: true });
  assert.equal(done.multipart, true);
  assert.deepEqual(store.getObject(BUCKET, 'new'), done);
});

test('a reader of the previous object keeps its bytes through a completion', async (t) => {
  const { store, dir } = openStore(t);
  store.createBucket(bucketRecord());
  const previous = await put(store, 'k', 'previous');
  const reader = store.openObject(previous);
  const { uploadId } = await uploadWithParts(store, 'k', ['next']);
  store.completeUpload(uploadId, completedFrom);
  assert.ok(blobExists(dir, previous.segments[0]!.blobId));
  assert.equal((await readAll(reader)).toString(), 'previous');
  await closed(reader);
  await store.blobsUnlinked(); // the unlink the lease deferred runs in the background
  assert.equal(blobExists(dir, previous.segments[0]!.blobId), false);
});
