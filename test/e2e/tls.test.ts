/**
 * HTTPS: `zonal serve --tls-cert/--tls-key` and `--tls-self-signed`, the unmodified SDK over
 * TLS (trusting the generated certificate through its own https.Agent), the limits over TLS,
 * and the condition keys `aws:SecureTransport` and `s3express:TlsVersion` in bucket policies.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/config.js';
import { startZonal, type RunningZonal } from '../../src/server/start.js';
import { prepareTls, SELF_SIGNED_CERT, SELF_SIGNED_KEY } from '../../src/server/tls.js';
import { runServeToExit } from '../helpers/cli-server.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  TEST_REGION,
} from '../helpers/zonal-fixture.js';

const ACCOUNT = '123456789012';
const ENV = {
  ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
  ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
  ZONAL_ACCOUNT_ID: ACCOUNT,
};

/** What tls.checkServerIdentity reads of a peer certificate. */
function certInfo(cert: crypto.X509Certificate): tls.PeerCertificate {
  return {
    subject: { CN: 'localhost' },
    subjectaltname: cert.subjectAltName,
  } as unknown as tls.PeerCertificate;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-tls-'));
}

/** A server on `dataDir`, over HTTPS with the self-signed certificate when `tls`. */
async function start(
  dataDir: string,
  tls: boolean,
  extra: Partial<ServerConfig> = {},
): Promise<RunningZonal> {
  const errors: unknown[] = [];
  const zonal = await startZonal(
    {
      ...DEFAULT_CONFIG,
      port: 0,
      dataDir,
      fsync: false,
      ...(tls ? { tls: { selfSigned: true as const } } : {}),
      ...extra,
    },
    ENV,
    (err) => errors.push(err),
  );
  return {
    ...zonal,
    close: async () => {
      await zonal.close();
      assert.deepEqual(errors, [], 'no internal errors');
    },
  };
}

/** The unmodified SDK, trusting `ca` for HTTPS; `tlsMaxVersion` pins the protocol. */
function client(
  zonal: RunningZonal,
  options: { ca?: Buffer; tlsMaxVersion?: 'TLSv1.2'; control?: boolean } & Partial<S3ClientConfig> = {},
): S3Client {
  const { ca, tlsMaxVersion, control, ...overrides } = options;
  const httpsAgent = new https.Agent({
    keepAlive: true,
    ...(ca ? { ca } : {}),
    ...(tlsMaxVersion ? { maxVersion: tlsMaxVersion } : {}),
  });
  return new S3Client({
    endpoint: zonal.endpoint,
    region: TEST_REGION,
    credentials: ROOT_KEY,
    requestHandler: new NodeHttpHandler({ httpsAgent }),
    ...(control ? { disableS3ExpressSessionAuth: true } : {}),
    ...overrides,
  });
}

