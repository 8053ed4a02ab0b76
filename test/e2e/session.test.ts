import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type SessionCredentials,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

/** A client that signs every Zonal request with the given session, whatever the SDK would do. */
function clientWithSession(t: TestZonal, creds: SessionCredentials): S3Client {
  return t.client({
    s3ExpressIdentityProvider: {
      getS3ExpressIdentity: async () => ({
        accessKeyId: creds.AccessKeyId!,
        secretAccessKey: creds.SecretAccessKey!,
        sessionToken: creds.SessionToken!,
        expiration: creds.Expiration,
      }),
    },
  });
}

describe('CreateSession', () => {
  let t: TestZonal;
  let bucket: string;
  let other: string;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    other = bucketName();
    for (const b of [bucket, other])
      await t.controlClient().send(new CreateBucketCommand(createBucketInput(b)));
  });
  after(() => t.close());

  test('returns temporary credentials that expire after the session duration', async () => {
    const before = Date.now();
    const out = await t.client().send(new CreateSessionCommand({ Bucket: bucket }));
    const c = out.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(c.SecretAccessKey!.length, 40);
    assert.ok(c.SessionToken!.length > 40);
    const ttl = c.Expiration!.getTime() - before;
    assert.ok(ttl > 298_000 && ttl <= 301_000, `expiration ${ttl} ms ahead`);
    assert.equal(out.ServerSideEncryption, 'AES256');
    // The credentials work for that bucket.
    const s3 = clientWithSession(t, c);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'v');
  });

  test('a ReadOnly session may read but not write', async () => {
    const out = await t.client().send(new CreateSessionCommand({ Bucket: bucket, SessionMode: 'ReadOnly' }));
    const ro = clientWithSession(t, out.Credentials!);
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'ro/x', Body: 'data' }));
    const got = await ro.send(new GetObjectCommand({ Bucket: bucket, Key: 'ro/x' }));
    assert.equal(await got.Body!.transformToString(), 'data');
    await ro.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'ro/' }));
    await ro.send(new HeadBucketCommand({ Bucket: bucket }));
    await expectS3Error(
      ro.send(new PutObjectCommand({ Bucket: bucket, Key: 'ro/y', Body: 'no' })),
      'AccessDenied',
      403,
    );
    await expectS3Error(
      t.client().send(new GetObjectCommand({ Bucket: bucket, Key: 'ro/y' })),
      'NoSuchKey',
      404,
    );
  });

  test('a session is valid for its own bucket only', async () => {
    const out = await t.client().send(new CreateSessionCommand({ Bucket: bucket }));
    const s3 = clientWithSession(t, out.Credentials!);
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: other, Key: 'x', Body: 'x' })),
      'AccessDenied',
      403,
    );
    await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: other })), 'AccessDenied', 403);
  });

  test('a forged or altered token is InvalidToken', async () => {
    const out = await t.client().send(new CreateSessionCommand({ Bucket: bucket }));
    const c = out.Credentials!;
    const token = c.SessionToken!;
    const flipped = token.slice(0, -5) + (token.at(-5) === 'A' ? 'B' : 'A') + token.slice(-4);
    for (const forged of [flipped, 'Z1.00000000.' + 'A'.repeat(120), 'garbage']) {
      const s3 = clientWithSession(t, { ...c, SessionToken: forged });
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), 'InvalidToken', 400);
    }
  });

  test('a session token of another server is InvalidToken', async () => {
    const t2 = await startTestZonal();
    try {
      const b2 = bucketName();
      await t2.controlClient().send(new CreateBucketCommand(createBucketInput(b2)));
      await t.controlClient().send(new CreateBucketCommand(createBucketInput(b2)));
      const out = await t2.client().send(new CreateSessionCommand({ Bucket: b2 }));
      const s3 = clientWithSession(t, out.Credentials!);
      await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: b2 })), 'InvalidToken', 400);
    } finally {
      await t2.close();
    }
  });

  test('a session token on CreateSession is InvalidRequest', async () => {
    const out = await t.client().send(new CreateSessionCommand({ Bucket: bucket }));
    const client = t.client();
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amz-s3session-token'] =
          out.Credentials!.SessionToken!;
        return next(args);
      },
      { step: 'build', name: 'addSessionToken' },
    );
    const err = await expectS3Error(
      client.send(new CreateSessionCommand({ Bucket: bucket })),
      'InvalidRequest',
      400,
    );
    assert.match(err.message, /should not include "x-amz-s3session-token"/);
  });

  test('CreateSession on a missing bucket is a creation session for its creator; a bad mode is InvalidArgument', async () => {
    // Only the root may create buckets here; callers that may not get NoSuchBucket
    // (test/e2e/first-call.test.ts).
    const creation = await t.client().send(new CreateSessionCommand({ Bucket: bucketName() }));
    assert.ok(creation.Credentials?.SessionToken);
    await expectS3Error(
      t.client().send(new CreateSessionCommand({ Bucket: bucket, SessionMode: 'WriteOnly' as 'ReadOnly' })),
      'InvalidArgument',
      400,
    );
  });

  test('IAM-signed (disableS3ExpressSessionAuth) requests are accepted on every Zonal op', async () => {
    const ctl = t.controlClient();
    await ctl.send(new PutObjectCommand({ Bucket: bucket, Key: 'iam/x', Body: 'iam' }));
    const got = await ctl.send(new GetObjectCommand({ Bucket: bucket, Key: 'iam/x' }));
    assert.equal(await got.Body!.transformToString(), 'iam');
    await ctl.send(new HeadBucketCommand({ Bucket: bucket }));
  });
});

describe('session expiry', () => {
  let t: TestZonal;
  let bucket: string;
  before(async () => {
    t = await startTestZonal({ sessionDurationSeconds: 3 });
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  test('an expired session is ExpiredToken, and the SDK renews sessions by itself', async () => {
    const out = await t.client().send(new CreateSessionCommand({ Bucket: bucket }));
    const ttl = out.Credentials!.Expiration!.getTime() - Date.now();
    assert.ok(ttl <= 3000, `short session: ${ttl} ms`);
    const stale = clientWithSession(t, out.Credentials!);
    const sdk = t.client();
    await sdk.send(new PutObjectCommand({ Bucket: bucket, Key: 'e', Body: 'e' }));
    await sleep(4100);
    await expectS3Error(stale.send(new GetObjectCommand({ Bucket: bucket, Key: 'e' })), 'ExpiredToken', 400);
    // The default client sees its cached session has expired and creates a new one.
    const got = await sdk.send(new GetObjectCommand({ Bucket: bucket, Key: 'e' }));
    assert.equal(await got.Body!.transformToString(), 'e');
  });
});
