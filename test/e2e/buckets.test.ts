import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListDirectoryBucketsCommand,
  PutObjectCommand,
  paginateListDirectoryBuckets,
  GetBucketAclCommand,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

describe('directory buckets', () => {
  let t: TestZonal;
  before(async () => {
    t = await startTestZonal();
  });
  after(() => t.close());

  test('CreateBucket returns the bucket ARN and HeadBucket its location headers', async () => {
    const bucket = bucketName('usw2-az1');
    const created = await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    assert.match(
      created.BucketArn ?? '',
      new RegExp(`^arn:aws:s3express:us-east-1:\\d{12}:bucket/${bucket}$`),
    );
    assert.equal(created.Location, `/${bucket}`);
    // Default client: HeadBucket goes through CreateSession and session auth.
    const head = await t.client().send(new HeadBucketCommand({ Bucket: bucket }));
    assert.equal(head.BucketLocationType, 'AvailabilityZone');
    assert.equal(head.BucketLocationName, 'usw2-az1');
    assert.equal(head.BucketRegion, 'us-east-1');
    assert.equal(head.AccessPointAlias, false);
    assert.equal(head.BucketArn, created.BucketArn);
  });

  test('CreateBucket works virtual-hosted through localhost, and without a configuration body', async () => {
    const bucket = bucketName();
    await t
      .vhostClient({ disableS3ExpressSessionAuth: true })
      .send(new CreateBucketCommand({ Bucket: bucket }));
    const head = await t.vhostClient().send(new HeadBucketCommand({ Bucket: bucket }));
    assert.equal(head.BucketLocationName, 'use1-az4');
  });

  test('a Local Zone bucket reports LocalZone', async () => {
    const bucket = bucketName('usw2-lax1-az1');
    await t.controlClient().send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: {
          Location: { Type: 'LocalZone', Name: 'usw2-lax1-az1' },
          Bucket: { Type: 'Directory', DataRedundancy: 'SingleLocalZone' },
        },
      }),
    );
    const head = await t.controlClient().send(new HeadBucketCommand({ Bucket: bucket }));
    assert.equal(head.BucketLocationType, 'LocalZone');
  });

  test('invalid names are InvalidBucketName', async () => {
    const ctl = t.controlClient();
    for (const name of [
      'amzn-s3-demo-x--use1-az4--x-s3',
      'xn--abc--use1-az4--x-s3',
      'ab--use1-az4444444--x-s3',
      '-ab--use1-az4--x-s3',
    ]) {
      await expectS3Error(
        ctl.send(new CreateBucketCommand({ Bucket: name })),
        'InvalidBucketName',
        400,
      ).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
    }
  });

  test('a zone in the body that differs from the name is rejected and nothing is created', async () => {
    const bucket = bucketName('use1-az4');
    await expectS3Error(
      t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket, 'use1-az5'))),
      'InvalidArgument',
      400,
    );
    await expectS3Error(t.controlClient().send(new HeadBucketCommand({ Bucket: bucket })), 'NotFound', 404);
  });

  test('creating an existing bucket is BucketAlreadyOwnedByYou', async () => {
    const bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    await expectS3Error(
      t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket))),
      'BucketAlreadyOwnedByYou',
      409,
    );
  });

  test('ListDirectoryBuckets pages with continuation tokens', async () => {
    const ctl = t.controlClient();
    const names = [bucketName(), bucketName(), bucketName(), bucketName(), bucketName()];
    for (const name of names) await ctl.send(new CreateBucketCommand(createBucketInput(name)));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListDirectoryBuckets({ client: ctl, pageSize: 2 }, {})) {
      pages += 1;
      assert.ok((page.Buckets ?? []).length <= 2);
      for (const b of page.Buckets ?? []) {
        seen.push(b.Name!);
        assert.equal(b.BucketRegion, 'us-east-1');
        assert.ok(b.CreationDate instanceof Date);
      }
    }
    for (const name of names) assert.ok(seen.includes(name), `${name} listed`);
    assert.equal(new Set(seen).size, seen.length, 'no bucket listed twice');
    assert.ok(pages >= 3);
    const all = await ctl.send(new ListDirectoryBucketsCommand({}));
    assert.equal(all.ContinuationToken, undefined);
    assert.deepEqual(
      all.Buckets?.map((b) => b.Name),
      [...seen].sort(),
    );
    await expectS3Error(
      ctl.send(new ListDirectoryBucketsCommand({ ContinuationToken: 'not-a-token' })),
      'InvalidArgument',
      400,
    );
  });

  test('DeleteBucket refuses a bucket with objects or uploads, then deletes it', async () => {
    const bucket = bucketName();
    const ctl = t.controlClient();
    const s3 = t.client();
    await ctl.send(new CreateBucketCommand(createBucketInput(bucket)));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/file', Body: 'x' }));
    await expectS3Error(ctl.send(new DeleteBucketCommand({ Bucket: bucket })), 'BucketNotEmpty', 409);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'dir/file' }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big' }));
    await expectS3Error(ctl.send(new DeleteBucketCommand({ Bucket: bucket })), 'BucketNotEmpty', 409);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'big', UploadId: upload.UploadId }));
    await ctl.send(new DeleteBucketCommand({ Bucket: bucket }));
    await expectS3Error(ctl.send(new HeadBucketCommand({ Bucket: bucket })), 'NotFound', 404);
    await expectS3Error(ctl.send(new DeleteBucketCommand({ Bucket: bucket })), 'NoSuchBucket', 404);
  });

  test('ListBuckets lists no bucket (directory buckets are not general purpose ones); bucket ACLs are NotImplemented', async () => {
    const bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    const listed = await t.controlClient().send(new ListBucketsCommand({}));
    assert.deepEqual(listed.Buckets ?? [], []);
    assert.ok(listed.Owner?.ID);
    const directory = await t.controlClient().send(new ListDirectoryBucketsCommand({}));
    assert.ok(directory.Buckets!.some((b) => b.Name === bucket));
    await expectS3Error(
      t.controlClient().send(new GetBucketAclCommand({ Bucket: bucket })),
      'NotImplemented',
      501,
    );
  });
});
