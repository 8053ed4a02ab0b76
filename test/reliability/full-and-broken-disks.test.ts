/**
 * Full and broken disks. A data dir on a small filesystem made by the test (tmpfs, or an ext4
 * loop device) fills up: writes fail with a clean S3 error, nothing partial becomes visible,
 * reads keep working, and deleting makes room again. A data dir that is read-only, missing
 * and uncreatable, or not a directory stops `zonal serve` at start-up with a message naming
 * it. Needs root for the mounts; skips with the reason otherwise.
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
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { toS3Error } from '../../src/errors/s3-error.js';
import { runServeToExit, startServerProcess } from '../helpers/cli-server.js';
import { blobInventory, unexpectedPaths } from '../helpers/data-dir.js';
import {
  bodyBytes,
  crc32Base64,
  errorSummary,
  PROCESS_ROOT_ENV,
  processClients,
  seededBytes,
  sha256Hex,
} from '../helpers/process-clients.js';
import { mountSmallFilesystem } from '../helpers/small-fs.js';
import { createBucketInput } from '../helpers/zonal-fixture.js';

const BUCKET = 'full--use1-az4--x-s3';
const MiB = 1024 * 1024;

/** Figures for docs/RELIABILITY.md, printed as test diagnostics. */
const figures: string[] = [];

/** Awaits `promise` and returns the S3 error it fails with, or fails the test if it succeeds. */
async function failure(promise: Promise<unknown>, what: string): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (err) {
    return errorSummary(err);
  }
  assert.fail(`${what} succeeded on a full disk`);
}

/** The clean answer to a full disk: 503 ServiceUnavailable, which SDKs retry with backoff. */
function assertOutOfSpace(err: { name: string; status?: number; message?: string }, what: string): void {
  assert.equal(err.name, 'ServiceUnavailable', `${what}: ${err.message ?? err.name}`);
  assert.equal(err.status, 503, what);
}

async function getBytes(s3: S3Client, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
  return bodyBytes(got.Body);
}

after(() => {
  if (figures.length > 0) console.log(`# ${figures.join('\n# ')}`);
});

test('out-of-space failures from the kernel or SQLite are 503 ServiceUnavailable, others 500', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) {
    const err = toS3Error(Object.assign(new Error(code), { code }));
    assert.deepEqual([err.code, err.status], ['ServiceUnavailable', 503], code);
  }
  for (const code of ['EROFS', 'EIO', 'SQLITE_IOERR', undefined]) {
    const err = toS3Error(Object.assign(new Error(String(code)), { code }));
    assert.deepEqual([err.code, err.status], ['InternalError', 500], String(code));
  }
});

