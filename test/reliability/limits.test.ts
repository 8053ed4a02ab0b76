/**
 * Every limit a client can hit, each answered with the S3 error AWS gives: request head size,
 * user metadata, XML body size, object size, part numbers, slow clients (headers, bodies,
 * readers, idle connections), malformed HTTP and the connection limit. The SDK is the client
 * wherever it can produce the request; raw sockets do the rest.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListDirectoryBucketsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { INLINE_MAX_BYTES } from '../../src/storage/embedded.js';
import { blobInventory, type BlobInventory } from '../helpers/data-dir.js';
import { headerOf, RawConnection, serializeRequest, type RawHttpResponse } from '../helpers/raw-http.js';
import { signRequest } from '../helpers/raw-signing.js';
import {
  bucketName,
  createBucketInput,
  expectHttpStatus,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

/** Long enough for any response on a busy CI machine; a stalled server fails with a timeout. */
const WAIT_MS = 10_000;
const SHORT = { headersTimeoutMs: 400, requestTimeoutMs: 400, keepAliveTimeoutMs: 400 };

const codeOf = (res: RawHttpResponse): string | undefined =>
  /<Code>([^<]*)<\/Code>/.exec(res.body.toString('utf8'))?.[1];

/** Asserts an S3 error document with this status and code, and that the server closes. */
async function expectClosingError(conn: RawConnection, status: number, code: string): Promise<void> {
  const res = await conn.readResponse(false, WAIT_MS);
  assert.equal(res.status, status, res.body.toString('utf8'));
  assert.equal(codeOf(res), code, res.body.toString('utf8'));
  assert.ok(headerOf(res, 'x-amz-request-id'), 'an S3 request id');
  assert.ok(res.closes, 'Connection: close');
  assert.ok(await conn.waitClosed(WAIT_MS), 'the server closed the connection');
}

/** The head of an IAM-signed request (no body bytes): the caller sends as much body as it wants. */
async function signedHead(port: number, method: string, path: string, headers: Record<string, string>) {
  const signed = await signRequest(port, { method, path, headers }, { credentials: ROOT_KEY });
  return serializeRequest(method, path, Object.entries(signed.headers), Buffer.alloc(0));
}