describe('zonal serve with TLS', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('--tls-self-signed: an https endpoint, the certificate named in the banner, made once and reused', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const args = ['--port', '0', '--data-dir', dataDir, '--fsync=false', '--tls-self-signed'];
    const first = await runServeToExit(args, ENV);
    assert.equal(first.code, 0, first.output);
    const certFile = path.join(dataDir, SELF_SIGNED_CERT);
    assert.match(first.output, /Zonal listening on https:\/\/127\.0\.0\.1:\d+/);
    assert.ok(first.output.includes(`NODE_EXTRA_CA_CERTS=${certFile}`), first.output);
    const cert = new crypto.X509Certificate(fs.readFileSync(certFile));
    assert.equal(cert.checkHost('localhost'), 'localhost');
    // Virtual-hosted bucket names: under zonal.localhost for Node, which refuses a wildcard
    // directly under one label (`*.localhost`, named too for OpenSSL: Python, the AWS CLI).
    assert.equal(tls.checkServerIdentity('demo--use1-az4--x-s3.zonal.localhost', certInfo(cert)), undefined);
    assert.ok(cert.subjectAltName?.includes('DNS:*.localhost'));
    assert.ok(first.output.includes(`AWS_CA_BUNDLE=${certFile}`), 'the banner tells Python and CLI users');
    assert.ok(first.output.includes(`--ca-bundle ${certFile}`), first.output);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(fs.statSync(path.join(dataDir, SELF_SIGNED_KEY)).mode & 0o777, 0o600, 'the key is private');
    const again = await runServeToExit(args, ENV);
    assert.equal(again.code, 0, again.output);
    assert.equal(new crypto.X509Certificate(fs.readFileSync(certFile)).fingerprint256, cert.fingerprint256);
  });

  test('--tls-cert/--tls-key serve the given pair; a mismatched or half-given pair stops the start', async () => {
    const [a, b] = [tempDir(), tempDir()];
    dirs.push(a, b);
    const pairA = await prepareTls({ selfSigned: true }, a);
    const pairB = await prepareTls({ selfSigned: true }, b);
    const base = ['--port', '0', '--data-dir', a, '--fsync=false'];
    const good = await runServeToExit(
      [...base, '--tls-cert', pairA.certFile, '--tls-key', pairA.keyFile],
      ENV,
    );
    assert.equal(good.code, 0, good.output);
    assert.match(good.output, /Zonal listening on https:\/\//);
    assert.ok(good.output.includes(`TLS certificate ${pairA.certFile}`), good.output);
    const mismatched = await runServeToExit(
      [...base, '--tls-cert', pairA.certFile, '--tls-key', pairB.keyFile],
      ENV,
    );
    assert.notEqual(mismatched.code, 0);
    assert.match(mismatched.output, /not a usable pair/);
    assert.ok(mismatched.output.includes(pairB.keyFile), mismatched.output);
    const half = await runServeToExit([...base, '--tls-cert', pairA.certFile], ENV);
    assert.notEqual(half.code, 0);
    assert.match(half.output, /--tls-cert and --tls-key go together/);
  });
});