describe('a full disk', { timeout: 120_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('fails writes with 503 ServiceUnavailable, keeps serving reads, and recovers after deletes', async (t) => {
    const small = mountSmallFilesystem(24);
    if (typeof small === 'string') return t.skip(small);
    cleanups.push(() => small.dispose());
    const dataDir = path.join(small.dir, 'data');
    const server = await startServerProcess(['--port', '0', '--data-dir', dataDir], PROCESS_ROOT_ENV);
    cleanups.push(() => server.stop('SIGKILL'));
    const clients = processClients(server.endpoint);
    cleanups.push(() => clients.destroy());
    await clients.control().send(new CreateBucketCommand(createBucketInput(BUCKET)));
    const s3 = clients.data();

    // Fill with 1 MiB objects (half of them streamed through aws-chunked), then smaller and
    // smaller ones, until even a 1 KiB write fails.
    const stored = new Map<string, string>(); // key → sha256 of its bytes
    let puts = 0;
    let failures = 0;
    for (const size of [MiB, 64 * 1024, 4096, 1024]) {
      for (let i = 0; i < 200; i++) {
        const key = `fill/${size}/${i}`;
        const bytes = seededBytes(key, size);
        const body =
          i % 2 === 0 ? bytes : Readable.from([bytes.subarray(0, size / 2), bytes.subarray(size / 2)]);
        puts++;
        try {
          await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentLength: size }));
          stored.set(key, sha256Hex(bytes));
        } catch (err) {
          failures++;
          assertOutOfSpace(errorSummary(err), `PutObject of ${size} bytes`);
          // Nothing partial is visible under the key.
          const head = await failure(
            s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })),
            'HeadObject of the failed key',
          );
          assert.equal(head.status, 404);
          break;
        }
      }
    }
    assert.ok(failures >= 4, `every size eventually failed (${failures})`);
    assert.ok(stored.size >= 10, `some objects fit before the disk filled (${stored.size})`);
    figures.push(
      `${small.kind} of 24 MiB filled with ${stored.size} objects in ${puts} PutObjects, ${failures} refused with 503`,
    );

    // Other writes fail the same clean way and change nothing.
    const victim = [...stored.keys()][0]!;
    assertOutOfSpace(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: victim, Body: seededBytes('overwrite', MiB) })),
        'overwrite',
      ),
      'overwrite of an existing key',
    );
    const appendTo = [...stored.keys()].find((k) => k.startsWith('fill/1048576/'))!;
    assertOutOfSpace(
      await failure(
        s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: appendTo,
            Body: seededBytes('append', MiB),
            WriteOffsetBytes: MiB,
          }),
        ),
        'append',
      ),
      'append',
    );
    const upload = await s3
      .send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart' }))
      .catch((err: unknown) => {
        assertOutOfSpace(errorSummary(err), 'CreateMultipartUpload');
        return undefined;
      });
    if (upload) {
      assertOutOfSpace(
        await failure(
          s3.send(
            new UploadPartCommand({
              Bucket: BUCKET,
              Key: 'multipart',
              UploadId: upload.UploadId,
              PartNumber: 1,
              Body: seededBytes('part', MiB),
            }),
          ),
          'UploadPart',
        ),
        'UploadPart',
      );
    }

    // Reads keep working: every stored object, byte for byte, with its checksum; the listing
    // shows exactly the stored keys; a new session can be created.
    for (const [key, sha] of stored) assert.equal(sha256Hex(await getBytes(s3, key)), sha, key);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'fill/' }));
    assert.deepEqual(new Set(listed.Contents?.map((o) => o.Key)), new Set(stored.keys()));
    const fresh = clients.data();
    assert.equal(sha256Hex(await getBytes(fresh, victim)), stored.get(victim));
    assert.equal(
      (await fresh.send(new HeadObjectCommand({ Bucket: BUCKET, Key: appendTo }))).ContentLength,
      MiB,
      'the failed append changed nothing',
    );

    // No temp file or orphan blob is left by the failed writes.
    let inventory = blobInventory(dataDir);
    assert.equal(inventory.tmpFiles, 0, 'temp files of failed writes are removed');
    assert.deepEqual(inventory.orphans, [], 'no orphan blobs');
    assert.deepEqual(inventory.missing, []);

    // Deleting makes room: the same writes then succeed.
    const freed = [...stored.keys()].filter((k) => k.startsWith('fill/1048576/')).slice(0, 3);
    for (const key of freed) {
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
      stored.delete(key);
    }
    if (upload) {
      await s3.send(
        new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart', UploadId: upload.UploadId }),
      );
    }
    const again = seededBytes('after delete', MiB);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'after-delete', Body: again, ChecksumAlgorithm: 'CRC32' }),
    );
    assert.equal(put.ChecksumCRC32, crc32Base64(again));
    assert.deepEqual(await getBytes(s3, 'after-delete'), again);
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart' }));
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'multipart',
        UploadId: mpu.UploadId,
        PartNumber: 1,
        Body: seededBytes('part', MiB),
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multipart',
        UploadId: mpu.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
      }),
    );
    assert.deepEqual(await getBytes(s3, 'multipart'), seededBytes('part', MiB));
    for (const [key, sha] of stored) assert.equal(sha256Hex(await getBytes(s3, key)), sha, key);

    inventory = blobInventory(dataDir);
    assert.deepEqual(inventory.orphans, []);
    assert.deepEqual(inventory.missing, []);
    assert.deepEqual(unexpectedPaths(dataDir), []);
    clients.destroy();
    assert.equal(await server.stop('SIGTERM'), 0, `graceful exit: ${server.output()}`);
  });
});

