import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListDirectoryBucketsCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { ACCOUNT_A, B_ROOT } from '../helpers/two-accounts.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';
import { zonalAdmin } from '../helpers/zonal-admin.js';

const DAY = 86400;

describe('test clock: off by default', () => {
  let t: TestZonal;
  before(async () => {
    t = await startTestZonal();
  });
  after(() => t.close());

  test('POST /_zonal/clock is 501 for root, 403 unsigned', async () => {
    const res = await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { advanceSeconds: 60 });
    assert.equal(res.status, 501, res.body);
    assert.equal(res.code, 'NotImplemented');
    const unsigned = await fetch(`${t.ipEndpoint}/_zonal/clock`, { method: 'POST', body: '{}' });
    assert.equal(unsigned.status, 403);
  });
});

describe('test clock: --test-clock', () => {
  let t: TestZonal;
  before(async () => {
    t = await startTestZonal(
      { testClock: true },
      {
        accountId: ACCOUNT_A,
        identities: { accounts: [{ id: '222222222222', rootAccessKeys: [B_ROOT], users: [] }] },
      },
    );
  });
  after(() => t.close());

  test('only the default account’s root may read or move it', async () => {
    const other = await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { advanceSeconds: 1 }, B_ROOT);
    assert.equal(other.status, 403, other.body);
    assert.equal(other.code, 'AccessDenied');
    const unknown = await zonalAdmin(t.zonal.port, 'GET', '/_zonal/clock', undefined, {
      accessKeyId: 'AKIANOBODY0000000000',
      secretAccessKey: 'x'.repeat(40),
    });
    assert.equal(unknown.status, 403);
    const root = await zonalAdmin(t.zonal.port, 'GET', '/_zonal/clock');
    assert.equal(root.status, 200, root.body);
    assert.equal((root.json as { offsetSeconds: number }).offsetSeconds, 0);
  });

  test('offsetSeconds sets, advanceSeconds adds; bad bodies are 400', async () => {
    let res = await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { offsetSeconds: 100 });
    assert.equal((res.json as { offsetSeconds: number }).offsetSeconds, 100);
    res = await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { advanceSeconds: 50 });
    const body = res.json as { offsetSeconds: number; now: string };
    assert.equal(body.offsetSeconds, 150);
    assert.ok(Math.abs(Date.parse(body.now) - (Date.now() + 150_000)) < 5000);
    for (const bad of [
      {},
      { offsetSeconds: 1, advanceSeconds: 1 },
      { offsetSeconds: 1.5 },
      { advanceSeconds: '9' },
    ]) {
      const r = await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.code, 'InvalidArgument');
    }
    const put = await zonalAdmin(t.zonal.port, 'PUT', '/_zonal/clock', { offsetSeconds: 1 });
    assert.equal(put.status, 405);
    await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { offsetSeconds: 0 });
  });

  test('LastModified and Initiated follow the clock; real-time signatures still pass', async () => {
    const control = t.controlClient();
    const bucket = bucketName();
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { offsetSeconds: 10 * DAY });
    // The client signs with real time, ten days behind the S3 clock: still accepted.
    await control.send(new ListDirectoryBucketsCommand({}));
    await control.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    const head = await control.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    const skew = head.LastModified!.getTime() - Date.now();
    assert.ok(Math.abs(skew - 10 * DAY * 1000) < 5000, `LastModified is ${skew} ms ahead`);
    await control.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'u' }));
    const uploads = await control.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    const initiated = uploads.Uploads![0]!.Initiated!.getTime() - Date.now();
    assert.ok(Math.abs(initiated - 10 * DAY * 1000) < 5000);
    await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { offsetSeconds: 0 });
  });

  test('sessions expire on the test clock', async () => {
    const control = t.controlClient();
    const bucket = bucketName();
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: 'a' }));
    await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { advanceSeconds: 301 });
    // The SDK still holds the session (its expiry is five minutes of real time away).
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'b', Body: 'b' })),
      'ExpiredToken',
      400,
    );
    await zonalAdmin(t.zonal.port, 'POST', '/_zonal/clock', { offsetSeconds: 0 });
  });
});
