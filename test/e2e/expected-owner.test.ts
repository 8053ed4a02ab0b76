import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  CreateSessionCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  expectHttpStatus,
  expectS3Error,
  type TestZonal,
} from '../helpers/zonal-fixture.js';
import { ACCOUNT_A, ACCOUNT_B, B_ROOT, startTwoAccountZonal } from '../helpers/two-accounts.js';

const A = ACCOUNT_A;
const B = ACCOUNT_B;

/**
 * The bucket owner condition: `x-amz-expected-bucket-owner` and
 * `x-amz-source-expected-bucket-owner` (the SDK's ExpectedBucketOwner and
 * ExpectedSourceBucketOwner) must name the owning account, else 403 and nothing changes.
 */
describe('expected bucket owner', () => {
  let t: TestZonal;
  let bucket: string;
  let sourceOfB: string;

  before(async () => {
    t = await startTwoAccountZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'existing', Body: 'kept' }));
    // A bucket of B with a policy that lets A read it: a cross-account copy source.
    sourceOfB = bucketName();
    const controlB = t.controlClient({ credentials: B_ROOT });
    await controlB.send(new CreateBucketCommand(createBucketInput(sourceOfB)));
    await t
      .client({ credentials: B_ROOT })
      .send(new PutObjectCommand({ Bucket: sourceOfB, Key: 'src', Body: 'of B' }));
    await controlB.send(
      new PutBucketPolicyCommand({
        Bucket: sourceOfB,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${A}:root` },
              Action: 's3express:CreateSession',
              Resource: `arn:aws:s3express:us-east-1:${B}:bucket/${sourceOfB}`,
            },
          ],
        }),
      }),
    );
  });
  after(() => t.close());

  test('PutObject: the right owner is 200, a wrong one 403 and nothing is stored', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'right', Body: 'x', ExpectedBucketOwner: A }));
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'wrong', Body: 'x', ExpectedBucketOwner: B })),
      'AccessDenied',
      403,
    );
    await expectHttpStatus(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'wrong' })), 404);
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'existing', Body: 'new', ExpectedBucketOwner: B })),
      'AccessDenied',
      403,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'existing' }));
    assert.equal(await got.Body!.transformToString(), 'kept');
  });

  test('reads, listings, deletes, uploads and HeadBucket check the owner too', async () => {
    const s3 = t.client();
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'existing', ExpectedBucketOwner: A }),
    );
    assert.equal(await got.Body!.transformToString(), 'kept');
    await s3.send(new ListObjectsV2Command({ Bucket: bucket, ExpectedBucketOwner: A }));
    await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: A }));

    const wrong = { Bucket: bucket, ExpectedBucketOwner: B };
    await expectS3Error(s3.send(new GetObjectCommand({ ...wrong, Key: 'existing' })), 'AccessDenied', 403);
    await expectHttpStatus(s3.send(new HeadObjectCommand({ ...wrong, Key: 'existing' })), 403);
    await expectS3Error(s3.send(new ListObjectsV2Command(wrong)), 'AccessDenied', 403);
    await expectHttpStatus(s3.send(new HeadBucketCommand(wrong)), 403);
    await expectS3Error(s3.send(new DeleteObjectCommand({ ...wrong, Key: 'existing' })), 'AccessDenied', 403);
    await expectS3Error(
      s3.send(new CreateMultipartUploadCommand({ ...wrong, Key: 'mpu' })),
      'AccessDenied',
      403,
    );
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'existing' }));
  });

  test('CopyObject checks the destination owner and the source owner', async () => {
    const s3 = t.client();
    const copy = { Bucket: bucket, CopySource: `${sourceOfB}/src` };
    await s3.send(
      new CopyObjectCommand({ ...copy, Key: 'copied', ExpectedBucketOwner: A, ExpectedSourceBucketOwner: B }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copied' }));
    assert.equal(await got.Body!.transformToString(), 'of B');

    await expectS3Error(
      s3.send(new CopyObjectCommand({ ...copy, Key: 'c1', ExpectedSourceBucketOwner: A })),
      'AccessDenied',
      403,
    );
    await expectS3Error(
      s3.send(new CopyObjectCommand({ ...copy, Key: 'c2', ExpectedBucketOwner: B })),
      'AccessDenied',
      403,
    );
    await expectHttpStatus(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'c1' })), 404);
    await expectHttpStatus(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'c2' })), 404);
  });

  test('UploadPartCopy checks the source owner', async () => {
    const s3 = t.client();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mpu' }));
    const part = { Bucket: bucket, Key: 'mpu', UploadId, PartNumber: 1, CopySource: `${sourceOfB}/src` };
    await expectS3Error(
      s3.send(new UploadPartCopyCommand({ ...part, ExpectedSourceBucketOwner: A })),
      'AccessDenied',
      403,
    );
    await s3.send(
      new UploadPartCopyCommand({ ...part, ExpectedSourceBucketOwner: B, ExpectedBucketOwner: A }),
    );
  });

  test('CreateSession checks the header too (the SDK models no parameter for it)', async () => {
    const withOwner = (owner: string) => {
      const control = t.controlClient();
      control.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-amz-expected-bucket-owner'] =
            owner;
          return next(args);
        },
        { step: 'build', name: 'expectedOwnerHeader' },
      );
      return control;
    };
    const out = await withOwner(A).send(new CreateSessionCommand({ Bucket: bucket }));
    assert.ok(out.Credentials?.SessionToken);
    await expectS3Error(withOwner(B).send(new CreateSessionCommand({ Bucket: bucket })), 'AccessDenied', 403);
  });

  test('a missing bucket is still 404; a value that is not an account id is 400', async () => {
    const s3 = t.client();
    await expectS3Error(
      t.controlClient().send(new ListObjectsV2Command({ Bucket: bucketName(), ExpectedBucketOwner: B })),
      'NoSuchBucket',
      404,
    );
    await expectS3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'bad',
          Body: 'x',
          ExpectedBucketOwner: 'not-an-account',
        }),
      ),
      'InvalidArgument',
      400,
    );
    await expectHttpStatus(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad' })), 404);
  });

  test('DeleteBucket and bucket policy calls answer the header 501, as AWS does for directory buckets', async () => {
    const control = t.controlClient();
    await expectS3Error(
      control.send(new DeleteBucketCommand({ Bucket: bucket, ExpectedBucketOwner: A })),
      'NotImplemented',
      501,
    );
    await expectS3Error(
      control.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: '{}', ExpectedBucketOwner: A })),
      'NotImplemented',
      501,
    );
    await control.send(new HeadBucketCommand({ Bucket: bucket }));
  });
});