describe('limits on requests and slow clients', () => {
  let t: TestZonal;
  let s3: S3Client;
  let bucket: string;
  let port: number;

  before(async () => {
    t = await startTestZonal(SHORT);
    s3 = t.client();
    port = t.zonal.port;
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  /**
   * Records the temp files that appear under the data dir's `tmp/` from now on: a body larger
   * than INLINE_MAX_BYTES is streamed into one before it becomes a blob. inotify reports a
   * file even if it is gone again before anyone looks.
   */
  function watchTempFiles(): { created: Set<string>; stop: () => void } {
    const created = new Set<string>();
    const watcher = fs.watch(path.join(t.dataDir, 'tmp'), (_event, name) => {
      if (name !== null) created.add(name);
    });
    return { created, stop: () => watcher.close() };
  }

  /**
   * Waits until a failed write has cleaned up after itself (the server answers before its
   * storage has given up on the body), then checks that nothing is left: no temp file, no
   * blob of either tier without an object, and as many objects and stored blobs as before.
   */
  async function assertNothingLeft(before: BlobInventory): Promise<void> {
    const tmp = path.join(t.dataDir, 'tmp');
    await waitFor(async () => fs.readdirSync(tmp).length === 0).catch(() => undefined);
    await t.zonal.store.settled();
    const inventory = blobInventory(t.dataDir);
    assert.deepEqual(inventory.orphans, [], 'no blob without an object');
    assert.equal(inventory.tmpFiles, 0, 'no temporary file');
    assert.deepEqual(
      [inventory.objects, inventory.onDisk.size, inventory.inline],
      [before.objects, before.onDisk.size, before.inline],
      'nothing stored: as many objects and blobs (files and inline) as before',
    );
  }

  test('a request head over 16 KiB: 400 RequestHeaderSectionTooLarge; the largest legal requests fit', async () => {
    await expectS3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'big-head',
          Body: 'x',
          Metadata: { m: 'x'.repeat(17_000) },
        }),
      ),
      'RequestHeaderSectionTooLarge',
      400,
    );
    // A 1,024-byte key of 3-byte characters (3 KiB once percent-encoded) with 2 KiB of metadata.
    const Key = '日'.repeat(341) + 'x';
    const Metadata = { m: 'v'.repeat(2047) };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'fits', Metadata }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    assert.deepEqual(got.Metadata, Metadata);
    // The raw answer is a complete S3 error document, and the connection is closed.
    const conn = await RawConnection.open(port);
    conn.write(Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'p'.repeat(17_000)}\r\n\r\n`));
    await expectClosingError(conn, 400, 'RequestHeaderSectionTooLarge');
  });

  test('user metadata over 2 KiB (names and values): 400 MetadataTooLarge', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'meta', Body: 'x', Metadata: { a: 'v'.repeat(2047) } }),
    );
    await expectS3Error(
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'meta', Body: 'x', Metadata: { a: 'v'.repeat(2048) } }),
      ),
      'MetadataTooLarge',
      400,
    );
  });

  test('headers that never finish, or never start: 400 RequestTimeout, then the connection closes', async () => {
    const partial = await RawConnection.open(port);
    partial.write(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
    const silent = await RawConnection.open(port);
    await expectClosingError(partial, 400, 'RequestTimeout');
    await expectClosingError(silent, 400, 'RequestTimeout');
  });

  test('a body that stalls: 400 RequestTimeout, nothing stored, the server keeps serving', async () => {
    // A small body (kept in memory until the commit) and one of 256 KiB, far above
    // INLINE_MAX_BYTES and the blob store's one-write size (64 KiB), which is streamed into a
    // temp file on its way to becoming a blob file.
    for (const { declared, sent } of [
      { declared: 1000, sent: 100 },
      { declared: 512 * 1024, sent: 256 * 1024 },
    ]) {
      const what = `${sent} of ${declared} bytes`;
      const before = blobInventory(t.dataDir);
      const temp = watchTempFiles();
      try {
        const conn = await RawConnection.open(port);
        conn.write(
          await signedHead(port, 'PUT', `/${bucket}/stalled`, {
            'content-length': String(declared),
            'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          }),
        );
        conn.write(Buffer.alloc(sent, 'a'));
        await expectClosingError(conn, 400, 'RequestTimeout');
        await assertNothingLeft(before);
      } finally {
        temp.stop();
      }
      if (sent > INLINE_MAX_BYTES) {
        assert.equal(temp.created.size, 1, `${what}: the body was being written to a blob file`);
      }
      await expectHttpStatus(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'stalled' })), 404);
    }
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'stalled', Body: 'whole' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'stalled' }));
    assert.equal(await got.Body!.transformToString(), 'whole');
  });

  test('a client that stops reading a response is disconnected', async (ctx) => {
    // More than the kernel's socket buffers can take, so the server has to wait for the reader.
    const size = socketBufferBytes() + 8 * 1024 * 1024;
    if (size > 256 * 1024 * 1024) return ctx.skip(`socket buffers of ${size} bytes`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large', Body: Buffer.alloc(size, 'r') }));
    const head = await signedHead(port, 'GET', `/${bucket}/large`, {});
    const socket = net.connect({ port, host: '127.0.0.1' });
    let received = 0;
    let reading = false;
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const started = new Promise<void>((resolve) =>
      socket.on('data', (d: Buffer) => {
        received += d.length;
        if (!reading) socket.pause(); // one chunk, then nothing until the server gave up
        resolve();
      }),
    );
    socket.on('error', () => undefined);
    socket.write(head);
    await started;
    // The server drops the connection; the client learns it once it reads again.
    await waitFor(async () => (await connections(t)) === 0);
    reading = true;
    socket.resume();
    await ended;
    assert.ok(received < size, `the response was cut (${received} of ${size} bytes)`);
    const again = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'large', Range: 'bytes=-4' }));
    assert.equal(await again.Body!.transformToString(), 'rrrr');
  });

  test('an idle kept-alive connection is closed after the keep-alive timeout', async () => {
    const conn = await RawConnection.open(port);
    conn.write(await signedHead(port, 'GET', '/', {}));
    const res = await conn.readResponse(false, WAIT_MS);
    assert.equal(res.status, 200, res.body.toString('utf8'));
    assert.equal(res.closes, false, 'kept alive after the answer');
    assert.ok(await conn.waitClosed(WAIT_MS), 'closed once idle');
  });

  test('bytes that are not HTTP/1.1: 400 BadRequest as an S3 error document', async () => {
    const cases = [
      'HELLO\r\n\r\n',
      'G@T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n',
      'GET / HTTP/1.1\r\nHo st: 127.0.0.1\r\n\r\n',
      'PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n', // no Host
    ];
    for (const bytes of cases) {
      const conn = await RawConnection.open(port);
      conn.write(Buffer.from(bytes));
      await expectClosingError(conn, 400, 'BadRequest').catch((err: Error) => {
        throw new Error(`${JSON.stringify(bytes)}: ${err.message}`);
      });
    }
  });

  test('chunked framing broken mid-body: 400 BadRequest, nothing stored', async () => {
    const before = blobInventory(t.dataDir);
    const conn = await RawConnection.open(port);
    conn.write(
      await signedHead(port, 'PUT', `/${bucket}/bad-chunks`, {
        'transfer-encoding': 'chunked',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      }),
    );
    conn.write(Buffer.from('3\r\nabc\r\nzz\r\n'));
    await expectClosingError(conn, 400, 'BadRequest');
    await assertNothingLeft(before);
    await expectHttpStatus(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad-chunks' })), 404);
  });

  test('an object declared over 5 GiB: 400 EntityTooLarge before any byte is read', async () => {
    const conn = await RawConnection.open(port);
    conn.write(
      await signedHead(port, 'PUT', `/${bucket}/huge`, {
        'content-length': String(5 * 1024 ** 3 + 1),
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      }),
    );
    await expectClosingError(conn, 400, 'EntityTooLarge');
  });

  test('a DeleteObjects body over 2 MiB: 400 MaxMessageLengthExceeded', async () => {
    // 1000 keys of 1024 '&', each escaped to 5 bytes: about 5 MiB of XML.
    const Objects = Array.from({ length: 1000 }, () => ({ Key: '&'.repeat(1024) }));
    await expectS3Error(
      s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects } })),
      'MaxMessageLengthExceeded',
      400,
    );
  });

  test('GetObject partNumber: beyond the parts 416 InvalidPartNumber, outside 1..10000 400 InvalidArgument', async () => {
    const Key = 'parts';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: 1, Body: 'one' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
      }),
    );
    const first = await s3.send(new GetObjectCommand({ Bucket: bucket, Key, PartNumber: 1 }));
    assert.equal(await first.Body!.transformToString(), 'one');
    await expectS3Error(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key, PartNumber: 2 })),
      'InvalidPartNumber',
      416,
    );
    for (const PartNumber of [0, 10001]) {
      await expectS3Error(
        s3.send(new GetObjectCommand({ Bucket: bucket, Key, PartNumber })),
        'InvalidArgument',
        400,
      );
    }
  });
});

describe('connection limit', () => {
  let t: TestZonal;
  before(async () => {
    t = await startTestZonal({ maxConnections: 2 });
  });
  after(() => t.close());

  test('connections beyond --max-connections get 503 SlowDown and are closed; the first ones keep working', async () => {
    const port = t.zonal.port;
    const held = [await RawConnection.open(port), await RawConnection.open(port)];
    // ListDirectoryBuckets on each: served and kept alive (the server has counted both).
    const list = (conn: RawConnection) => signedHead(port, 'GET', '/', {}).then((bytes) => conn.write(bytes));
    for (const conn of held) {
      await list(conn);
      const res = await conn.readResponse(false, WAIT_MS);
      assert.deepEqual([res.status, res.closes], [200, false], res.body.toString('utf8'));
    }
    await expectS3Error(
      t.controlClient({ maxAttempts: 1 }).send(new ListDirectoryBucketsCommand({})),
      'SlowDown',
      503,
    );
    const third = await RawConnection.open(port);
    await list(third);
    await expectClosingError(third, 503, 'SlowDown');
    // The held connections are still good.
    await list(held[0]!);
    assert.equal((await held[0]!.readResponse(false, WAIT_MS)).status, 200);
    for (const conn of held) conn.destroy();
    await waitFor(async () => (await connections(t)) === 0);
    await t.controlClient({ maxAttempts: 1 }).send(new ListDirectoryBucketsCommand({}));
  });
});

describe('the object size limit counts the bytes received, not only a declared length', () => {
  // MAX_PAYLOAD_BYTES is 5 GiB; the server takes a smaller one so the test sends little.
  // Above INLINE_MAX_BYTES, so a refused body was being staged in a temp file.
  const LIMIT = INLINE_MAX_BYTES + 4096;
  let t: TestZonal;
  let bucket: string;
  let port: number;

  before(async () => {
    t = await startTestZonal({ ...SHORT, maxPayloadBytes: LIMIT });
    port = t.zonal.port;
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  /** A Transfer-Encoding: chunked PUT (no Content-Length), UNSIGNED-PAYLOAD, of `size` bytes. */
  async function chunkedPut(key: string, size: number): Promise<RawConnection> {
    const conn = await RawConnection.open(port);
    conn.write(
      await signedHead(port, 'PUT', `/${bucket}/${key}`, {
        'transfer-encoding': 'chunked',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      }),
    );
    for (let sent = 0; sent < size; sent += 8192) {
      const n = Math.min(8192, size - sent);
      conn.write(
        Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), Buffer.alloc(n, 0x61), Buffer.from('\r\n')]),
      );
    }
    conn.write(Buffer.from('0\r\n\r\n'));
    return conn;
  }

  test('a chunked body of exactly the limit is stored', async () => {
    const conn = await chunkedPut('at-limit', LIMIT);
    const res = await conn.readResponse(false, WAIT_MS);
    assert.equal(res.status, 200, res.body.toString('utf8'));
    conn.destroy();
    const head = await t.client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'at-limit' }));
    assert.equal(head.ContentLength, LIMIT);
  });

  test('a chunked body one byte over the limit: 400 EntityTooLarge, nothing stored', async () => {
    const before = blobInventory(t.dataDir);
    const conn = await chunkedPut('over-limit', LIMIT + 1);
    const res = await conn.readResponse(false, WAIT_MS);
    assert.equal(res.status, 400, res.body.toString('utf8'));
    assert.equal(codeOf(res), 'EntityTooLarge');
    assert.match(res.body.toString('utf8'), new RegExp(`<MaxSizeAllowed>${LIMIT}</MaxSizeAllowed>`));
    conn.destroy();
    await expectHttpStatus(
      t.client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'over-limit' })),
      404,
    );
    const after = blobInventory(t.dataDir);
    assert.equal(after.objects, before.objects);
    assert.deepEqual(after.orphans, []);
    assert.equal(after.tmpFiles, 0, 'the staged temp file was removed');
  });
});

/** The most a loopback connection buffers in the kernel: receive plus send maximum (Linux). */
function socketBufferBytes(): number {
  const max = (file: string): number => Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
  return max('/proc/sys/net/ipv4/tcp_rmem') + max('/proc/sys/net/ipv4/tcp_wmem');
}

/** Open connections as the server counts them. */
function connections(t: TestZonal): Promise<number> {
  return new Promise((resolve, reject) =>
    t.zonal.server.http.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** Polls a condition the server reaches on its own (a socket closing); fails after WAIT_MS. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
