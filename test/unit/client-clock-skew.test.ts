import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createSession, sendCreateSession } from '../../src/client/create-session.js';
import { S3ExpressSessionProvider } from '../../src/client/session-provider.js';

const SKEW_MS = 10 * 60_000;
const LIFETIME_S = 300;
const BUCKET = 'skew--use1-az4--x-s3';
const IAM = { accessKeyId: 'AKIASKEWTEST00000001', secretAccessKey: 'secret' };

/** S3 timestamps as AWS writes them. */
const xmlTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A stand-in S3 Express endpoint whose clock is 10 minutes ahead: CreateSession answers with
 * its `Date` and an Expiration 5 minutes after it; any other request gets `ok`.
 */
function fakeServer() {
  const requests: http.IncomingHttpHeaders[] = [];
  let sessions = 0;
  const server = http.createServer((req, res) => {
    requests.push(req.headers);
    const serverNow = Date.now() + SKEW_MS;
    res.setHeader('Date', new Date(serverNow).toUTCString());
    if (req.url?.includes('?session')) {
      sessions += 1;
      res.setHeader('Content-Type', 'application/xml');
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><CreateSessionResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
          `<Credentials><SessionToken>token-${sessions}</SessionToken><SecretAccessKey>secret-${sessions}</SecretAccessKey>` +
          `<AccessKeyId>ASIA${sessions}</AccessKeyId><Expiration>${xmlTime(serverNow + LIFETIME_S * 1000)}</Expiration></Credentials></CreateSessionResult>`,
      );
      return;
    }
    res.end('ok');
  });
  return { server, requests, sessions: () => sessions };
}

describe('clock skew against a server whose Date is 10 minutes off', () => {
  const fake = fakeServer();
  let endpoint: string;
  before(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  test('sendCreateSession reports the server Date', async () => {
    const client = new S3Client({ endpoint, region: 'us-east-1', credentials: IAM });
    try {
      const timed = await sendCreateSession(client, { bucket: BUCKET });
      assert.ok(timed.serverDate !== undefined);
      assert.ok(Math.abs(timed.serverDate - (Date.now() + SKEW_MS)) < 2_000);
    } finally {
      client.destroy();
    }
  });

  test('createSession returns the seed fields, with the mode header when asked', async () => {
    const { Credentials } = await createSession(
      { endpoint, region: 'us-east-1', credentials: IAM },
      { bucket: BUCKET, sessionMode: 'ReadOnly' },
    );
    assert.deepEqual(Object.keys(Credentials).sort(), [
      'AccessKeyId',
      'Expiration',
      'SecretAccessKey',
      'SessionToken',
    ]);
    assert.ok(Credentials.Expiration instanceof Date);
    assert.equal(fake.requests.at(-1)!['x-amz-create-session-mode'], 'ReadOnly');
  });

  test('the provider computes expiry on the local clock and signs with the session', async () => {
    const config = { endpoint, region: 'us-east-1', credentials: IAM };
    const provider = new S3ExpressSessionProvider(config);
    const s3 = new S3Client({ ...config, s3ExpressIdentityProvider: provider });
    try {
      const before = Date.now();
      const before_sessions = fake.sessions();
      await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));
      const createRequest = fake.requests.at(-2)!;
      assert.match(String(createRequest['authorization']), /Credential=AKIASKEWTEST00000001\//);
      assert.equal(createRequest['x-amz-create-session-mode'], 'ReadWrite');
      assert.equal(fake.requests.at(-1)!['x-amz-s3session-token'], `token-${before_sessions + 1}`);

      const identity = await provider.getS3ExpressIdentity(IAM, { Bucket: BUCKET });
      const remaining = identity.expiration.getTime() - before;
      // 300 s by the server's clock, less up to 1 s for the resolution of Date, not 15 min.
      assert.ok(remaining > 297_000 && remaining <= 300_000, `expires in ${remaining} ms`);
      assert.equal(fake.sessions(), before_sessions + 1);
    } finally {
      s3.destroy();
      provider.destroy();
    }
  });

  test('given an S3Client, the provider sends CreateSession on it with its credentials', async () => {
    const control = new S3Client({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIACONTROLCLIENT001', secretAccessKey: 'x' },
      disableS3ExpressSessionAuth: true,
    });
    const provider = new S3ExpressSessionProvider(control, { mode: 'ServerDefault' });
    try {
      const identity = await provider.getS3ExpressIdentity(IAM, { Bucket: BUCKET });
      assert.match(identity.accessKeyId, /^ASIA/);
      const createRequest = fake.requests.at(-1)!;
      assert.match(String(createRequest['authorization']), /Credential=AKIACONTROLCLIENT001\//);
      assert.equal(createRequest['x-amz-create-session-mode'], undefined);
    } finally {
      provider.destroy();
      control.destroy();
    }
  });
});
