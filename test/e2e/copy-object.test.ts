import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateSessionCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { COPY_RESPONSE_TIMING } from '../../src/operations/copy-object.js';
import { send, signRequest } from '../helpers/raw-signing.js';
import { seedMultipartObject } from '../helpers/seed-multipart.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

function crc32Base64(data: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(data) >>> 0);
  return out.toString('base64');
}

const sha256Base64 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('base64');

/** Every blob file in the data dir (blob names are 32 hex characters). */
function blobFiles(t: TestZonal): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^[0-9a-f]{32}$/.test(entry.name)) found.push(full);
    }
  };
  walk(t.dataDir);
  return found;
}

async function bytesOf(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function expectAbsent(s3: S3Client, bucket: string, key: string): Promise<void> {
  await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), 'NotFound', 404);
}

/** `bucket/key` with the key URL-encoded, as x-amz-copy-source must be. */
const source = (bucket: string, key: string): string =>
  `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

describe('CopyObject', () => {
  let t: TestZonal;
  let bucket: string;
  let other: string;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    other = bucketName('usw2-az1');
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(other)));
  });
  after(() => t.close());

  test('copies bytes, content headers and metadata (COPY), with a new ETag and a CRC32', async () => {
    const s3 = t.client();
    const body = crypto.randomBytes(300_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'src/héllo wörld+(1).bin',
        Body: body,
        ContentType: 'application/x-test',
        CacheControl: 'no-cache',
        ContentDisposition: 'inline',
        Metadata: { colour: 'blue' },
      }),
    );
    for (const [name, client] of [
      ['session client', s3],
      ['IAM client', t.controlClient()],
      ['virtual-hosted client', t.vhostClient()],
    ] as const) {
      const key = `dst/${name.replace(/ /g, '-')}`;
      const out = await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: source(bucket, 'src/héllo wörld+(1).bin'),
        }),
      );
      const result = out.CopyObjectResult!;
      assert.match(result.ETag ?? '', /^"[0-9a-f]{32}"$/, name);
      assert.notEqual(result.ETag, put.ETag, `${name}: a copy gets its own ETag`);
      assert.ok(result.LastModified instanceof Date, name);
      assert.equal(result.ChecksumCRC32, crc32Base64(body), name);
      assert.equal(result.ChecksumType, 'FULL_OBJECT', name);
      assert.equal(out.ServerSideEncryption, 'AES256', name);
      assert.equal(out.Expiration, 'NotImplemented', name);

      assert.ok((await bytesOf(s3, bucket, key)).equals(body), name);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      assert.equal(head.ETag, result.ETag, name);
      assert.equal(head.ContentType, 'application/x-test', name);
      assert.equal(head.CacheControl, 'no-cache', name);
      assert.equal(head.ContentDisposition, 'inline', name);
      assert.deepEqual(head.Metadata, { colour: 'blue' }, name);
      assert.equal(head.ChecksumCRC32, crc32Base64(body), name);
    }
  });

  test('MetadataDirective REPLACE takes content headers and metadata from the request', async () => {
    const s3 = t.controlClient();
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'meta/src',
        Body: 'payload',
        ContentType: 'text/plain',
        Metadata: { old: '1' },
      }),
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'meta/dst',
        CopySource: source(bucket, 'meta/src'),
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        ContentLanguage: 'fr',
        Metadata: { fresh: 'yes' },
      }),
    );
    const dst = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta/dst' }));
    assert.equal(dst.ContentType, 'application/json');
    assert.equal(dst.ContentLanguage, 'fr');
    assert.deepEqual(dst.Metadata, { fresh: 'yes' });
    const src = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta/src' }));
    assert.deepEqual(src.Metadata, { old: '1' }, 'the source is untouched');

    // With COPY (the default), metadata sent with the request is ignored.
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'meta/dst2',
        CopySource: source(bucket, 'meta/src'),
        Metadata: { ignored: 'yes' },
        ContentType: 'application/ignored',
      }),
    );
    const dst2 = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta/dst2' }));
    assert.deepEqual(dst2.Metadata, { old: '1' });
    assert.equal(dst2.ContentType, 'text/plain');

    await expectS3Error(
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'meta/bad',
          CopySource: source(bucket, 'meta/src'),
          MetadataDirective: 'MERGE' as 'COPY',
        }),
      ),
      'InvalidArgument',
      400,
    );
    await expectAbsent(s3, bucket, 'meta/bad');
  });

  test('copying an object onto itself needs a change', async () => {
    const s3 = t.controlClient();
    const body = Buffer.from('self');
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'self/o', Body: body, Metadata: { v: '1' } }),
    );
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'self/o', CopySource: source(bucket, 'self/o') })),
      'InvalidRequest',
      400,
    );
    const same = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'self/o' }));
    assert.equal(same.ETag, put.ETag, 'the refused copy changed nothing');

    const replaced = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'self/o',
        CopySource: source(bucket, 'self/o'),
        MetadataDirective: 'REPLACE',
        Metadata: { v: '2' },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'self/o' }));
    assert.deepEqual(head.Metadata, { v: '2' });
    assert.equal(head.ETag, replaced.CopyObjectResult!.ETag);
    assert.ok((await bytesOf(s3, bucket, 'self/o')).equals(body));

    // A different checksum algorithm is a change too.
    const rehashed = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'self/o',
        CopySource: source(bucket, 'self/o'),
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    assert.equal(rehashed.CopyObjectResult!.ChecksumSHA256, sha256Base64(body));
    const after = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'self/o', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(after.ChecksumSHA256, sha256Base64(body));
    assert.equal(after.ChecksumCRC32, undefined);
    assert.deepEqual(after.Metadata, { v: '2' });
  });

  test('checksum algorithm: the requested one, else the source one', async () => {
    const s3 = t.controlClient();
    const body = crypto.randomBytes(1000);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'ck/sha1', Body: body, ChecksumAlgorithm: 'SHA1' }),
    );
    const kept = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'ck/kept', CopySource: source(bucket, 'ck/sha1') }),
    );
    assert.equal(
      kept.CopyObjectResult!.ChecksumSHA1,
      crypto.createHash('sha1').update(body).digest('base64'),
    );
    assert.equal(kept.CopyObjectResult!.ChecksumCRC32, undefined);
    const asked = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'ck/asked',
        CopySource: source(bucket, 'ck/sha1'),
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    assert.equal(asked.CopyObjectResult!.ChecksumSHA256, sha256Base64(body));
    const attrs = await s3.send(
      new GetObjectAttributesCommand({ Bucket: bucket, Key: 'ck/asked', ObjectAttributes: ['Checksum'] }),
    );
    assert.equal(attrs.Checksum?.ChecksumSHA256, sha256Base64(body));
  });

  test('an empty object copies to an empty object', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty/src', Body: '' }));
    const out = await t
      .controlClient()
      .send(
        new CopyObjectCommand({ Bucket: bucket, Key: 'empty/dst', CopySource: source(bucket, 'empty/src') }),
      );
    assert.equal(out.CopyObjectResult!.ChecksumCRC32, crc32Base64(Buffer.alloc(0)));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'empty/dst' }));
    assert.equal(head.ContentLength, 0);
    assert.equal((await bytesOf(s3, bucket, 'empty/dst')).length, 0);
  });

  test('a multi-segment source becomes a single-segment, FULL_OBJECT copy', async () => {
    // Parts far below UploadPart's 5 MiB minimum: made through the store's interface.
    const store = t.zonal.store;
    const parts = [crypto.randomBytes(5000), crypto.randomBytes(7000), crypto.randomBytes(100)];
    const whole = Buffer.concat(parts);
    const record = await seedMultipartObject(store, bucket, 'mp/src', parts);
    assert.equal(record.segments.length, 3, 'the source is multi-segment');
    const s3 = t.controlClient();
    const out = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'mp/dst', CopySource: source(bucket, 'mp/src') }),
    );
    assert.equal(out.CopyObjectResult!.ChecksumCRC32, crc32Base64(whole));
    assert.equal(out.CopyObjectResult!.ChecksumType, 'FULL_OBJECT');
    assert.ok((await bytesOf(s3, bucket, 'mp/dst')).equals(whole));
    const copied = (await store.getObject(bucket, 'mp/dst'))!;
    assert.equal(copied.segments.length, 1);
    assert.equal(copied.multipart, false);
    const attrs = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'mp/dst',
        ObjectAttributes: ['ObjectParts', 'Checksum'],
      }),
    );
    assert.equal(attrs.ObjectParts, undefined, 'a copy has no parts');
    assert.equal(attrs.Checksum?.ChecksumType, 'FULL_OBJECT');
  });

  test('across buckets with IAM credentials', async () => {
    const s3 = t.controlClient();
    const body = crypto.randomBytes(2048);
    await s3.send(new PutObjectCommand({ Bucket: other, Key: 'x/src', Body: body }));
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'x/from-other', CopySource: source(other, 'x/src') }),
    );
    assert.ok((await bytesOf(s3, bucket, 'x/from-other')).equals(body));
    // And with a leading slash in the copy source.
    await s3.send(
      new CopyObjectCommand({
        Bucket: other,
        Key: 'x/back',
        CopySource: `/${source(bucket, 'x/from-other')}`,
      }),
    );
    assert.ok((await bytesOf(s3, other, 'x/back')).equals(body));
  });

  test('session signatures: same bucket works, another bucket is AccessDenied', async () => {
    const port = t.zonal.port;
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'sess/src', Body: 'session-copy' }));
    await t.client().send(new PutObjectCommand({ Bucket: other, Key: 'sess/foreign', Body: 'foreign' }));
    const session = await t.controlClient().send(new CreateSessionCommand({ Bucket: bucket }));
    const c = session.Credentials!;
    const credentials = {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
    const copy = async (src: string, dst: string) =>
      send(
        await signRequest(
          port,
          { method: 'PUT', path: `/${bucket}/${dst}`, headers: { 'x-amz-copy-source': src } },
          { credentials },
        ),
        port,
      );
    const ok = await copy(`/${bucket}/sess/src`, 'sess/dst');
    assert.equal(ok.status, 200, ok.body);
    assert.match(ok.body, /<CopyObjectResult[^>]*><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>/);
    assert.equal((await bytesOf(t.client(), bucket, 'sess/dst')).toString(), 'session-copy');

    const denied = await copy(`/${other}/sess/foreign`, 'sess/stolen');
    assert.equal(denied.status, 403);
    assert.equal(denied.code, 'AccessDenied');
    await expectAbsent(t.client(), bucket, 'sess/stolen');
  });

  test('missing source bucket, source key or destination bucket: 404', async () => {
    const s3 = t.controlClient();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'nf/src', Body: 'x' }));
    await expectS3Error(
      s3.send(
        new CopyObjectCommand({ Bucket: bucket, Key: 'nf/dst', CopySource: source(bucketName(), 'nf/src') }),
      ),
      'NoSuchBucket',
      404,
    );
    await expectS3Error(
      s3.send(
        new CopyObjectCommand({ Bucket: bucket, Key: 'nf/dst', CopySource: source(bucket, 'nf/none') }),
      ),
      'NoSuchKey',
      404,
    );
    await expectS3Error(
      s3.send(
        new CopyObjectCommand({ Bucket: bucketName(), Key: 'nf/dst', CopySource: source(bucket, 'nf/src') }),
      ),
      'NoSuchBucket',
      404,
    );
    await expectAbsent(s3, bucket, 'nf/dst');
  });

  test('malformed x-amz-copy-source: 400, never a crash', async () => {
    const port = t.zonal.port;
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'bad/src', Body: 'x' }));
    const before = blobFiles(t).length;
    for (const value of [
      '',
      '   ',
      'just-a-bucket',
      `/${bucket}/`,
      `${bucket}/bad/src?versionId=abc`,
      `${bucket}/bad/src?foo=bar`,
    ]) {
      const res = await send(
        await signRequest(
          port,
          { method: 'PUT', path: `/${bucket}/bad/dst`, headers: { 'x-amz-copy-source': value } },
          { credentials: ROOT_KEY },
        ),
        port,
      );
      assert.equal(res.status, 400, `${JSON.stringify(value)}: ${res.body}`);
      assert.equal(res.code, 'InvalidArgument', JSON.stringify(value));
    }
    await expectAbsent(t.client(), bucket, 'bad/dst');
    assert.equal(blobFiles(t).length, before, 'nothing stored');
    // versionId=null is the one version a directory bucket has.
    await t.controlClient().send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'bad/dst',
        CopySource: `${source(bucket, 'bad/src')}?versionId=null`,
      }),
    );
    assert.equal((await bytesOf(t.client(), bucket, 'bad/dst')).toString(), 'x');
  });

  test('x-amz-copy-source-if-* conditions fail with 412', async () => {
    const s3 = t.controlClient();
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cs/src', Body: 'cond' }));
    const future = new Date(Date.now() + 3600_000);
    const past = new Date(Date.now() - 3600_000);
    const base = { Bucket: bucket, Key: 'cs/dst', CopySource: source(bucket, 'cs/src') };
    for (const extra of [
      { CopySourceIfMatch: '"00000000000000000000000000000000"' },
      { CopySourceIfNoneMatch: put.ETag },
      { CopySourceIfModifiedSince: future },
      { CopySourceIfUnmodifiedSince: past },
    ]) {
      await expectS3Error(s3.send(new CopyObjectCommand({ ...base, ...extra })), 'PreconditionFailed', 412);
    }
    await expectAbsent(s3, bucket, 'cs/dst');
    await s3.send(
      new CopyObjectCommand({
        ...base,
        CopySourceIfMatch: put.ETag,
        CopySourceIfNoneMatch: '"other"',
        CopySourceIfModifiedSince: past,
        CopySourceIfUnmodifiedSince: future,
      }),
    );
    assert.equal((await bytesOf(s3, bucket, 'cs/dst')).toString(), 'cond');
  });

  test('destination If-None-Match: * and If-Match, as PutObject', async () => {
    const s3 = t.controlClient();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dc/src', Body: 'new' }));
    const old = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dc/dst', Body: 'old' }));
    const base = { Bucket: bucket, CopySource: source(bucket, 'dc/src') };
    await expectS3Error(
      s3.send(new CopyObjectCommand({ ...base, Key: 'dc/dst', IfNoneMatch: '*' })),
      'PreconditionFailed',
      412,
    );
    await expectS3Error(
      s3.send(
        new CopyObjectCommand({ ...base, Key: 'dc/dst', IfMatch: '"00000000000000000000000000000000"' }),
      ),
      'PreconditionFailed',
      412,
    );
    await expectS3Error(
      s3.send(new CopyObjectCommand({ ...base, Key: 'dc/none', IfMatch: old.ETag })),
      'NoSuchKey',
      404,
    );
    assert.equal((await bytesOf(s3, bucket, 'dc/dst')).toString(), 'old');
    await expectAbsent(s3, bucket, 'dc/none');
    await s3.send(new CopyObjectCommand({ ...base, Key: 'dc/dst', IfMatch: old.ETag }));
    assert.equal((await bytesOf(s3, bucket, 'dc/dst')).toString(), 'new');
    await s3.send(new CopyObjectCommand({ ...base, Key: 'dc/fresh', IfNoneMatch: '*' }));
    assert.equal((await bytesOf(s3, bucket, 'dc/fresh')).toString(), 'new');
  });

  test('tagging and annotations are 501; unsupported write headers as PutObject', async () => {
    const s3 = t.controlClient();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'tag/src', Body: 'x' }));
    const base = { Bucket: bucket, Key: 'tag/dst', CopySource: source(bucket, 'tag/src') };
    await expectS3Error(s3.send(new CopyObjectCommand({ ...base, Tagging: 'a=b' })), 'NotImplemented', 501);
    await expectS3Error(
      s3.send(new CopyObjectCommand({ ...base, TaggingDirective: 'REPLACE' })),
      'NotImplemented',
      501,
    );
    await expectS3Error(
      s3.send(new CopyObjectCommand({ ...base, AnnotationDirective: 'COPY' } as never)),
      'NotImplemented',
      501,
    );
    await expectS3Error(s3.send(new CopyObjectCommand({ ...base, ACL: 'private' })), 'NotImplemented', 501);
    await expectS3Error(
      s3.send(new CopyObjectCommand({ ...base, StorageClass: 'STANDARD' })),
      'InvalidStorageClass',
      400,
    );
    await expectAbsent(s3, bucket, 'tag/dst');
    // The default tagging directive is accepted.
    await s3.send(new CopyObjectCommand({ ...base, TaggingDirective: 'COPY' }));
    assert.equal((await bytesOf(s3, bucket, 'tag/dst')).toString(), 'x');
  });

  test('a slow copy answers 200 early, keeps the connection alive, then sends the result', async () => {
    const s3 = t.controlClient();
    const body = crypto.randomBytes(4 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'slow/src', Body: body }));
    const saved = { ...COPY_RESPONSE_TIMING };
    Object.assign(COPY_RESPONSE_TIMING, { headersAfterMs: 0, keepAliveMs: 1 });
    try {
      const out = await s3.send(
        new CopyObjectCommand({ Bucket: bucket, Key: 'slow/dst', CopySource: source(bucket, 'slow/src') }),
      );
      assert.equal(out.CopyObjectResult!.ChecksumCRC32, crc32Base64(body));
      assert.equal(out.ServerSideEncryption, 'AES256');
      // On the wire: status and declaration first, then whitespace, then the document.
      const port = t.zonal.port;
      const raw = await send(
        await signRequest(
          port,
          {
            method: 'PUT',
            path: `/${bucket}/slow/raw`,
            headers: { 'x-amz-copy-source': source(bucket, 'slow/src') },
          },
          { credentials: ROOT_KEY },
        ),
        port,
      );
      assert.equal(raw.status, 200);
      assert.equal(raw.headers['content-length'], undefined, 'streamed');
      assert.match(
        raw.body,
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n +<CopyObjectResult /,
        'whitespace kept the connection alive',
      );
    } finally {
      Object.assign(COPY_RESPONSE_TIMING, saved);
    }
    assert.ok((await bytesOf(s3, bucket, 'slow/dst')).equals(body));
  });

  test('a source that fails its checksum: 500 before the headers, an Error in the 200 body after', async () => {
    const s3 = t.controlClient({ maxAttempts: 1 });
    // Larger than a small blob (64 KiB), so the copy streams and the 200 can go out before the end.
    const body = crypto.randomBytes(1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'rot/src', Body: body }));
    const file = blobFiles(t).find((f) => fs.readFileSync(f).equals(body));
    assert.ok(file, 'found the blob');
    const damaged = Buffer.from(body);
    damaged[1000] = damaged[1000]! ^ 0xff;
    fs.writeFileSync(file, damaged);
    const blobsBefore = blobFiles(t).length;

    // Quick failure: nothing was sent yet, so it is a real 500.
    await expectS3Error(
      s3.send(
        new CopyObjectCommand({ Bucket: bucket, Key: 'rot/dst', CopySource: source(bucket, 'rot/src') }),
      ),
      'InternalError',
      500,
    );

    const saved = { ...COPY_RESPONSE_TIMING };
    Object.assign(COPY_RESPONSE_TIMING, { headersAfterMs: 0 });
    try {
      const port = t.zonal.port;
      const raw = await send(
        await signRequest(
          port,
          {
            method: 'PUT',
            path: `/${bucket}/rot/dst`,
            headers: { 'x-amz-copy-source': source(bucket, 'rot/src') },
          },
          { credentials: ROOT_KEY },
        ),
        port,
      );
      assert.equal(raw.status, 200);
      assert.equal(raw.code, 'InternalError');
      assert.match(raw.body, /<\/Error>$/, 'the body ends with </Error>, as SDKs expect');
      // The SDK turns that 200 into an error (it reports it as a 503, retryable).
      const err = await s3
        .send(
          new CopyObjectCommand({ Bucket: bucket, Key: 'rot/dst', CopySource: source(bucket, 'rot/src') }),
        )
        .then(
          () => undefined,
          (e: Error) => e,
        );
      assert.ok(err, 'the copy must fail');
      assert.equal(err.name, 'InternalError');
    } finally {
      Object.assign(COPY_RESPONSE_TIMING, saved);
    }
    await expectAbsent(s3, bucket, 'rot/dst');
    // The copy staged the whole body before its checksum failed; that blob goes in the background.
    await t.zonal.store.settled();
    assert.equal(blobFiles(t).length, blobsBefore, 'no partial copy left behind');
  });

  test('ReadOnly sessions cannot copy', async () => {
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'ro/src', Body: 'x' }));
    const session = await t
      .controlClient()
      .send(new CreateSessionCommand({ Bucket: bucket, SessionMode: 'ReadOnly' }));
    const c = session.Credentials!;
    const port = t.zonal.port;
    const res = await send(
      await signRequest(
        port,
        { method: 'PUT', path: `/${bucket}/ro/dst`, headers: { 'x-amz-copy-source': `${bucket}/ro/src` } },
        {
          credentials: {
            accessKeyId: c.AccessKeyId!,
            secretAccessKey: c.SecretAccessKey!,
            sessionToken: c.SessionToken!,
          },
        },
      ),
      port,
    );
    assert.equal(res.status, 403);
    assert.equal(res.code, 'AccessDenied');
    await expectAbsent(t.client(), bucket, 'ro/dst');
  });
});