describe('a disk that fails under a running server', { timeout: 120_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('filled by another process: writes fail with 503, reads go on, writes resume once there is room', async (t) => {
    const small = mountSmallFilesystem(16);
    if (typeof small === 'string') return t.skip(small);
    cleanups.push(() => small.dispose());
    const dataDir = path.join(small.dir, 'data');
    const server = await startServerProcess(['--port', '0', '--data-dir', dataDir], PROCESS_ROOT_ENV);
    cleanups.push(() => server.stop('SIGKILL'));
    const clients = processClients(server.endpoint);
    cleanups.push(() => clients.destroy());
    await clients.control().send(new CreateBucketCommand(createBucketInput(BUCKET)));
    const s3 = clients.data();
    const kept = seededBytes('kept', 256 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: kept }));

    // Another process takes every free byte: the kernel, not Zonal's reserve, refuses writes.
    const hog = path.join(small.dir, 'hog');
    const fd = fs.openSync(hog, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    try {
      for (;;) fs.writeSync(fd, chunk.subarray(0, 512));
    } catch {
      // now truly full
    }
    fs.closeSync(fd);
    for (const size of [0, 100, 256 * 1024]) {
      assertOutOfSpace(
        await failure(
          s3.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: `full-${size}`, Body: seededBytes('x', size) }),
          ),
          `PutObject of ${size} bytes`,
        ),
        `PutObject of ${size} bytes on a disk filled by another process`,
      );
    }
    assert.deepEqual(await getBytes(s3, 'kept'), kept);
    assert.deepEqual(
      (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key),
      ['kept'],
    );
    fs.rmSync(hog);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after-hog', Body: 'room again' }));
    assert.equal(sha256Hex(await getBytes(s3, 'after-hog')), sha256Hex(Buffer.from('room again')));

    clients.destroy();
    assert.equal(await server.stop('SIGTERM'), 0, server.output());
    const inventory = blobInventory(dataDir);
    assert.equal(inventory.tmpFiles, 0);
    assert.deepEqual(inventory.orphans, []);
    assert.deepEqual(inventory.missing, []);
  });

  test('a filesystem error turns the disk read-only: writes fail with 5xx, reads go on, nothing is lost', async (t) => {
    const small = mountSmallFilesystem(32, { type: 'ext4' });
    if (typeof small === 'string') return t.skip(small);
    cleanups.push(() => small.dispose());
    const dataDir = path.join(small.dir, 'data');
    let server = await startServerProcess(['--port', '0', '--data-dir', dataDir], PROCESS_ROOT_ENV);
    cleanups.push(() => server.stop('SIGKILL'));
    let clients = processClients(server.endpoint);
    cleanups.push(() => clients.destroy());
    await clients.control().send(new CreateBucketCommand(createBucketInput(BUCKET)));
    let s3 = clients.data();
    const objects = new Map<string, Buffer>();
    for (const [i, size] of [0, 1, 1000, 256 * 1024, 3 * MiB].entries()) {
      const bytes = seededBytes(`ro-${i}`, size);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `ro/${i}`, Body: bytes }));
      objects.set(`ro/${i}`, bytes);
    }

    // As a failing disk does under ext4 (errors=remount-ro): read-only at once, files open.
    small.injectError!();
    const attempts: [string, () => Promise<unknown>][] = [
      ['PutObject', () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ro/new', Body: 'nope' }))],
      ['overwrite', () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ro/3', Body: 'nope' }))],
      ['DeleteObject', () => s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'ro/2' }))],
      [
        'append',
        () =>
          s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ro/2', Body: 'x', WriteOffsetBytes: 1000 })),
      ],
    ];
    for (const [what, attempt] of attempts) {
      const err = await failure(attempt(), `${what} on a read-only filesystem`);
      assert.ok(err.status !== undefined && err.status >= 500, `${what}: a 5xx S3 error, got ${err.name}`);
    }
    // Reads go on, also through a new session.
    for (const reader of [s3, clients.data()]) {
      for (const [key, bytes] of objects) assert.deepEqual(await getBytes(reader, key), bytes, key);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      [...objects.keys()],
    );
    clients.destroy();
    // A graceful stop still exits cleanly (SQLite cannot checkpoint; the WAL stays).
    assert.equal(await server.stop('SIGTERM'), 0, server.output());

    // After the operator repairs the filesystem, everything acknowledged is there.
    small.repair!();
    server = await startServerProcess(['--port', '0', '--data-dir', dataDir], PROCESS_ROOT_ENV);
    clients = processClients(server.endpoint);
    s3 = clients.data();
    for (const [key, bytes] of objects) assert.deepEqual(await getBytes(s3, key), bytes, key);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ro/new', Body: 'yes' }));
    assert.equal((await getBytes(s3, 'ro/new')).toString(), 'yes');
    clients.destroy();
    assert.equal(await server.stop('SIGTERM'), 0, server.output());
    const inventory = blobInventory(dataDir);
    assert.equal(inventory.tmpFiles, 0);
    assert.deepEqual(inventory.orphans, []);
    assert.deepEqual(inventory.missing, []);
    assert.deepEqual(unexpectedPaths(dataDir), []);
  });
});

