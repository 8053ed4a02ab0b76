import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const kmsConfig = (KMSMasterKeyID: string) => ({
  Rules: [
    {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID },
      BucketKeyEnabled: true,
    },
  ],
});

describe('bucket default encryption and session SSE settings', () => {
  let t: TestZonal;
  before(async () => {
    t = await startTestZonal();
  });
  after(() => t.close());

  test('SSE-S3 by default; SSE-KMS once configured applies to sessions and IAM-signed writes', async () => {
    const bucket = bucketName();
    const ctl = t.controlClient();
    await ctl.send(new CreateBucketCommand(createBucketInput(bucket)));
    const initial = await ctl.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.equal(
      initial.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      'AES256',
    );
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'before', Body: 'x' }));

    await ctl.send(
      new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: kmsConfig(KEY) }),
    );
    const got = await ctl.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rule = got.ServerSideEncryptionConfiguration?.Rules?.[0];
    assert.equal(rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID, KEY);
    assert.equal(rule?.BucketKeyEnabled, true);

    // A new session picks up the bucket default.
    const session = await t.client().send(new CreateSessionCommand({ Bucket: bucket }));
    assert.equal(session.ServerSideEncryption, 'aws:kms');
    assert.equal(session.SSEKMSKeyId, KEY);
    const fresh = t.client();
    await fresh.send(new PutObjectCommand({ Bucket: bucket, Key: 'after', Body: 'y' }));
    const head = await fresh.send(new HeadObjectCommand({ Bucket: bucket, Key: 'after' }));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, KEY);
    assert.equal(head.BucketKeyEnabled, true);
    const old = await fresh.send(new HeadObjectCommand({ Bucket: bucket, Key: 'before' }));
    assert.equal(old.ServerSideEncryption, 'AES256', 'existing objects keep their encryption');
    // IAM-signed writes use the bucket default too.
    await ctl.send(new PutObjectCommand({ Bucket: bucket, Key: 'iam', Body: 'z' }));
    assert.equal((await ctl.send(new HeadObjectCommand({ Bucket: bucket, Key: 'iam' }))).SSEKMSKeyId, KEY);

    await ctl.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    const reset = await ctl.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.equal(
      reset.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      'AES256',
    );
  });

  test('KMS rules: no aliases, one key per bucket, sessions must name that key', async () => {
    const bucket = bucketName();
    const ctl = t.controlClient();
    await ctl.send(new CreateBucketCommand(createBucketInput(bucket)));
    await expectS3Error(
      ctl.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: kmsConfig('alias/mine'),
        }),
      ),
      'InvalidArgument',
      400,
    );
    await expectS3Error(
      t
        .client()
        .send(
          new CreateSessionCommand({ Bucket: bucket, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY }),
        ),
      'InvalidArgument',
      400,
    );
    await ctl.send(
      new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: kmsConfig(KEY) }),
    );
    await expectS3Error(
      ctl.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: kmsConfig(KEY.replace('1234abcd', 'ffffffff')),
        }),
      ),
      'InvalidArgument',
      400,
    );
    await expectS3Error(
      t.client().send(new CreateSessionCommand({ Bucket: bucket, ServerSideEncryption: 'aws:kms' })),
      'InvalidArgument',
      400,
    );
    const ok = await t
      .client()
      .send(new CreateSessionCommand({ Bucket: bucket, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY }));
    assert.equal(ok.SSEKMSKeyId, KEY);
    // A session asking for SSE-S3 is fine; its writes must not claim SSE-KMS.
    const s3 = await t
      .client()
      .send(new CreateSessionCommand({ Bucket: bucket, ServerSideEncryption: 'AES256' }));
    assert.equal(s3.ServerSideEncryption, 'AES256');
    await expectS3Error(
      t.client().send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'mismatch',
          Body: 'x',
          ServerSideEncryption: 'AES256',
        }),
      ),
      'InvalidArgument',
      400,
    );
  });
});
