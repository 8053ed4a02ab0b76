import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { bucketName, createBucketInput, expectS3Error, type TestZonal } from '../helpers/zonal-fixture.js';
import { B_ROOT, startTwoAccountZonal } from '../helpers/two-accounts.js';

/**
 * A session is bound to the incarnation of its bucket (docs/SECURITY.md): once the bucket is
 * deleted and a bucket of the same name created again, by another account or the same one, the
 * old session reaches nothing in it.
 */
describe('a session does not outlive its bucket', () => {
  let t: TestZonal;

  before(async () => {
    t = await startTwoAccountZonal();
  });
  after(() => t.close());

  /** A client that signs every request with one fixed session of `bucket`. */
  async function sessionClient(control: S3Client, bucket: string): Promise<S3Client> {
    const { Credentials: c } = await control.send(new CreateSessionCommand({ Bucket: bucket }));
    return t.client({
      s3ExpressIdentityProvider: {
        getS3ExpressIdentity: async () => ({
          accessKeyId: c!.AccessKeyId!,
          secretAccessKey: c!.SecretAccessKey!,
          sessionToken: c!.SessionToken!,
          expiration: c!.Expiration,
        }),
      },
    });
  }

  test("account A's old session is refused on the bucket account B created again under the name", async () => {
    const bucket = bucketName();
    const controlA = t.controlClient();
    const controlB = t.controlClient({ credentials: B_ROOT });
    await controlA.send(new CreateBucketCommand(createBucketInput(bucket)));
    const oldA = await sessionClient(controlA, bucket);
    await oldA.send(new PutObjectCommand({ Bucket: bucket, Key: 'mine', Body: 'a' }));
    await oldA.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'mine' }));
    await controlA.send(new DeleteBucketCommand({ Bucket: bucket }));

    await controlB.send(new CreateBucketCommand(createBucketInput(bucket)));
    const b = t.client({ credentials: B_ROOT });
    await b.send(new PutObjectCommand({ Bucket: bucket, Key: 'private', Body: 'of B' }));

    await expectS3Error(
      oldA.send(new GetObjectCommand({ Bucket: bucket, Key: 'private' })),
      'AccessDenied',
      403,
    );
    await expectS3Error(
      oldA.send(new PutObjectCommand({ Bucket: bucket, Key: 'private', Body: 'overwritten by A' })),
      'AccessDenied',
      403,
    );
    await expectS3Error(
      oldA.send(new PutObjectCommand({ Bucket: bucket, Key: 'planted', Body: 'by A' })),
      'AccessDenied',
      403,
    );
    await expectS3Error(oldA.send(new ListObjectsV2Command({ Bucket: bucket })), 'AccessDenied', 403);
    await expectS3Error(
      oldA.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'private' })),
      'AccessDenied',
      403,
    );

    // B's own sessions work, and see B's object alone, untouched.
    const listed = await b.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      ['private'],
    );
    const got = await b.send(new GetObjectCommand({ Bucket: bucket, Key: 'private' }));
    assert.equal(await got.Body!.transformToString(), 'of B');
    const freshB = await sessionClient(controlB, bucket);
    await freshB.send(new PutObjectCommand({ Bucket: bucket, Key: 'second', Body: 'b' }));
  });

  test('an old session of the same account is refused once the bucket was created again', async () => {
    const bucket = bucketName();
    const control = t.controlClient();
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    const old = await sessionClient(control, bucket);
    await control.send(new DeleteBucketCommand({ Bucket: bucket }));
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    await expectS3Error(
      old.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' })),
      'AccessDenied',
      403,
    );
    const fresh = await sessionClient(control, bucket);
    await fresh.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
  });

  test('a session of a deleted bucket gets NoSuchBucket while no bucket has the name', async () => {
    const bucket = bucketName();
    const control = t.controlClient();
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    const old = await sessionClient(control, bucket);
    await control.send(new DeleteBucketCommand({ Bucket: bucket }));
    await expectS3Error(old.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'NoSuchBucket', 404);
    await expectS3Error(
      old.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' })),
      'NoSuchBucket',
      404,
    );
  });
});
