import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListDirectoryBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createSession, S3ExpressSessionProvider, zonalS3Client } from '../../src/index.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  TEST_REGION,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

describe('session provider against Zonal', () => {
  let t: TestZonal;
  let bucket: string;
  before(async () => {
    t = await startTestZonal();
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    await t.controlClient().send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'value' }));
  });
  after(() => t.close());

  test('1,000 requests from 50 concurrent callers make exactly one CreateSession', async () => {
    const config = { endpoint: t.ipEndpoint, region: TEST_REGION, credentials: ROOT_KEY };
    const provider = new S3ExpressSessionProvider(config);
    const s3 = new S3Client({ ...config, s3ExpressIdentityProvider: provider });
    try {
      const before = t.zonal.stats.sessionsCreated;
      let next = 0;
      const caller = async () => {
        while (next < 1_000) {
          next += 1;
          const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
          assert.equal(head.ContentLength, 5);
        }
      };
      await Promise.all(Array.from({ length: 50 }, caller));
      assert.equal(next, 1_000);
      assert.equal(t.zonal.stats.sessionsCreated - before, 1, 'one CreateSession on the server');
      const stats = provider.stats();
      assert.equal(stats.created, 1);
      assert.equal(stats.hits + stats.misses, 1_000);
      assert.ok(stats.misses <= 50, `${stats.misses} misses`);
      assert.equal(stats.failures, 0);
    } finally {
      s3.destroy();
      provider.destroy();
    }
  });

  test('a ReadOnly client reads but cannot write; the mode is chosen per bucket', async () => {
    const logs = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(logs)));
    const { s3, control, sessions, destroy } = zonalS3Client({
      endpoint: t.ipEndpoint,
      credentials: ROOT_KEY,
      region: TEST_REGION,
      sessions: { mode: (b) => (b === logs ? 'ReadOnly' : 'ReadWrite') },
    });
    const modes: string[] = [];
    sessions.on('session', (e) => modes.push(`${e.bucket === logs ? 'logs' : 'data'}:${e.mode}`));
    try {
      await control.send(new PutObjectCommand({ Bucket: logs, Key: 'line', Body: 'log line' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: logs, Key: 'line' }));
      assert.equal(await got.Body!.transformToString(), 'log line');
      await expectS3Error(
        s3.send(new PutObjectCommand({ Bucket: logs, Key: 'no', Body: 'x' })),
        'AccessDenied',
        403,
      );
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'rw', Body: 'yes' }));
      assert.deepEqual(modes.sort(), ['data:ReadWrite', 'logs:ReadOnly']);
    } finally {
      destroy();
    }
  });

  test('zonalS3Client on a host name endpoint: virtual-hosted names reach the server', async () => {
    const fresh = bucketName();
    const { s3, control, sessions, destroy } = zonalS3Client({
      endpoint: t.localhostEndpoint,
      credentials: ROOT_KEY,
    });
    let host: string | undefined;
    s3.middlewareStack.add(
      (next) => async (args) => {
        host = (args.request as { hostname?: string }).hostname;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHost' },
    );
    try {
      await control.send(new CreateBucketCommand(createBucketInput(fresh)));
      const listed = await control.send(new ListDirectoryBucketsCommand({}));
      assert.ok(listed.Buckets?.some((b) => b.Name === fresh));
      await s3.send(new PutObjectCommand({ Bucket: fresh, Key: 'a/b', Body: 'vhost' }));
      assert.equal(host, `${fresh}.localhost`);
      const got = await s3.send(new GetObjectCommand({ Bucket: fresh, Key: 'a/b' }));
      assert.equal(await got.Body!.transformToString(), 'vhost');
      assert.equal(sessions.stats().created, 1);
    } finally {
      destroy();
    }
  });

  test('createSession returns working credentials with the seed fields', async () => {
    const control = t.controlClient();
    const { Credentials } = await createSession(control, { bucket, sessionMode: 'ReadOnly' });
    assert.match(Credentials.AccessKeyId, /^ASIA/);
    assert.equal(typeof Credentials.SecretAccessKey, 'string');
    assert.equal(typeof Credentials.SessionToken, 'string');
    assert.ok(Credentials.Expiration.getTime() > Date.now());
    const ro = t.client({
      s3ExpressIdentityProvider: {
        getS3ExpressIdentity: async () => ({
          accessKeyId: Credentials.AccessKeyId,
          secretAccessKey: Credentials.SecretAccessKey,
          sessionToken: Credentials.SessionToken,
        }),
      },
    });
    const got = await ro.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'value');
    await expectS3Error(
      ro.send(new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'x' })),
      'AccessDenied',
      403,
    );
    // A configuration works too (a client is made and closed for the call).
    const again = await createSession(
      { endpoint: t.ipEndpoint, region: TEST_REGION, credentials: ROOT_KEY },
      { bucket },
    );
    assert.notEqual(again.Credentials.AccessKeyId, Credentials.AccessKeyId);
  });

  test('a missing bucket is reported to the caller; its creation session is not cached', async () => {
    const missing = bucketName();
    const { s3, control, sessions, destroy } = zonalS3Client({
      endpoint: t.ipEndpoint,
      credentials: ROOT_KEY,
      sessions: { backoff: { initialMs: 20, maxMs: 40 } },
    });
    try {
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: missing, Key: 'k' })), 'NoSuchBucket', 404);
      await control.send(new CreateBucketCommand(createBucketInput(missing)));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await s3.send(new PutObjectCommand({ Bucket: missing, Key: 'k', Body: 'now' }));
      // The session of the missing bucket was a creation session (the root may create it),
      // used once and then asked for again: two CreateSessions, no failure.
      assert.deepEqual([sessions.stats().created, sessions.stats().failures], [2, 0]);
    } finally {
      destroy();
    }
  });
});
