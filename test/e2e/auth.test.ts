import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateSessionCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';
import { send, signRequest, type RawRequest, type SigningOptions } from '../helpers/raw-signing.js';

const sha256hex = (data: string | Buffer): string => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer =>
  crypto.createHmac('sha256', key).update(data).digest();

describe('SigV4 authentication', () => {
  let t: TestZonal;
  let bucket: string;
  let port: number;
  const iam: SigningOptions = { credentials: ROOT_KEY };
  const get = (key: string): RawRequest => ({ method: 'GET', path: `/${bucket}/${key}` });
  const signAndSend = async (req: RawRequest, opts: SigningOptions = iam) =>
    send(await signRequest(port, req, opts), port);

  before(async () => {
    t = await startTestZonal();
    port = t.zonal.port;
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
    await t.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'obj', Body: 'payload' }));
  });
  after(() => t.close());

  test('a correctly signed raw request succeeds (scope service s3express, and s3 tolerated)', async () => {
    const res = await signAndSend(get('obj'));
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, 'payload');
    const s3scope = await signAndSend(get('obj'), { ...iam, service: 's3' });
    assert.equal(s3scope.status, 200, s3scope.body);
  });

  test('anonymous requests are AccessDenied', async () => {
    const res = await fetch(`${t.ipEndpoint}/${bucket}/obj`);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
  });

  test('an unknown access key is InvalidAccessKeyId', async () => {
    const res = await signAndSend(get('obj'), {
      credentials: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' },
    });
    assert.equal(res.status, 403);
    assert.equal(res.code, 'InvalidAccessKeyId');
  });

  test('a wrong secret is SignatureDoesNotMatch', async () => {
    const res = await signAndSend(get('obj'), { credentials: { ...ROOT_KEY, secretAccessKey: 'wrong' } });
    assert.equal(res.status, 403);
    assert.equal(res.code, 'SignatureDoesNotMatch');
  });

  test('a request signed 16 minutes off is RequestTimeTooSkewed', async () => {
    for (const offset of [-16, 16]) {
      const res = await signAndSend(get('obj'), {
        ...iam,
        signingDate: new Date(Date.now() + offset * 60_000),
      });
      assert.equal(res.status, 403, `offset ${offset}`);
      assert.equal(res.code, 'RequestTimeTooSkewed');
    }
    const ok = await signAndSend(get('obj'), { ...iam, signingDate: new Date(Date.now() - 14 * 60_000) });
    assert.equal(ok.status, 200);
  });

  test('a wrong region or service, or a garbled header, is AuthorizationHeaderMalformed', async () => {
    const region = await signAndSend(get('obj'), { ...iam, region: 'eu-west-1' });
    assert.equal(region.status, 400);
    assert.equal(region.code, 'AuthorizationHeaderMalformed');
    assert.match(region.body, /<Region>us-east-1<\/Region>/);
    const service = await signAndSend(get('obj'), { ...iam, service: 'iam' });
    assert.equal(service.code, 'AuthorizationHeaderMalformed');
    const signed = await signRequest(port, get('obj'), iam);
    signed.headers.authorization = signed.headers.authorization!.replace('SignedHeaders=', 'SignedHeaderz=');
    const garbled = await send(signed, port);
    assert.equal(garbled.status, 400);
    assert.equal(garbled.code, 'AuthorizationHeaderMalformed');
  });

  test('presigned URLs: expired is AccessDenied, altered is SignatureDoesNotMatch', async () => {
    const expired = await signAndSend(get('obj'), {
      ...iam,
      presign: { expiresIn: 60 },
      signingDate: new Date(Date.now() - 120_000),
    });
    assert.equal(expired.status, 403);
    assert.equal(expired.code, 'AccessDenied');
    const signed = await signRequest(port, get('obj'), { ...iam, presign: { expiresIn: 60 } });
    assert.equal((await send(signed, port)).status, 200);
    signed.query['X-Amz-Expires'] = '61';
    const altered = await send(signed, port);
    assert.equal(altered.code, 'SignatureDoesNotMatch');
  });

  test('a body that does not match the signed x-amz-content-sha256 is rejected and not stored', async () => {
    const signed = await signRequest(
      port,
      { method: 'PUT', path: `/${bucket}/sha/x`, body: 'original' },
      iam,
    );
    signed.body = 'tampered';
    const res = await send(signed, port);
    assert.equal(res.status, 400);
    assert.equal(res.code, 'XAmzContentSHA256Mismatch');
    const head = await signAndSend({ method: 'HEAD', path: `/${bucket}/sha/x` });
    assert.equal(head.status, 404);
  });

  test('an expired session in a presigned URL is ExpiredToken', async () => {
    const t2 = await startTestZonal({ sessionDurationSeconds: 3 });
    try {
      const b = bucketName();
      await t2.controlClient().send(new CreateBucketCommand(createBucketInput(b)));
      await t2.client().send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }));
      const out = await t2.client().send(new CreateSessionCommand({ Bucket: b }));
      const c = out.Credentials!;
      const creds = {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      };
      const fresh = await signRequest(
        t2.zonal.port,
        { method: 'GET', path: `/${b}/k` },
        { credentials: creds, presign: { expiresIn: 3600 } },
      );
      assert.equal((await send(fresh, t2.zonal.port)).status, 200);
      await new Promise((r) => setTimeout(r, 4100));
      const late = await signRequest(
        t2.zonal.port,
        { method: 'GET', path: `/${b}/k` },
        { credentials: creds, presign: { expiresIn: 3600 } },
      );
      const res = await send(late, t2.zonal.port);
      assert.equal(res.status, 400);
      assert.equal(res.code, 'ExpiredToken');
    } finally {
      await t2.close();
    }
  });

  describe('signed aws-chunked uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
    /** Builds a signed aws-chunked body chained from the seed signature of the headers. */
    async function signedChunkedPut(key: string, chunks: Buffer[], corrupt = false) {
      const date = new Date();
      const decodedLength = chunks.reduce((n, c) => n + c.length, 0);
      const seed = await signRequest(
        port,
        {
          method: 'PUT',
          path: `/${bucket}/${key}`,
          headers: {
            'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
            'content-encoding': 'aws-chunked',
            'x-amz-decoded-content-length': String(decodedLength),
          },
        },
        { ...iam, signingDate: date },
      );
      const auth = seed.headers.authorization!;
      const seedSig = /Signature=([0-9a-f]{64})/.exec(auth)![1]!;
      const amzDate = seed.headers['x-amz-date']!;
      const scopeDate = amzDate.slice(0, 8);
      const scope = `${scopeDate}/us-east-1/s3express/aws4_request`;
      let key4 = hmac('AWS4' + ROOT_KEY.secretAccessKey, scopeDate);
      for (const part of ['us-east-1', 's3express', 'aws4_request']) key4 = hmac(key4, part);
      let prev = seedSig;
      const parts: Buffer[] = [];
      for (const chunk of [...chunks, Buffer.alloc(0)]) {
        const sts = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, prev, sha256hex(''), sha256hex(chunk)].join(
          '\n',
        );
        let sig = hmac(key4, sts).toString('hex');
        if (corrupt && chunk.length > 0) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
        prev = sig;
        parts.push(
          Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`),
          chunk,
          Buffer.from('\r\n'),
        );
      }
      seed.body = Buffer.concat(parts);
      seed.headers['content-length'] = String((seed.body as Buffer).length);
      return send(seed, port);
    }

    test('a correctly chained upload is stored', async () => {
      const data = [crypto.randomBytes(70_000), crypto.randomBytes(65_536), crypto.randomBytes(10)];
      const res = await signedChunkedPut('chunked/ok', data);
      assert.equal(res.status, 200, res.body);
      const got = await t.client().send(new GetObjectCommand({ Bucket: bucket, Key: 'chunked/ok' }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(data)));
    });

    test('a bad chunk signature is SignatureDoesNotMatch and nothing is stored', async () => {
      const res = await signedChunkedPut('chunked/bad', [crypto.randomBytes(1000)], true);
      assert.equal(res.status, 403);
      assert.equal(res.code, 'SignatureDoesNotMatch');
      const head = await signAndSend({ method: 'HEAD', path: `/${bucket}/chunked/bad` });
      assert.equal(head.status, 404);
    });
  });
});
