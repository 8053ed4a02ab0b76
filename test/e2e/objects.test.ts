import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  bucketName,
  createBucketInput,
  expectHttpStatus,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

function crc32Base64(data: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(data) >>> 0);
  return out.toString('base64');
}

describe('objects', () => {
  let t: TestZonal;
  let bucket: string;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  for (const style of ['path style (IP endpoint)', 'virtual-hosted (localhost)'] as const) {
    test(`PUT, GET, HEAD and DELETE round-trip, ${style}`, async () => {
      const s3: S3Client = style.startsWith('path') ? t.client() : t.vhostClient();
      const key = `rt/${style.split(' ')[0]}/héllo wörld+(1)!.txt`;
      const body = 'hello, directory bucket';
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'text/plain',
          CacheControl: 'max-age=60',
          ContentDisposition: 'attachment; filename="x.txt"',
          ContentLanguage: 'de',
          Metadata: { colour: 'blue', n: '1' },
        }),
      );
      assert.match(put.ETag ?? '', /^"[0-9a-f]{32}"$/);
      assert.equal(put.ChecksumCRC32, crc32Base64(Buffer.from(body)));

      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(await got.Body!.transformToString(), body);
      assert.equal(got.ETag, put.ETag);
      assert.equal(got.ContentType, 'text/plain');
      assert.equal(got.CacheControl, 'max-age=60');
      assert.equal(got.ContentDisposition, 'attachment; filename="x.txt"');
      assert.equal(got.ContentLanguage, 'de');
      assert.deepEqual(got.Metadata, { colour: 'blue', n: '1' });
      assert.equal(got.StorageClass, 'EXPRESS_ONEZONE');
      assert.equal(got.ContentLength, body.length);
      assert.equal(got.ChecksumCRC32, crc32Base64(Buffer.from(body)), 'checksum returned in checksum mode');
      assert.equal(got.ChecksumType, 'FULL_OBJECT');

      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(head.ContentLength, body.length);
      assert.equal(head.ETag, put.ETag);
      assert.ok(head.LastModified instanceof Date);

      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), 'NoSuchKey', 404);
      await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), 'NotFound', 404);
      // Deleting what is not there is still a success.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    });
  }

  test('a streamed body (aws-chunked with a CRC32 trailer) is stored intact', async () => {
    const s3 = t.client();
    const data = crypto.randomBytes(3 * 1024 * 1024 + 17);
    const chunks = [data.subarray(0, 1000), data.subarray(1000, 2_000_000), data.subarray(2_000_000)];
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'stream/bin',
        Body: Readable.from(chunks),
        ContentLength: data.length,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'stream/bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.ok(bytes.equals(data));
    assert.equal(got.ChecksumCRC32, crc32Base64(data));
  });

  test('keys that look like paths never escape and round-trip exactly', async () => {
    const s3 = t.client();
    const keys = [
      '../../etc/passwd',
      '/leading/slash',
      'a//b',
      '%2F..%2F',
      'dot/./seg',
      'ключ/日本語',
      'x'.repeat(1024),
    ];
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(await got.Body!.transformToString(), key, key);
    }
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'y'.repeat(1025), Body: 'x' })),
      'KeyTooLongError',
      400,
    );
  });

  test('If-None-Match: * and If-Match guard writes with 412', async () => {
    const s3 = t.client();
    const first = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'cond/w', Body: 'one', IfNoneMatch: '*' }),
    );
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/w', Body: 'two', IfNoneMatch: '*' })),
      'PreconditionFailed',
      412,
    );
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/w', Body: 'two', IfMatch: '"0000"' })),
      'PreconditionFailed',
      412,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond/w' }));
    assert.equal(await got.Body!.transformToString(), 'one', 'nothing stored by a failed condition');
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'cond/w', Body: 'three', IfMatch: first.ETag }),
    );
    const again = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond/w' }));
    assert.equal(await again.Body!.transformToString(), 'three');
  });

  test('Range reads answer 206 with Content-Range; unsatisfiable ranges 416', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'range/r', Body: '0123456789' }));
    const cases: [string, string, string][] = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'range/r', Range: range }));
      assert.equal(got.$metadata.httpStatusCode, 206, range);
      assert.equal(await got.Body!.transformToString(), body, range);
      assert.equal(got.ContentRange, contentRange, range);
    }
    await expectS3Error(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'range/r', Range: 'bytes=10-' })),
      'InvalidRange',
      416,
    );
  });

  test('conditional GET: 304 and 412', async () => {
    const s3 = t.client();
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/r', Body: 'x' }));
    await expectHttpStatus(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond/r', IfNoneMatch: put.ETag })),
      304,
    );
    await expectS3Error(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond/r', IfMatch: '"nope"' })),
      'PreconditionFailed',
      412,
    );
    const future = new Date(Date.now() + 3600_000);
    const past = new Date(Date.now() - 3600_000);
    await expectHttpStatus(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond/r', IfModifiedSince: future })),
      304,
    );
    await expectS3Error(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond/r', IfUnmodifiedSince: past })),
      'PreconditionFailed',
      412,
    );
    const ok = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'cond/r', IfMatch: put.ETag, IfModifiedSince: past }),
    );
    assert.equal(await ok.Body!.transformToString(), 'x');
  });

  test('response-* overrides and presigned URLs fetched with plain fetch', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'pre/p.txt', Body: 'presigned body' }));
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: bucket, Key: 'pre/p.txt', ResponseContentType: 'text/x-zonal' }),
      { expiresIn: 3600 },
    );
    assert.match(url, /X-Amz-S3session-Token=/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'presigned body');
    assert.equal(res.headers.get('content-type'), 'text/x-zonal');
    const tampered = url.replace('pre/p.txt', 'pre/q.txt');
    const bad = await fetch(tampered);
    assert.equal(bad.status, 403);
    assert.match(await bad.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    // Virtual-hosted presigned URLs work too (the Host is part of the signature).
    const vurl = await getSignedUrl(
      t.vhostClient(),
      new GetObjectCommand({ Bucket: bucket, Key: 'pre/p.txt' }),
    );
    const { hostname, pathname, search } = new URL(vurl);
    assert.ok(hostname.startsWith(bucket));
    const vres = await rawGet(t.zonal.port, hostname, pathname + search);
    assert.equal(vres.status, 200);
    assert.equal(vres.body, 'presigned body');
  });

  test('a wrong checksum is BadDigest and nothing is stored', async () => {
    const s3 = t.client();
    await expectS3Error(
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'sum/bad', Body: 'data', ChecksumCRC32: 'AAAAAA==' }),
      ),
      'BadDigest',
      400,
    );
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sum/bad' })), 'NotFound', 404);
    const sha = crypto.createHash('sha256').update('data').digest('base64');
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'sum/sha', Body: 'data', ChecksumSHA256: sha }),
    );
    assert.equal(put.ChecksumSHA256, sha);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'sum/sha', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ChecksumSHA256, sha);
  });

  test('unsupported write features are NotImplemented', async () => {
    const s3 = t.client();
    await expectS3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'ni/md5',
          Body: 'x',
          ContentMD5: crypto.createHash('md5').update('x').digest('base64'),
        }),
      ),
      'NotImplemented',
      501,
    );
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ni/tag', Body: 'x', Tagging: 'a=b' })),
      'NotImplemented',
      501,
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ni/x', Body: 'x' }));
    await expectS3Error(
      s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'ni/x', Tagging: { TagSet: [] } })),
      'NotImplemented',
      501,
    );
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ni/sc', Body: 'x', StorageClass: 'STANDARD' })),
      'InvalidStorageClass',
      400,
    );
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ni/md5' })), 'NotFound', 404);
  });
});

