import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  CreateSessionCommand,
  GetObjectAttributesCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ObjectRecord } from '../../src/storage/types.js';
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

describe('GetObjectAttributes', () => {
  let t: TestZonal;
  let bucket: string;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  /**
   * A three-part object with per-part CRC32s, made through the store's interface (parts far
   * below the 5 MiB minimum that UploadPart enforces for all but the last).
   */
  async function seedMultipart(
    key: string,
    sizes: number[],
  ): Promise<{ parts: Buffer[]; record: ObjectRecord }> {
    const parts = sizes.map((n) => crypto.randomBytes(n));
    const record = await seedMultipartObject(t.zonal.store, bucket, key, parts);
    assert.equal(record.segments.length, sizes.length);
    return { parts, record };
  }

  test('returns the requested attributes of a simple object; the ETag is unquoted', async () => {
    for (const [name, s3] of [
      ['session client', t.client()],
      ['IAM client', t.controlClient()],
      ['virtual-hosted client', t.vhostClient()],
    ] as const) {
      const body = crypto.randomBytes(12_345);
      const key = `simple/${name.replace(/ /g, '-')}`;
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const out = await s3.send(
        new GetObjectAttributesCommand({
          Bucket: bucket,
          Key: key,
          ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'],
        }),
      );
      assert.equal(out.ETag, put.ETag!.slice(1, -1), name);
      assert.deepEqual(out.Checksum, { ChecksumCRC32: crc32Base64(body), ChecksumType: 'FULL_OBJECT' }, name);
      assert.equal(out.ObjectParts, undefined, `${name}: a single PUT has no parts`);
      assert.equal(out.StorageClass, 'EXPRESS_ONEZONE', name);
      assert.equal(out.ObjectSize, body.length, name);
      assert.equal(out.LastModified?.getTime(), head.LastModified?.getTime(), name);
    }
  });

  test('only the requested attributes are returned', async () => {
    const s3 = t.client();
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'subset/o', Body: 'abc', ChecksumAlgorithm: 'SHA256' }),
    );
    const out = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'subset/o',
        ObjectAttributes: ['ObjectSize', 'Checksum'],
      }),
    );
    assert.equal(out.ObjectSize, 3);
    assert.equal(out.Checksum?.ChecksumSHA256, crypto.createHash('sha256').update('abc').digest('base64'));
    assert.equal(out.ETag, undefined);
    assert.equal(out.StorageClass, undefined);
    assert.ok(out.LastModified instanceof Date, 'Last-Modified is always there');
  });

  test('multipart objects list their parts, with paging', async () => {
    const { parts, record } = await seedMultipart('mp/seeded', [5000, 7000, 100]);
    const s3 = t.client();
    const all = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'mp/seeded',
        ObjectAttributes: ['ObjectParts', 'Checksum', 'ETag', 'ObjectSize'],
      }),
    );
    assert.equal(all.ETag, record.etag.slice(1, -1));
    assert.deepEqual(all.Checksum, { ChecksumCRC32: record.checksums.crc32, ChecksumType: 'COMPOSITE' });
    assert.equal(all.ObjectSize, 12_100);
    const op = all.ObjectParts!;
    assert.equal(op.TotalPartsCount, 3);
    assert.equal(op.IsTruncated, false);
    assert.equal(op.MaxParts, 1000);
    assert.deepEqual(
      op.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32]),
      parts.map((p, i) => [i + 1, p.length, crc32Base64(p)]),
    );

    const first = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'mp/seeded',
        ObjectAttributes: ['ObjectParts'],
        MaxParts: 2,
      }),
    );
    assert.equal(first.ObjectParts?.IsTruncated, true);
    assert.equal(first.ObjectParts?.MaxParts, 2);
    assert.equal(String(first.ObjectParts?.NextPartNumberMarker), '2');
    assert.deepEqual(
      first.ObjectParts?.Parts?.map((p) => p.PartNumber),
      [1, 2],
    );
    const rest = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'mp/seeded',
        ObjectAttributes: ['ObjectParts'],
        MaxParts: 2,
        PartNumberMarker: first.ObjectParts!.NextPartNumberMarker,
      }),
    );
    assert.equal(rest.ObjectParts?.IsTruncated, false);
    assert.equal(String(rest.ObjectParts?.PartNumberMarker), '2');
    assert.deepEqual(
      rest.ObjectParts?.Parts?.map((p) => p.PartNumber),
      [3],
    );
    assert.equal(rest.ObjectParts?.TotalPartsCount, 3);
  });

  test('an object completed by multipart upload lists its parts', async () => {
    const s3 = t.client();
    const key = 'mp/uploaded';
    const part1 = crypto.randomBytes(5 * 1024 * 1024);
    const part2 = crypto.randomBytes(1234);
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32' }),
    );
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: part1,
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: 2,
        Body: part2,
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 },
            { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 },
          ],
        },
      }),
    );
    const out = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: key,
        ObjectAttributes: ['ObjectParts', 'Checksum', 'ETag'],
      }),
    );
    assert.equal(out.ETag, done.ETag!.slice(1, -1));
    assert.equal(out.ObjectParts?.TotalPartsCount, 2);
    assert.deepEqual(
      out.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32]),
      [
        [1, part1.length, crc32Base64(part1)],
        [2, part2.length, crc32Base64(part2)],
      ],
    );
    assert.equal(out.Checksum?.ChecksumCRC32, done.ChecksumCRC32);
    assert.equal(out.Checksum?.ChecksumType, done.ChecksumType);
  });

  test('invalid or missing attributes, max-parts, marker, version: 400 InvalidArgument', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'inv/o', Body: 'x' }));
    const base = { Bucket: bucket, Key: 'inv/o' };
    await expectS3Error(
      s3.send(new GetObjectAttributesCommand({ ...base, ObjectAttributes: ['Colour' as 'ETag'] })),
      'InvalidArgument',
      400,
    );
    await expectS3Error(
      s3.send(new GetObjectAttributesCommand({ ...base, ObjectAttributes: ['ETag'], MaxParts: -1 })),
      'InvalidArgument',
      400,
    );
    await expectS3Error(
      s3.send(
        new GetObjectAttributesCommand({ ...base, ObjectAttributes: ['ETag'], PartNumberMarker: 'abc' }),
      ),
      'InvalidArgument',
      400,
    );
    await expectS3Error(
      s3.send(new GetObjectAttributesCommand({ ...base, ObjectAttributes: ['ETag'], VersionId: 'abc' })),
      'InvalidArgument',
      400,
    );
    const nul = await s3.send(
      new GetObjectAttributesCommand({ ...base, ObjectAttributes: ['ObjectSize'], VersionId: 'null' }),
    );
    assert.equal(nul.ObjectSize, 1);

    const port = t.zonal.port;
    const cases: Record<string, string>[] = [
      {},
      { 'x-amz-object-attributes': '' },
      { 'x-amz-object-attributes': 'ETag,etag' },
    ];
    for (const headers of cases) {
      const res = await send(
        await signRequest(
          port,
          { method: 'GET', path: `/${bucket}/inv/o`, query: { attributes: '' }, headers },
          { credentials: ROOT_KEY },
        ),
        port,
      );
      assert.equal(res.status, 400, JSON.stringify(headers));
      assert.equal(res.code, 'InvalidArgument', JSON.stringify(headers));
    }
  });

  test('missing key or bucket: 404', async () => {
    const s3 = t.client();
    await expectS3Error(
      s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'nope', ObjectAttributes: ['ETag'] })),
      'NoSuchKey',
      404,
    );
    await expectS3Error(
      t
        .controlClient()
        .send(
          new GetObjectAttributesCommand({ Bucket: bucketName(), Key: 'nope', ObjectAttributes: ['ETag'] }),
        ),
      'NoSuchBucket',
      404,
    );
  });

  test('a ReadOnly session may call it', async () => {
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'ro/o', Body: 'read-only' }));
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
    const out = await ro.send(
      new GetObjectAttributesCommand({ Bucket: bucket, Key: 'ro/o', ObjectAttributes: ['ObjectSize'] }),
    );
    assert.equal(out.ObjectSize, 9);
    await expectS3Error(
      ro.send(new PutObjectCommand({ Bucket: bucket, Key: 'ro/w', Body: 'x' })),
      'AccessDenied',
      403,
    );
  });
});
