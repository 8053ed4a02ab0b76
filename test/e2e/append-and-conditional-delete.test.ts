import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const crc32 = (data: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(data) >>> 0);
  return out.toString('base64');
};

describe('append (x-amz-write-offset-bytes)', () => {
  let t: TestZonal;
  let bucket: string;
  let s3: S3Client;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    s3 = t.client();
  });
  after(() => t.close());

  test('appends at the current size; the object reports its full size and full-object CRC32', async () => {
    const pieces = [Buffer.from('first,'), crypto.randomBytes(100_000), Buffer.from('last')];
    let size = 0;
    for (const piece of pieces) {
      const out = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'log/a', Body: piece, WriteOffsetBytes: size }),
      );
      size += piece.length;
      assert.equal(out.Size, size);
    }
    const all = Buffer.concat(pieces);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'log/a' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(all));
    assert.equal(got.ChecksumCRC32, crc32(all));
    assert.equal(got.ChecksumType, 'FULL_OBJECT');
  });

  test('a wrong offset is InvalidWriteOffset and changes nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'log/b', Body: 'abc' }));
    for (const WriteOffsetBytes of [0, 2, 4]) {
      await expectS3Error(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'log/b', Body: 'x', WriteOffsetBytes })),
        'InvalidWriteOffset',
        400,
      );
    }
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'log/missing', Body: 'x', WriteOffsetBytes: 5 })),
      'InvalidWriteOffset',
      400,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'log/b' }));
    assert.equal(await got.Body!.transformToString(), 'abc');
  });

  test('appending to a multipart object extends it and counts its parts', async () => {
    const part = crypto.randomBytes(5 * 1024 * 1024);
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'log/mp', ChecksumAlgorithm: 'CRC32' }),
    );
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'log/mp',
        UploadId,
        PartNumber: 1,
        Body: part,
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'log/mp',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 }] },
      }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'log/mp', Body: 'tail', WriteOffsetBytes: part.length }),
    );
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'log/mp', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ContentLength, part.length + 4);
    assert.equal(head.ChecksumCRC32, crc32(Buffer.concat([part, Buffer.from('tail')])));
    // The appended object is no longer what the upload made: repeating its completion is NoSuchUpload.
    await expectS3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'log/mp',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 }] },
        }),
      ),
      'NoSuchUpload',
      404,
    );
  });

  test('concurrent appends at the same offset: exactly one wins', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'log/race', Body: 'base' }));
    const results = await Promise.allSettled(
      ['A', 'B', 'C', 'D'].map((c) =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'log/race',
            Body: c.repeat(1000),
            WriteOffsetBytes: 4,
          }),
        ),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'log/race' }));
    assert.equal(head.ContentLength, 1004);
  });
});

describe('conditional DeleteObject', () => {
  let t: TestZonal;
  let bucket: string;
  let s3: S3Client;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    s3 = t.client();
  });
  after(() => t.close());

  test('If-Match, x-amz-if-match-last-modified-time and x-amz-if-match-size must all hold', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'd/x', Body: '12345' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'd/x' }));
    const del = (extra: object) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'd/x', ...extra }));
    await expectS3Error(del({ IfMatch: '"ffff"' }), 'PreconditionFailed', 412);
    await expectS3Error(del({ IfMatchSize: 4 }), 'PreconditionFailed', 412);
    await expectS3Error(
      del({ IfMatchLastModifiedTime: new Date(head.LastModified!.getTime() - 5000) }),
      'PreconditionFailed',
      412,
    );
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'd/x' })); // still there
    await del({ IfMatch: put.ETag, IfMatchSize: 5, IfMatchLastModifiedTime: head.LastModified });
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'd/x' })), 'NotFound', 404);
    // Conditions on an absent object: nothing to delete, 204.
    const gone = await del({ IfMatchSize: 5 });
    assert.equal(gone.$metadata.httpStatusCode, 204);
  });
});