describe('ListObjectsV2 in a directory bucket', () => {
  let t: TestZonal;
  let bucket: string;
  const keys = ['a/1', 'a/2', 'a/b/3', 'a/b/c/4', 'b/5', 'top1', 'top2', 'z/6'];
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    const s3 = t.client();
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  });
  after(() => t.close());

  test('a delimiter rolls up directories into CommonPrefixes', async () => {
    const res = await t.client().send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    assert.deepEqual(
      res.Contents?.map((o) => o.Key),
      ['top1', 'top2'],
    );
    assert.deepEqual(
      res.CommonPrefixes?.map((p) => p.Prefix),
      ['a/', 'b/', 'z/'],
    );
    assert.equal(res.KeyCount, 5);
    assert.equal(res.Contents?.[0]?.StorageClass, 'EXPRESS_ONEZONE');
    const sub = await t
      .vhostClient()
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/', Delimiter: '/' }));
    assert.deepEqual(
      sub.Contents?.map((o) => o.Key),
      ['a/1', 'a/2'],
    );
    assert.deepEqual(
      sub.CommonPrefixes?.map((p) => p.Prefix),
      ['a/b/'],
    );
  });

  test('pagination with continuation tokens visits every key once', async () => {
    const seen: string[] = [];
    for await (const page of paginateListObjectsV2({ client: t.client(), pageSize: 3 }, { Bucket: bucket })) {
      assert.ok((page.KeyCount ?? 0) <= 3);
      for (const o of page.Contents ?? []) seen.push(o.Key!);
    }
    assert.deepEqual(seen, [...keys].sort());
    const prefixes: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: t.client(), pageSize: 1 },
      { Bucket: bucket, Delimiter: '/' },
    )) {
      for (const p of page.CommonPrefixes ?? []) prefixes.push(p.Prefix!);
      for (const o of page.Contents ?? []) prefixes.push(o.Key!);
    }
    assert.deepEqual(prefixes, ['a/', 'b/', 'top1', 'top2', 'z/']);
  });

  test('directory-bucket rules: prefix must end in /, delimiter only /', async () => {
    await expectS3Error(
      t.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a' })),
      'InvalidRequest',
      400,
    );
    await expectS3Error(
      t.client().send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: ',' })),
      'InvalidRequest',
      400,
    );
    await expectS3Error(
      t.client().send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: '!!bad' })),
      'InvalidArgument',
      400,
    );
  });

  test('an empty continuation-token lists from the start and is echoed empty', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty-token/a', Body: 'a' }));
    const res = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'empty-token/', ContinuationToken: '' }),
    );
    assert.deepEqual(
      res.Contents?.map((o) => o.Key),
      ['empty-token/a'],
    );
    assert.equal(res.ContinuationToken, '');
  });

  test('Content-Encoding keeps its text; only aws-chunked is removed', async () => {
    const s3 = t.client();
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'enc/two', Body: 'x', ContentEncoding: 'deflate, gzip' }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'enc/two' }));
    assert.equal(head.ContentEncoding, 'deflate, gzip');
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'enc/chunked',
        Body: 'x',
        ContentEncoding: 'gzip, aws-chunked',
      }),
    );
    const head2 = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'enc/chunked' }));
    assert.equal(head2.ContentEncoding, 'gzip');
  });

  test('deleting the last object under a directory removes the directory', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'gone/deep/er/x', Body: 'x' }));
    let res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    assert.ok(res.CommonPrefixes?.some((p) => p.Prefix === 'gone/'));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone/deep/er/x' }));
    res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    assert.ok(!res.CommonPrefixes?.some((p) => p.Prefix === 'gone/'));
    const inner = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'gone/', Delimiter: '/' }),
    );
    assert.equal(inner.KeyCount, 0);
  });
});

/** GET through the loopback with an explicit Host header (virtual-hosted name). */
async function rawGet(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, headers: { host: `${host}:${port}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
