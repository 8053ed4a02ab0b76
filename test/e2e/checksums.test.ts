import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type ChecksumAlgorithm,
  type S3Client,
} from '@aws-sdk/client-s3';
import { computeChecksum, type ChecksumAlgorithm as Alg } from '../../src/protocol/checksums.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const ALGORITHMS: [
  ChecksumAlgorithm,
  Alg,
  'ChecksumCRC32' | 'ChecksumCRC32C' | 'ChecksumCRC64NVME' | 'ChecksumSHA1' | 'ChecksumSHA256',
][] = [
  ['CRC32', 'crc32', 'ChecksumCRC32'],
  ['CRC32C', 'crc32c', 'ChecksumCRC32C'],
  ['CRC64NVME', 'crc64nvme', 'ChecksumCRC64NVME'],
  ['SHA1', 'sha1', 'ChecksumSHA1'],
  ['SHA256', 'sha256', 'ChecksumSHA256'],
];

describe('checksum algorithms, in headers and in aws-chunked trailers', () => {
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

  for (const [apiName, alg, field] of ALGORITHMS) {
    test(`${apiName}: header (buffer body) and trailer (streamed body) are verified and returned`, async () => {
      const data = crypto.randomBytes(200_000);
      const expected = computeChecksum(alg, data);
      // A Buffer body: the SDK sends the checksum in a header.
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `sum/${apiName}/h`,
          Body: data,
          ChecksumAlgorithm: apiName,
        }),
      );
      assert.equal(put[field], expected);
      // A stream body: the SDK sends aws-chunked with the checksum in a trailer.
      const streamed = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `sum/${apiName}/t`,
          Body: Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]),
          ContentLength: data.length,
          ChecksumAlgorithm: apiName,
        }),
      );
      assert.equal(streamed[field], expected);
      for (const key of [`sum/${apiName}/h`, `sum/${apiName}/t`]) {
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
        );
        assert.equal(head[field], expected, key);
        const got = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
        );
        assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data));
      }
    });

    test(`${apiName}: a wrong value is BadDigest and nothing is stored`, async () => {
      const wrong = computeChecksum(alg, Buffer.from('something else'));
      await expectS3Error(
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `sum/${apiName}/bad`,
            Body: 'payload',
            [field]: wrong,
          }),
        ),
        'BadDigest',
        400,
      );
      await expectS3Error(
        s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `sum/${apiName}/bad` })),
        'NotFound',
        404,
      );
    });
  }

  test('two checksum headers at once are InvalidRequest', async () => {
    await expectS3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'sum/two',
          Body: 'x',
          ChecksumCRC32: computeChecksum('crc32', Buffer.from('x')),
          ChecksumSHA256: computeChecksum('sha256', Buffer.from('x')),
        }),
      ),
      'InvalidRequest',
      400,
    );
  });
});
