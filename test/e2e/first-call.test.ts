/**
 * The first call of a default SDK client: with a custom endpoint the SDK signs CreateBucket
 * with session auth, so it asks CreateSession for a bucket that does not exist yet. Zonal
 * answers with a creation session when the caller may create the bucket: it reaches only the
 * bucket it creates itself (docs/COMPATIBILITY.md, "The first call").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListDirectoryBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3ExpressSessionProvider } from '../../src/index.js';
import { send, signRequest } from '../helpers/raw-signing.js';
import { ACCOUNT_A, B_ROOT, startTwoAccountZonal } from '../helpers/two-accounts.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

type SessionKeys = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

async function sessionOf(client: S3Client, bucket: string): Promise<SessionKeys> {
  const c = (await client.send(new CreateSessionCommand({ Bucket: bucket }))).Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

/** A session-signed PUT of `body` to `key`: the status and error code. */
async function putWith(port: number, keys: SessionKeys, bucket: string, key: string, body = 'x') {
  const signed = await signRequest(
    port,
    { method: 'PUT', path: `/${bucket}/${key}`, body },
    { credentials: keys },
  );
  const res = await send(signed, port);
  return [res.status, res.code];
}

async function createWith(port: number, keys: SessionKeys, bucket: string) {
  const signed = await signRequest(port, { method: 'PUT', path: `/${bucket}` }, { credentials: keys });
  const res = await send(signed, port);
  return [res.status, res.code];
}

describe('the first call: CreateBucket from a default client', () => {
  let t: TestZonal;

  before(async () => {
    t = await startTwoAccountZonal();
  });
  after(() => t.close());

  test('a default client (session auth) creates a bucket and then uses it, path and virtual-hosted style', async () => {
    for (const s3 of [t.client(), t.vhostClient()]) {
      const bucket = bucketName();
      await s3.send(new CreateBucketCommand(createBucketInput(bucket)));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'hello' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      assert.equal(await got.Body!.transformToString(), 'hello');
      const listed = await t.controlClient().send(new ListDirectoryBucketsCommand({}));
      assert.ok(listed.Buckets!.some((b) => b.Name === bucket));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    }
  });

  test("the README's quick start: one client with S3ExpressSessionProvider creates, writes and reads", async () => {
    const config = { endpoint: t.ipEndpoint, region: 'us-east-1', credentials: ROOT_KEY };
    const provider = new S3ExpressSessionProvider(config);
    const s3 = t.client({ s3ExpressIdentityProvider: provider });
    const Bucket = bucketName();
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'docs/hello.txt', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'docs/hello.txt' }));
    assert.equal(await got.Body!.transformToString(), 'hello');
    // The creation session served CreateBucket only; the writes got a session of the bucket.
    assert.deepEqual([provider.stats().created, provider.stats().failures], [2, 0]);
    provider.destroy();
  });

  test('a creation session: NoSuchBucket before the bucket exists, and no reach into a bucket created otherwise', async () => {
    const port = t.zonal.port;
    const bucket = bucketName();
    const creation = await sessionOf(t.controlClient(), bucket);
    assert.deepEqual(await putWith(port, creation, bucket, 'early'), [404, 'NoSuchBucket']);
    // Created with the IAM key, not through the session: the session does not reach it.
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    assert.deepEqual(await putWith(port, creation, bucket, 'k'), [403, 'AccessDenied']);
    // Its CreateBucket is an ordinary CreateBucket of an existing name.
    assert.deepEqual(await createWith(port, creation, bucket), [409, 'BucketAlreadyOwnedByYou']);
  });

  test('a bucket another account created under the name is out of reach', async () => {
    const port = t.zonal.port;
    const bucket = bucketName();
    const creation = await sessionOf(t.controlClient(), bucket);
    const controlB = t.controlClient({ credentials: B_ROOT });
    await controlB.send(new CreateBucketCommand(createBucketInput(bucket)));
    assert.deepEqual(await putWith(port, creation, bucket, 'k'), [403, 'AccessDenied']);
    assert.deepEqual(await createWith(port, creation, bucket), [409, 'BucketAlreadyExists']);
    await controlB.send(new DeleteBucketCommand({ Bucket: bucket }));
  });

  test('created through the session, deleted and created again by it: older sessions of the first bucket do not reach the second', async () => {
    const port = t.zonal.port;
    const bucket = bucketName();
    const creation = await sessionOf(t.controlClient(), bucket);
    assert.deepEqual(await createWith(port, creation, bucket), [200, undefined]);
    assert.deepEqual(await putWith(port, creation, bucket, 'k'), [200, undefined]);
    const ordinary = await sessionOf(t.controlClient(), bucket);
    assert.deepEqual(await putWith(port, ordinary, bucket, 'k2'), [200, undefined]);
    const control = t.controlClient();
    for (const Key of ['k', 'k2']) await control.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    await control.send(new DeleteBucketCommand({ Bucket: bucket }));
    assert.deepEqual(await createWith(port, creation, bucket), [200, undefined]);
    assert.deepEqual(await putWith(port, ordinary, bucket, 'k3'), [403, 'AccessDenied']);
    assert.deepEqual(await putWith(port, creation, bucket, 'k3'), [200, undefined]);
  });

  test('the bucket is owned by the caller: its ARN names the caller account', async () => {
    const bucket = bucketName();
    const made = await t.client().send(new CreateBucketCommand(createBucketInput(bucket)));
    assert.equal(made.BucketArn, `arn:aws:s3express:us-east-1:${ACCOUNT_A}:bucket/${bucket}`);
  });
});

describe('creation sessions need both permissions', () => {
  const ACCOUNT = '333333333333';
  const user = (name: string, actions: string[]) => ({
    name,
    accessKeys: [
      {
        accessKeyId: `AKIA${name.toUpperCase().padEnd(16, '0')}`,
        secretAccessKey: `${name}-secret`.padEnd(40, '0'),
      },
    ],
    policies: {
      p: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: actions, Resource: `arn:aws:s3express:us-east-1:${ACCOUNT}:bucket/*` },
        ],
      },
    },
  });
  const users = [
    user('creator', ['s3express:CreateBucket', 's3express:CreateSession']),
    user('sessiononly', ['s3express:CreateSession']),
    user('createonly', ['s3express:CreateBucket']),
  ];
  let t: TestZonal;

  before(async () => {
    t = await startTestZonal({}, { accountId: ACCOUNT, identities: { accounts: [{ id: ACCOUNT, users }] } });
  });
  after(() => t.close());

  const keysOf = (i: number) => users[i]!.accessKeys[0]!;

  test('allowed CreateBucket and CreateSession: the default client creates; otherwise NoSuchBucket as before', async () => {
    const bucket = bucketName();
    await t.client({ credentials: keysOf(0) }).send(new CreateBucketCommand(createBucketInput(bucket)));
    for (const i of [1, 2]) {
      const other = bucketName();
      await expectS3Error(
        t.client({ credentials: keysOf(i) }).send(new CreateBucketCommand(createBucketInput(other))),
        'NoSuchBucket',
        404,
      );
    }
  });
});
