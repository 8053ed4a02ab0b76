import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  RenameObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { send, signRequest } from '../helpers/raw-signing.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

async function text(s3: S3Client, bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return got.Body!.transformToString();
}

async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'NotFound') return false;
    throw err;
  }
}

function blobCount(t: TestZonal): number {
  let n = 0;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else if (/^[0-9a-f]{32}$/.test(entry.name)) n += 1;
    }
  };
  walk(t.dataDir);
  return n;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RenameObject', () => {
  let t: TestZonal;
  let bucket: string;
  let other: string;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    other = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(other)));
  });
  after(() => t.close());

  const rename = (s3: S3Client, from: string, to: string, extra: object = {}) =>
    s3.send(
      new RenameObjectCommand({ Bucket: bucket, Key: to, RenameSource: `${bucket}/${from}`, ...extra }),
    );

  test('moves the object: same bytes, ETag, checksum, metadata and Last-Modified', async () => {
    for (const [name, s3] of [
      ['session', t.client()],
      ['iam', t.controlClient()],
      ['vhost', t.vhostClient()],
    ] as const) {
      const body = crypto.randomBytes(100_000);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${name}/from/a b+c.bin`,
          Body: body,
          ContentType: 'application/x-demo',
          Metadata: { owner: name },
        }),
      );
      const before = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: `${name}/from/a b+c.bin`, ChecksumMode: 'ENABLED' }),
      );
      await sleep(name === 'session' ? 1100 : 0); // so that a new Last-Modified would show
      const out = await s3.send(
        new RenameObjectCommand({
          Bucket: bucket,
          Key: `${name}/to/renamed.bin`,
          RenameSource: `/${bucket}/${encodeURIComponent(`${name}/from/a b+c.bin`)}`,
        }),
      );
      assert.equal(out.$metadata.httpStatusCode, 200, name);
      const moved = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: `${name}/to/renamed.bin`, ChecksumMode: 'ENABLED' }),
      );
      assert.equal(moved.ETag, before.ETag, name);
      assert.equal(moved.LastModified?.getTime(), before.LastModified?.getTime(), name);
      assert.equal(moved.ChecksumCRC32, before.ChecksumCRC32, name);
      assert.equal(moved.ContentType, 'application/x-demo', name);
      assert.deepEqual(moved.Metadata, { owner: name }, name);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${name}/to/renamed.bin` }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), name);
      assert.equal(await exists(s3, bucket, `${name}/from/a b+c.bin`), false, name);
      const list = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${name}/`, Delimiter: '/' }),
      );
      assert.deepEqual(
        list.CommonPrefixes?.map((p) => p.Prefix),
        [`${name}/to/`],
        `${name}: the emptied source directory is gone`,
      );
    }
  });

  test('replaces an existing destination and frees its bytes', async () => {
    const s3 = t.client();
    // Larger than the inline limit, so each body is a blob file that can be counted.
    const [fresh, stale] = ['new', 'old'].map((word) => word.repeat(40_000));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'over/src', Body: fresh }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'over/dst', Body: stale }));
    const blobs = blobCount(t);
    await rename(s3, 'over/src', 'over/dst');
    assert.equal(await text(s3, bucket, 'over/dst'), fresh);
    assert.equal(await exists(s3, bucket, 'over/src'), false);
    await t.zonal.store.settled(); // freed blobs go in the background
    assert.equal(blobCount(t), blobs - 1, "the old destination's blob is removed");
  });

  test('missing source: 404 NoSuchKey; missing bucket: 404 NoSuchBucket', async () => {
    const s3 = t.client();
    await expectS3Error(rename(s3, 'nope/src', 'nope/dst'), 'NoSuchKey', 404);
    await expectS3Error(
      t
        .controlClient()
        .send(new RenameObjectCommand({ Bucket: bucketName(), Key: 'k', RenameSource: `${bucketName()}/k` })),
      'NoSuchBucket',
      404,
    );
    assert.equal(await exists(s3, bucket, 'nope/dst'), false);
  });

  test('the source must be in the same bucket and well formed', async () => {
    const s3 = t.controlClient();
    await s3.send(new PutObjectCommand({ Bucket: other, Key: 'xb/src', Body: 'x' }));
    await expectS3Error(
      s3.send(new RenameObjectCommand({ Bucket: bucket, Key: 'xb/dst', RenameSource: `${other}/xb/src` })),
      'InvalidRequest',
      400,
    );
    assert.ok(await exists(s3, other, 'xb/src'));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'wf/src', Body: 'x' }));
    for (const RenameSource of [bucket, `${bucket}/`, `/${bucket}`, `${bucket}/wf/src?versionId=abc`, '%']) {
      await expectS3Error(
        s3.send(new RenameObjectCommand({ Bucket: bucket, Key: 'wf/dst', RenameSource })),
        'InvalidArgument',
        400,
      );
    }
    // An empty header (which the SDK would not send) is refused too.
    const port = t.zonal.port;
    const res = await send(
      await signRequest(
        port,
        {
          method: 'PUT',
          path: `/${bucket}/wf/dst`,
          query: { renameObject: '' },
          headers: { 'x-amz-rename-source': '' },
        },
        { credentials: ROOT_KEY },
      ),
      port,
    );
    assert.equal(res.status, 400);
    assert.equal(res.code, 'InvalidArgument');
    assert.equal(await exists(s3, bucket, 'wf/dst'), false);
    await s3.send(
      new RenameObjectCommand({
        Bucket: bucket,
        Key: 'wf/dst',
        RenameSource: `${bucket}/wf/src?versionId=null`,
      }),
    );
    assert.equal(await text(s3, bucket, 'wf/dst'), 'x');
  });

  test('keys ending in a slash are refused', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'slash/src', Body: 'x' }));
    await expectS3Error(rename(s3, 'slash/src', 'slash/dir/'), 'InvalidRequest', 400);
    await expectS3Error(rename(s3, 'slash/', 'slash/dst'), 'InvalidRequest', 400);
    assert.ok(await exists(s3, bucket, 'slash/src'));
  });

  test('destination conditions', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dc/src', Body: 'src' }));
    const dst = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dc/dst', Body: 'dst' }));
    const past = new Date(Date.now() - 3600_000);
    const future = new Date(Date.now() + 3600_000);
    const failures: [object, string, string, number][] = [
      [{ DestinationIfNoneMatch: '*' }, 'dc/dst', 'PreconditionFailed', 412],
      [{ DestinationIfMatch: '"00000000000000000000000000000000"' }, 'dc/dst', 'PreconditionFailed', 412],
      [{ DestinationIfMatch: dst.ETag }, 'dc/none', 'NoSuchKey', 404],
      [{ DestinationIfModifiedSince: future }, 'dc/dst', 'PreconditionFailed', 412],
      [{ DestinationIfModifiedSince: past }, 'dc/none', 'PreconditionFailed', 412],
      [{ DestinationIfUnmodifiedSince: past }, 'dc/dst', 'PreconditionFailed', 412],
    ];
    for (const [extra, to, code, status] of failures) {
      await expectS3Error(rename(s3, 'dc/src', to, extra), code, status);
    }
    assert.equal(await text(s3, bucket, 'dc/src'), 'src', 'failed renames change nothing');
    assert.equal(await text(s3, bucket, 'dc/dst'), 'dst');
    assert.equal(await exists(s3, bucket, 'dc/none'), false);

    await rename(s3, 'dc/src', 'dc/dst', {
      DestinationIfMatch: dst.ETag,
      DestinationIfModifiedSince: past,
      DestinationIfUnmodifiedSince: future,
    });
    assert.equal(await text(s3, bucket, 'dc/dst'), 'src');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dc/src2', Body: 'src2' }));
    await rename(s3, 'dc/src2', 'dc/fresh', {
      DestinationIfNoneMatch: '*',
      DestinationIfUnmodifiedSince: past,
    });
    assert.equal(await text(s3, bucket, 'dc/fresh'), 'src2');
  });

  test('source conditions', async () => {
    const s3 = t.client();
    const src = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sc/src', Body: 'src' }));
    const past = new Date(Date.now() - 3600_000);
    const future = new Date(Date.now() + 3600_000);
    for (const extra of [
      { SourceIfMatch: '"00000000000000000000000000000000"' },
      { SourceIfNoneMatch: src.ETag },
      { SourceIfNoneMatch: '*' },
      { SourceIfModifiedSince: future },
      { SourceIfUnmodifiedSince: past },
    ]) {
      await expectS3Error(rename(s3, 'sc/src', 'sc/dst', extra), 'PreconditionFailed', 412);
    }
    assert.equal(await exists(s3, bucket, 'sc/dst'), false);
    await rename(s3, 'sc/src', 'sc/dst', {
      SourceIfMatch: src.ETag,
      SourceIfNoneMatch: '"other"',
      SourceIfModifiedSince: past,
      SourceIfUnmodifiedSince: future,
    });
    assert.equal(await text(s3, bucket, 'sc/dst'), 'src');
  });

  test('client tokens make retries idempotent; reuse with other parameters is refused', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'tok/src', Body: 'once' }));
    const ClientToken = crypto.randomUUID();
    await rename(s3, 'tok/src', 'tok/dst', { ClientToken });
    // The retry succeeds without doing anything (the source is already gone).
    const retry = await rename(s3, 'tok/src', 'tok/dst', { ClientToken });
    assert.equal(retry.$metadata.httpStatusCode, 200);
    assert.equal(await text(s3, bucket, 'tok/dst'), 'once');
    await expectS3Error(
      rename(s3, 'tok/src', 'tok/elsewhere', { ClientToken }),
      'IdempotencyParameterMismatch',
      400,
    );
    await expectS3Error(
      rename(s3, 'tok/src', 'tok/dst', { ClientToken, SourceIfMatch: '"x"' }),
      'IdempotencyParameterMismatch',
      400,
    );
    // Without the token the same request is a new rename: the source is missing.
    await expectS3Error(
      rename(s3, 'tok/src', 'tok/dst', { ClientToken: crypto.randomUUID() }),
      'NoSuchKey',
      404,
    );
    for (const bad of ['has space', 'x'.repeat(65), 'tab\tchar']) {
      await expectS3Error(rename(s3, 'tok/dst', 'tok/bad', { ClientToken: bad }), 'InvalidArgument', 400);
    }
    assert.equal(await exists(s3, bucket, 'tok/bad'), false);
    assert.equal(await exists(s3, bucket, 'tok/elsewhere'), false);
  });

  test('renaming an object onto itself changes nothing', async () => {
    const s3 = t.client();
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'same/o', Body: 'same' }));
    await rename(s3, 'same/o', 'same/o');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'same/o' }));
    assert.equal(head.ETag, put.ETag);
    assert.equal(await text(s3, bucket, 'same/o'), 'same');
    await expectS3Error(
      rename(s3, 'same/o', 'same/o', { DestinationIfNoneMatch: '*' }),
      'PreconditionFailed',
      412,
    );
    await expectS3Error(rename(s3, 'same/none', 'same/none'), 'NoSuchKey', 404);
  });

  test('ReadOnly sessions cannot rename', async () => {
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'ro/src', Body: 'x' }));
    const session = await t
      .controlClient()
      .send(new CreateSessionCommand({ Bucket: bucket, SessionMode: 'ReadOnly' }));
    const c = session.Credentials!;
    const ro = t.client({
      s3ExpressIdentityProvider: {
        getS3ExpressIdentity: async () => ({
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken!,
          expiration: c.Expiration,
        }),
      },
    });
    await expectS3Error(rename(ro, 'ro/src', 'ro/dst'), 'AccessDenied', 403);
    assert.ok(await exists(t.client(), bucket, 'ro/src'));
    assert.equal(await exists(t.client(), bucket, 'ro/dst'), false);
  });
});
