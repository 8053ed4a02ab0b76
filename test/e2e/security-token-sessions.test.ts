/**
 * `--security-token-sessions` (not AWS, off by default): a Zonal session token sent as
 * X-Amz-Security-Token, as SDKs without S3 Express support send temporary credentials.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

async function sessionClient(
  t: TestZonal,
  bucket: string,
  mode: 'ReadWrite' | 'ReadOnly',
): Promise<S3Client> {
  const c = (await t.controlClient().send(new CreateSessionCommand({ Bucket: bucket, SessionMode: mode })))
    .Credentials!;
  // An SDK that knows nothing of S3 Express: the session as ordinary temporary credentials.
  return t.controlClient({
    credentials: {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    },
  });
}

for (const enabled of [true, false]) {
  describe(`session tokens in X-Amz-Security-Token, ${enabled ? 'enabled' : 'off (the default)'}`, () => {
    let t: TestZonal;
    let bucket: string;
    before(async () => {
      t = await startTestZonal(enabled ? { securityTokenSessions: true } : {});
      bucket = bucketName();
      await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    });
    after(() => t.close());

    test(enabled ? 'reads and writes with the session; ReadOnly may not write' : 'InvalidToken', async () => {
      const rw = await sessionClient(t, bucket, 'ReadWrite');
      if (!enabled) {
        await expectS3Error(
          rw.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' })),
          'InvalidToken',
          400,
        );
        return;
      }
      await rw.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
      const ro = await sessionClient(t, bucket, 'ReadOnly');
      const got = await ro.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      assert.equal(await got.Body!.transformToString(), 'v');
      await expectS3Error(
        ro.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'w' })),
        'AccessDenied',
        403,
      );
      // The session's bucket only.
      const other = bucketName();
      await t.controlClient().send(new CreateBucketCommand(createBucketInput(other)));
      await expectS3Error(
        rw.send(new PutObjectCommand({ Bucket: other, Key: 'k', Body: 'v' })),
        'AccessDenied',
        403,
      );
    });
  });
}