describe('a broken data dir', { timeout: 60_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** `zonal serve` on `dataDir` must exit non-zero, quickly, with a message naming the dir. */
  async function refusesToStart(dataDir: string, what: string, pattern?: RegExp): Promise<string> {
    const { code, output } = await runServeToExit(['--port', '0', '--data-dir', dataDir], PROCESS_ROOT_ENV);
    assert.notEqual(code, 0, `${what}: zonal serve must not start\n${output}`);
    assert.ok(output.includes(path.resolve(dataDir)), `${what}: the message names ${dataDir}\n${output}`);
    assert.doesNotMatch(output, /^\s+at /m, `${what}: a message, not a stack trace\n${output}`);
    if (pattern) assert.match(output, pattern, what);
    return output.trim();
  }

  test('not a directory, or missing and impossible to create', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-broken-'));
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'not a directory');
    fs.symlinkSync(path.join(root, 'nowhere', 'at-all'), path.join(root, 'dangling'));
    const messages = [
      await refusesToStart(file, 'a regular file', /not a directory/),
      await refusesToStart(path.join(file, 'data'), 'a path below a regular file', /ENOTDIR/),
      await refusesToStart(path.join(root, 'dangling'), 'a dangling symbolic link', /symbolic link/),
    ];
    for (const m of messages) figures.push(m.split('\n')[0]!);
  });

  test('damaged files in it: metadata database, key ring, credentials', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-broken-db-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dataDir, 'meta.sqlite3'), seededBytes('garbage', 64 * 1024));
    await refusesToStart(dataDir, 'a corrupt meta.sqlite3', /metadata database/);
    // An empty JSON file is what a crash used to leave after an unsynced write.
    for (const name of ['session-keys.json', 'root-credentials.json']) {
      const other = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-broken-json-'));
      cleanups.push(() => fs.rmSync(other, { recursive: true, force: true }));
      fs.writeFileSync(path.join(other, name), '');
      await refusesToStart(other, `an empty ${name}`, new RegExp(`${name} is not valid JSON`));
    }
  });

  test('read-only, with or without data in it', async (t) => {
    const small = mountSmallFilesystem(8);
    if (typeof small === 'string') return t.skip(small);
    cleanups.push(() => small.dispose());
    const dataDir = path.join(small.dir, 'data');
    // A data dir with an object in it, then the filesystem turns read-only.
    const server = await startServerProcess(['--port', '0', '--data-dir', dataDir], PROCESS_ROOT_ENV);
    const clients = processClients(server.endpoint);
    await clients.control().send(new CreateBucketCommand(createBucketInput(BUCKET)));
    await clients.data().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
    clients.destroy();
    assert.equal(await server.stop('SIGTERM'), 0);
    small.setReadOnly(true);
    cleanups.push(() => small.setReadOnly(false));
    await refusesToStart(dataDir, 'a read-only data dir with data', /read-only|EROFS/i);
    await refusesToStart(path.join(small.dir, 'absent'), 'a missing dir on a read-only filesystem', /EROFS/);
  });
});
