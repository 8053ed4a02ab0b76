import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
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

function crc32Base64(data: Buffer | string): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(Buffer.from(data)) >>> 0);
  return out.toString('base64');
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

async function put(s3: S3Client, bucket: string, ...keys: string[]): Promise<void> {
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
}

describe('DeleteObjects', () => {
  let t: TestZonal;
  let bucket: string;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  /** A hand-signed POST ?delete, to send what the SDK never would. */
  async function rawDelete(body: string, headers: Record<string, string>) {
    const port = t.zonal.port;
    return send(
      await signRequest(
        port,
        { method: 'POST', path: `/${bucket}/`, query: { delete: '' }, headers, body },
        { credentials: ROOT_KEY },
      ),
      port,
    );
  }

  test('deletes keys, reports each one (missing keys too), and empties directories', async () => {
    for (const [name, s3] of [
      ['session client', t.client()],
      ['IAM client', t.controlClient()],
    ] as const) {
      const dir = name.split(' ')[0]!;
      await put(s3, bucket, `${dir}/a/b/one`, `${dir}/a/two`, `${dir}/keep`);
      const out = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: {
            Objects: [{ Key: `${dir}/a/b/one` }, { Key: `${dir}/a/two` }, { Key: `${dir}/never-existed` }],
          },
        }),
      );
      assert.deepEqual(
        out.Deleted?.map((d) => d.Key).sort(),
        [`${dir}/a/b/one`, `${dir}/a/two`, `${dir}/never-existed`],
        name,
      );
      assert.equal(out.Errors, undefined, name);
      const list = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${dir}/`, Delimiter: '/' }),
      );
      assert.deepEqual(
        list.Contents?.map((c) => c.Key),
        [`${dir}/keep`],
        name,
      );
      assert.equal(list.CommonPrefixes, undefined, `${name}: the emptied directory a/ is gone`);
    }
  });

  test('Quiet mode reports only errors', async () => {
    const s3 = t.client();
    await put(s3, bucket, 'quiet/1', 'quiet/2');
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Quiet: true,
          Objects: [{ Key: 'quiet/1' }, { Key: 'quiet/2' }, { Key: 'quiet/3', ETag: '"x"' }],
        },
      }),
    );
    assert.equal(out.Deleted, undefined);
    assert.equal(out.Errors, undefined, 'an absent key with a condition is simply absent');
    assert.equal(await exists(s3, bucket, 'quiet/1'), false);
    assert.equal(await exists(s3, bucket, 'quiet/2'), false);
  });

  test('ETag, LastModifiedTime and Size are per-key conditions', async () => {
    const s3 = t.client();
    await put(s3, bucket, 'cond/etag', 'cond/time', 'cond/size');
    const heads = Object.fromEntries(
      await Promise.all(
        ['cond/etag', 'cond/time', 'cond/size'].map(
          async (k) => [k, await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k }))] as const,
        ),
      ),
    );
    const wrong = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Objects: [
            { Key: 'cond/etag', ETag: '"00000000000000000000000000000000"' },
            { Key: 'cond/time', LastModifiedTime: new Date(Date.now() - 86_400_000) },
            { Key: 'cond/size', Size: 999 },
          ],
        },
      }),
    );
    assert.equal(wrong.Deleted, undefined);
    assert.deepEqual(wrong.Errors?.map((e) => [e.Key, e.Code]).sort(), [
      ['cond/etag', 'PreconditionFailed'],
      ['cond/size', 'PreconditionFailed'],
      ['cond/time', 'PreconditionFailed'],
    ]);
    for (const e of wrong.Errors ?? []) assert.ok(e.Message, 'each error has a message');
    for (const key of ['cond/etag', 'cond/time', 'cond/size']) assert.ok(await exists(s3, bucket, key), key);

    const right = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Objects: [
            { Key: 'cond/etag', ETag: heads['cond/etag']!.ETag },
            { Key: 'cond/time', LastModifiedTime: heads['cond/time']!.LastModified },
            { Key: 'cond/size', Size: heads['cond/size']!.ContentLength },
          ],
        },
      }),
    );
    assert.equal(right.Errors, undefined);
    assert.equal(right.Deleted?.length, 3);
    for (const key of ['cond/etag', 'cond/time', 'cond/size'])
      assert.equal(await exists(s3, bucket, key), false);
  });

  test('keys round-trip exactly: spaces, XML specials, line breaks', async () => {
    const s3 = t.client();
    const keys = [
      ' spaced/key ',
      'xml/a&b<c>"d\'e',
      'lines/a\nb\r\nc\td',
      'ls/a\u2028b',
      'ключ/日本語',
      'ent/&amp;&#x41;',
    ];
    await put(s3, bucket, ...keys);
    const out = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    assert.deepEqual(out.Deleted?.map((d) => d.Key).sort(), [...keys].sort());
    for (const key of keys) assert.equal(await exists(s3, bucket, key), false, JSON.stringify(key));

    // CDATA and character references in a hand-written document. U+0085 is a control
    // character: refused for that key (and never mistaken for the key without it).
    await put(s3, bucket, 'raw/<a&b>', 'raw/xy');
    const body =
      '<Delete><Object><Key><![CDATA[raw/<a&b>]]></Key></Object><Object><Key>raw/x&#x85;y</Key></Object></Delete>';
    const raw = await rawDelete(body, { 'x-amz-checksum-crc32': crc32Base64(body) });
    assert.equal(raw.status, 200, raw.body);
    assert.match(raw.body, /<Deleted><Key>raw\/&lt;a&amp;b&gt;<\/Key><\/Deleted>/);
    assert.match(raw.body, /<Error><Key>raw\/x&#x85;y<\/Key><Code>InvalidArgument<\/Code>/);
    assert.equal(await exists(s3, bucket, 'raw/<a&b>'), false);
    assert.equal(await exists(s3, bucket, 'raw/xy'), true);
  });

  test('invalid keys and version ids fail per key, the rest proceeds', async () => {
    const s3 = t.client();
    await put(s3, bucket, 'inv/ok', 'inv/versioned');
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Objects: [
            { Key: '   ' },
            { Key: 'inv/ok' },
            { Key: 'inv/versioned', VersionId: '3HL4kqtJlcpXroDTDmJ' },
            { Key: 'k'.repeat(1025) },
          ],
        },
      }),
    );
    assert.deepEqual(
      out.Deleted?.map((d) => d.Key),
      ['inv/ok'],
    );
    const errors = new Map(out.Errors?.map((e) => [e.Key, e.Code]));
    assert.equal(errors.get('   '), 'InvalidArgument');
    assert.equal(errors.get('inv/versioned'), 'InvalidArgument');
    assert.equal(errors.get('k'.repeat(1025)), 'KeyTooLongError');
    assert.ok(await exists(s3, bucket, 'inv/versioned'));
    // versionId "null" is the one version there is.
    const nul = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'inv/versioned', VersionId: 'null' }] },
      }),
    );
    assert.deepEqual(
      nul.Deleted?.map((d) => d.Key),
      ['inv/versioned'],
    );

    // Control characters other than tab/LF/CR (raw XML: the SDK cannot serialise them).
    const body =
      '<Delete><Object><Key>ctl&#x1F;key</Key></Object><Object><Key>inv/none</Key></Object></Delete>';
    const raw = await rawDelete(body, { 'x-amz-checksum-crc32': crc32Base64(body) });
    assert.equal(raw.status, 200, raw.body);
    assert.match(raw.body, /<Error><Key>ctl&#x1F;key<\/Key><Code>InvalidArgument<\/Code>/);
    assert.match(raw.body, /<Deleted><Key>inv\/none<\/Key><\/Deleted>/);
  });

  test('more than 1000 or zero objects: 400 MalformedXML', async () => {
    const s3 = t.client();
    await put(s3, bucket, 'many/0');
    const objects = Array.from({ length: 1001 }, (_, i) => ({ Key: `many/${i}` }));
    await expectS3Error(
      s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } })),
      'MalformedXML',
      400,
    );
    assert.ok(await exists(s3, bucket, 'many/0'), 'nothing deleted');
    await expectS3Error(
      s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [] } })),
      'MalformedXML',
      400,
    );
    const thousand = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects.slice(0, 1000), Quiet: true } }),
    );
    assert.equal(thousand.Errors, undefined);
    assert.equal(await exists(s3, bucket, 'many/0'), false);
  });

  test('malformed documents: 400 MalformedXML', async () => {
    await put(t.client(), bucket, 'mal/x');
    for (const body of [
      '<Delete><Object><Key>mal/x</Key></Object>',
      'not xml at all',
      '<Remove><Object><Key>mal/x</Key></Object></Remove>',
      '<Delete><Object><ETag>"x"</ETag></Object></Delete>',
      '<Delete><Object><Key>mal/x</Key><Size>big</Size></Object></Delete>',
      '<Delete><Object><Key>mal/x</Key><LastModifiedTime>yesterday</LastModifiedTime></Object></Delete>',
      '<Delete><Quiet>maybe</Quiet><Object><Key>mal/x</Key></Object></Delete>',
    ]) {
      const res = await rawDelete(body, { 'x-amz-checksum-crc32': crc32Base64(body) });
      assert.equal(res.status, 400, body);
      assert.equal(res.code, 'MalformedXML', body);
    }
    assert.ok(await exists(t.client(), bucket, 'mal/x'));
  });

  test('the body checksum is required and verified; Content-MD5 is 501', async () => {
    await put(t.client(), bucket, 'sum/x');
    const body = '<Delete><Object><Key>sum/x</Key></Object></Delete>';
    const missing = await rawDelete(body, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.code, 'InvalidRequest');
    assert.match(missing.body, /Content-MD5 OR x-amz-checksum-\*/);

    const wrong = await rawDelete(body, { 'x-amz-checksum-crc32': crc32Base64('something else') });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.code, 'BadDigest');

    const md5 = await rawDelete(body, { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' });
    assert.equal(md5.status, 501);
    assert.equal(md5.code, 'NotImplemented');
    assert.ok(await exists(t.client(), bucket, 'sum/x'), 'nothing deleted by refused requests');

    const sha = await rawDelete(body, {
      'x-amz-checksum-sha256': (await import('node:crypto'))
        .createHash('sha256')
        .update(body)
        .digest('base64'),
    });
    assert.equal(sha.status, 200, sha.body);
    assert.equal(await exists(t.client(), bucket, 'sum/x'), false);
  });

  test('a missing bucket is 404; a ReadOnly session is denied', async () => {
    await expectS3Error(
      t
        .controlClient()
        .send(new DeleteObjectsCommand({ Bucket: bucketName(), Delete: { Objects: [{ Key: 'a' }] } })),
      'NoSuchBucket',
      404,
    );
    await put(t.client(), bucket, 'ro/x');
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
    await expectS3Error(
      ro.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'ro/x' }] } })),
      'AccessDenied',
      403,
    );
    assert.ok(await exists(t.client(), bucket, 'ro/x'));
  });
});
