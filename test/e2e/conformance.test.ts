/**
 * Answers an outside conformance suite found wrong: unknown `Expect` values, RFC 2822 `Date`
 * headers, SSE headers on reads, the 501 for unsupported sub-resources and browser POST
 * uploads, and negative presigned expiries.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  bucketName,
  createBucketInput,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';
import { send, signRequest, type RawRequest, type SigningOptions } from '../helpers/raw-signing.js';
import { headerOf, RawConnection, serializeRequest } from '../helpers/raw-http.js';

const sha256hex = (data: string | Buffer): string => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer =>
  crypto.createHmac('sha256', key).update(data).digest();

/** `Tue, 01 Dec 2026 19:55:03 -0000`, as Python's `email.utils.formatdate()` writes it. */
function rfc2822(d: Date, zone = '-0000'): string {
  return d.toUTCString().replace('GMT', zone);
}

async function sdkError(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  assert.fail('expected an S3 error');
}

describe('conformance fixes', () => {
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

  describe('Expect other than 100-continue', () => {
    for (const expect of ['', 'something-else']) {
      test(`Expect: ${JSON.stringify(expect)} is ignored and the request served`, async () => {
        const signed = await signRequest(port, get('obj'), iam);
        const conn = await RawConnection.open(port);
        try {
          const headers = [...Object.entries(signed.headers), ['Expect', expect] as [string, string]];
          conn.write(serializeRequest('GET', signed.path, headers, Buffer.alloc(0)));
          const res = await conn.readResponse(false, 5_000);
          assert.equal(res.status, 200, res.body.toString());
          assert.equal(res.body.toString(), 'payload');
          assert.ok(headerOf(res, 'x-amz-request-id'));
        } finally {
          conn.destroy();
        }
      });
    }

    test('an unauthenticated request with an odd Expect gets an S3 error document', async () => {
      const conn = await RawConnection.open(port);
      try {
        conn.write(
          serializeRequest(
            'GET',
            `/${bucket}/obj`,
            [
              ['Host', `127.0.0.1:${port}`],
              ['Expect', ''],
            ],
            Buffer.alloc(0),
          ),
        );
        const res = await conn.readResponse(false, 5_000);
        assert.equal(res.status, 403);
        assert.match(res.body.toString(), /<Code>AccessDenied<\/Code>/);
      } finally {
        conn.destroy();
      }
    });
  });

  describe('Date header in RFC 2822 form (no x-amz-date)', () => {
    /** Signs by hand: the smithy signer always adds x-amz-date. */
    function signedWithDate(
      date: string,
      signingTime: Date,
    ): RawRequest & { headers: Record<string, string> } {
      const path = `/${bucket}/obj`;
      const host = `127.0.0.1:${port}`;
      const payload = sha256hex('');
      const canonical = [
        'GET',
        path,
        '',
        `date:${date}`,
        `host:${host}`,
        `x-amz-content-sha256:${payload}`,
        '',
        'date;host;x-amz-content-sha256',
        payload,
      ].join('\n');
      const amzDate = signingTime
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
      const day = amzDate.slice(0, 8);
      const scope = `${day}/us-east-1/s3express/aws4_request`;
      const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
      const key = [day, 'us-east-1', 's3express', 'aws4_request'].reduce<Buffer>(
        (k, part) => hmac(k, part),
        Buffer.from('AWS4' + ROOT_KEY.secretAccessKey),
      );
      const signature = hmac(key, toSign).toString('hex');
      return {
        method: 'GET',
        path,
        headers: {
          host,
          date,
          'x-amz-content-sha256': payload,
          authorization: `AWS4-HMAC-SHA256 Credential=${ROOT_KEY.accessKeyId}/${scope}, SignedHeaders=date;host;x-amz-content-sha256, Signature=${signature}`,
        },
      };
    }
    const sendRaw = (r: RawRequest & { headers: Record<string, string> }) =>
      send({ method: r.method, path: r.path, query: {}, headers: r.headers, body: '' } as never, port);

    test('a -0000 Date is accepted and is the signing time', async () => {
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const res = await sendRaw(signedWithDate(rfc2822(now), now));
      assert.equal(res.status, 200, res.body);
      assert.equal(res.body, 'payload');
    });

    test('a numeric offset converts to UTC for the string to sign', async () => {
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const local = new Date(now.getTime() + 90 * 60_000); // the same instant, written at +0130
      const res = await sendRaw(signedWithDate(rfc2822(local, '+0130'), now));
      assert.equal(res.status, 200, res.body);
      // Signed as if the zone were UTC: refused (signature, or scope date past midnight).
      const wrong = await sendRaw(signedWithDate(rfc2822(local, '+0130'), local));
      assert.ok(
        wrong.code === 'SignatureDoesNotMatch' || wrong.code === 'AuthorizationHeaderMalformed',
        wrong.body,
      );
    });
  });

  describe('server-side encryption headers on reads', () => {
    const cases: Array<[string, string]> = [
      ['x-amz-server-side-encryption', 'AES256'],
      ['x-amz-server-side-encryption-aws-kms-key-id', 'arn:aws:kms:us-east-1:111122223333:key/k'],
      ['x-amz-server-side-encryption-context', Buffer.from('{}').toString('base64')],
      ['x-amz-server-side-encryption-bucket-key-enabled', 'true'],
    ];
    for (const [name, value] of cases) {
      test(`GET and HEAD with ${name} → 400 InvalidArgument`, async () => {
        const res = await signAndSend({ ...get('obj'), headers: { [name]: value } });
        assert.equal(res.status, 400, res.body);
        assert.equal(res.code, 'InvalidArgument');
        assert.match(
          res.body,
          new RegExp(`<Message>${name} header is not supported for this operation.</Message>`),
        );
        assert.match(res.body, new RegExp(`<ArgumentName>${name}</ArgumentName>`));
        const head = await signAndSend({
          method: 'HEAD',
          path: `/${bucket}/obj`,
          headers: { [name]: value },
        });
        assert.equal(head.status, 400);
      });
    }

    test('the SDK: GetObject and HeadObject with SSE headers are refused', async () => {
      const client = t.client();
      client.middlewareStack.add(
        (next) => async (args) => {
          const req = args.request as { headers: Record<string, string> };
          req.headers['x-amz-server-side-encryption'] = 'AES256';
          return next(args);
        },
        { step: 'build', name: 'addSse' },
      );
      const e = await sdkError(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'obj' })));
      assert.equal(e.name, 'InvalidArgument');
      const h = await sdkError(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'obj' })));
      assert.equal(h.$metadata.httpStatusCode, 400);
    });

    test('SSE-C headers on GET keep today’s behaviour (ignored)', async () => {
      const res = await signAndSend({
        ...get('obj'),
        headers: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' },
      });
      assert.equal(res.status, 200, res.body);
    });
  });

  describe('501 for unsupported sub-resources names the operation', () => {
    test('the SDK: GetBucketVersioning, GetObjectTagging, PutBucketTagging', async () => {
      const control = t.controlClient();
      const v = await sdkError(control.send(new GetBucketVersioningCommand({ Bucket: bucket })));
      assert.equal(v.name, 'NotImplemented');
      assert.equal(v.message, 'GetBucketVersioning is not supported by directory buckets.');
      const g = await sdkError(control.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'obj' })));
      assert.equal(g.message, 'GetObjectTagging is not supported by directory buckets.');
      const p = await sdkError(
        control.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [] } })),
      );
      assert.equal(p.message, 'PutBucketTagging is not supported by directory buckets.');
    });

    test('raw: acl, analytics list vs get, an odd method', async () => {
      const cases: Array<[RawRequest, string]> = [
        [{ method: 'GET', path: `/${bucket}`, query: { acl: '' } }, 'GetBucketAcl'],
        [{ method: 'PUT', path: `/${bucket}/obj`, query: { acl: '' } }, 'PutObjectAcl'],
        [
          { method: 'GET', path: `/${bucket}`, query: { analytics: '' } },
          'ListBucketAnalyticsConfigurations',
        ],
        [
          { method: 'GET', path: `/${bucket}`, query: { analytics: '', id: 'x' } },
          'GetBucketAnalyticsConfiguration',
        ],
        [{ method: 'GET', path: `/${bucket}`, query: { versions: '' } }, 'ListObjectVersions'],
        [{ method: 'POST', path: `/${bucket}`, query: { versioning: '' } }, 'The ?versioning sub-resource'],
      ];
      for (const [req, name] of cases) {
        const res = await signAndSend(req);
        assert.equal(res.status, 501, `${name}: ${res.body}`);
        assert.equal(res.code, 'NotImplemented');
        assert.match(
          res.body,
          new RegExp(`<Message>${name.replace('?', '\\?')} is not supported by directory buckets.</Message>`),
        );
      }
    });

    test('an unsigned request for a sub-resource is still AccessDenied', async () => {
      const res = await fetch(`${t.ipEndpoint}/${bucket}?versioning`);
      assert.equal(res.status, 403);
    });
  });

  describe('browser POST upload', () => {
    const form = (boundary: string): string =>
      [
        `--${boundary}`,
        'Content-Disposition: form-data; name="key"',
        '',
        'posted',
        `--${boundary}`,
        'Content-Disposition: form-data; name="file"; filename="f.txt"',
        'Content-Type: text/plain',
        '',
        'hello',
        `--${boundary}--`,
        '',
      ].join('\r\n');

    test('POST /<bucket> multipart/form-data → 501 NotImplemented, nothing stored', async () => {
      const res = await fetch(`${t.ipEndpoint}/${bucket}`, {
        method: 'POST',
        headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
        body: form('xyz'),
      });
      const body = await res.text();
      assert.equal(res.status, 501, body);
      assert.match(body, /<Code>NotImplemented<\/Code>/);
      assert.match(body, /PostObject is not supported by directory buckets\./);
      const head = await signAndSend({ method: 'HEAD', path: `/${bucket}/posted` });
      assert.equal(head.status, 404);
    });

    test('nothing else unauthenticated gets past authentication', async () => {
      const cases: Array<[string, string, string]> = [
        ['POST', `/${bucket}?delete`, 'multipart/form-data; boundary=xyz'],
        ['POST', `/${bucket}/key?uploads`, 'multipart/form-data; boundary=xyz'],
        ['POST', `/${bucket}/key`, 'multipart/form-data; boundary=xyz'],
        ['PUT', `/${bucket}/key`, 'multipart/form-data; boundary=xyz'],
        ['POST', `/${bucket}`, 'text/plain'],
        ['POST', `/${bucket}`, 'multipart/form-dataX'],
      ];
      for (const [method, path, type] of cases) {
        const res = await fetch(`${t.ipEndpoint}${path}`, {
          method,
          headers: { 'Content-Type': type },
          body: form('xyz'),
        });
        await res.text();
        assert.equal(res.status, 403, `${method} ${path} ${type}`);
      }
    });
  });

  describe('presigned X-Amz-Expires', () => {
    test('-1000 → 400 AuthorizationQueryParametersError "must be non-negative"', async () => {
      const signed = await signRequest(port, get('obj'), { ...iam, presign: { expiresIn: 60 } });
      signed.query['X-Amz-Expires'] = '-1000';
      const res = await send(signed, port);
      assert.equal(res.status, 400, res.body);
      assert.equal(res.code, 'AuthorizationQueryParametersError');
      assert.match(res.body, /<Message>X-Amz-Expires must be non-negative<\/Message>/);
    });
  });
});