describe('the SDK over HTTPS', () => {
  let dataDir: string;
  let zonal: RunningZonal;
  let ca: Buffer;
  let bucket: string;
  const clients: S3Client[] = [];
  const make = (options: Parameters<typeof client>[1] = {}): S3Client => {
    const c = client(zonal, { ca, ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    dataDir = tempDir();
    zonal = await start(dataDir, true, { maxConnections: 16 });
    ca = fs.readFileSync(path.join(dataDir, SELF_SIGNED_CERT));
    bucket = bucketName();
  });
  after(async () => {
    clients.forEach((c) => c.destroy());
    await zonal.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('sessions, writes and reads work over TLS 1.3 and 1.2 with the generated certificate', async () => {
    assert.match(zonal.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    await make({ control: true }).send(new CreateBucketCommand(createBucketInput(bucket)));
    for (const tlsMaxVersion of [undefined, 'TLSv1.2'] as const) {
      const s3 = make(tlsMaxVersion ? { tlsMaxVersion } : {});
      const Key = `over-${tlsMaxVersion ?? 'default'}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      assert.equal(await got.Body!.transformToString(), Key);
    }
  });

  test('virtual-hosted style over TLS: the bucket host name matches the generated certificate', async () => {
    const lookup = (_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) =>
      o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    const httpsAgent = new https.Agent({ ca, lookup: lookup as never });
    const vhost = new S3Client({
      endpoint: zonal.endpoint.replace('127.0.0.1', 'zonal.localhost'),
      region: TEST_REGION,
      credentials: ROOT_KEY,
      requestHandler: new NodeHttpHandler({ httpsAgent }),
    });
    const other = bucketName();
    await vhost.send(new CreateBucketCommand(createBucketInput(other)));
    await vhost.send(new PutObjectCommand({ Bucket: other, Key: 'v', Body: 'vhost' }));
    const got = await vhost.send(new GetObjectCommand({ Bucket: other, Key: 'v' }));
    assert.equal(await got.Body!.transformToString(), 'vhost');
    vhost.destroy();
  });

  test('a client that does not trust the certificate is refused by its own TLS check', async () => {
    const untrusting = client(zonal, { control: true, maxAttempts: 1 });
    clients.push(untrusting);
    await assert.rejects(
      untrusting.send(new CreateBucketCommand(createBucketInput(bucketName()))),
      (err: NodeJS.ErrnoException) =>
        err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || /self[- ]signed/.test(err.message),
    );
  });

  test('the limits apply over TLS too: a head over 16 KiB is 400 RequestHeaderSectionTooLarge', async () => {
    await expectS3Error(
      make().send(
        new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: 'x', Metadata: { m: 'x'.repeat(17_000) } }),
      ),
      'RequestHeaderSectionTooLarge',
      400,
    );
  });
});

describe('aws:SecureTransport and s3express:TlsVersion in bucket policies', () => {
  let dataDir: string;
  const bucket = bucketName();
  const arn = `arn:aws:s3express:${TEST_REGION}:${ACCOUNT}:bucket/${bucket}`;
  const deny = (Sid: string, Condition: Record<string, unknown>) => ({
    Sid,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3express:CreateSession',
    Resource: arn,
    Condition,
  });
  const policy = {
    Version: '2012-10-17',
    Statement: [
      deny('HttpsOnly', { Bool: { 'aws:SecureTransport': 'false' } }),
      deny('Tls13Only', { NumericLessThan: { 's3express:TlsVersion': '1.3' } }),
    ],
  };

  before(() => {
    dataDir = tempDir();
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('plain HTTP is denied sessions; HTTPS with TLS 1.3 is allowed, TLS 1.2 denied', async () => {
    // Over HTTP: the bucket and its policy are set up (control-plane calls ignore bucket
    // policies), then CreateSession is denied, and with it every object operation.
    const plain = await start(dataDir, false);
    const control = client(plain, { control: true });
    const s3 = client(plain);
    try {
      await control.send(new CreateBucketCommand(createBucketInput(bucket)));
      await control.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
      await expectS3Error(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'http' })),
        'AccessDenied',
        403,
      );
    } finally {
      control.destroy();
      s3.destroy();
      await plain.close();
    }
    // The same data over HTTPS.
    const secure = await start(dataDir, true);
    const ca = fs.readFileSync(path.join(dataDir, SELF_SIGNED_CERT));
    const tls13 = client(secure, { ca });
    const tls12 = client(secure, { ca, tlsMaxVersion: 'TLSv1.2' });
    try {
      await tls13.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'https' }));
      const got = await tls13.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      assert.equal(await got.Body!.transformToString(), 'https');
      await expectS3Error(
        tls12.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })),
        'AccessDenied',
        403,
      );
    } finally {
      tls13.destroy();
      tls12.destroy();
      await secure.close();
    }
  });
});

describe('aws:SecureTransport in identity policies for the IAM API', () => {
  let dataDir: string;
  before(() => {
    dataDir = tempDir();
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const iamClient = (zonal: RunningZonal, credentials: typeof ROOT_KEY, ca?: Buffer): IAMClient =>
    new IAMClient({
      endpoint: zonal.endpoint,
      region: TEST_REGION,
      credentials,
      maxAttempts: 1,
      ...(ca ? { requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }) } : {}),
    });

  test('a policy allowing IAM only over TLS: the HTTPS call is allowed, the HTTP call denied', async () => {
    const plain = await start(dataDir, false);
    let root = iamClient(plain, ROOT_KEY);
    let user: IAMClient | undefined;
    let keys: typeof ROOT_KEY;
    try {
      await root.send(new CreateUserCommand({ UserName: 'tls-only' }));
      const key = (await root.send(new CreateAccessKeyCommand({ UserName: 'tls-only' }))).AccessKey!;
      keys = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
      await root.send(
        new PutUserPolicyCommand({
          UserName: 'tls-only',
          PolicyName: 'https-only',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'iam:*',
                Resource: '*',
                Condition: { Bool: { 'aws:SecureTransport': 'true' } },
              },
            ],
          }),
        }),
      );
      user = iamClient(plain, keys);
      await assert.rejects(
        user.send(new ListUsersCommand({})),
        (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(err.name, 'AccessDenied');
          assert.equal(err.$metadata?.httpStatusCode, 403);
          return true;
        },
      );
    } finally {
      root.destroy();
      user?.destroy();
      await plain.close();
    }
    const secure = await start(dataDir, true);
    const ca = fs.readFileSync(path.join(dataDir, SELF_SIGNED_CERT));
    root = iamClient(secure, ROOT_KEY, ca);
    user = iamClient(secure, keys, ca);
    try {
      const listed = await user.send(new ListUsersCommand({}));
      assert.ok(listed.Users!.some((u) => u.UserName === 'tls-only'));
    } finally {
      root.destroy();
      user.destroy();
      await secure.close();
    }
  });
});
