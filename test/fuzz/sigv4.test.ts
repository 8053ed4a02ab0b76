/**
 * Fuzzing SigV4 parsing: random Authorization headers (well-formed, mutated, hostile), random
 * presigned query strings and random header lists. parseSigV4 may only return credentials that
 * respect its own contract, return null (anonymous) or throw an S3Error; the canonical request
 * of anything it accepts must be computable. And requests signed by the AWS SDK's signer with
 * random methods, paths, queries and headers must verify.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/protocols';

import {
  canonicalComponent,
  canonicalRequest,
  MAX_PRESIGN_EXPIRES_SECONDS,
  parseSigV4,
  percentDecode,
  stringToSign,
  uriEncode,
  verifySigV4,
  type RequestParts,
} from '../../src/auth/sigv4.js';
import { SigningKeyCache } from '../../src/auth/signing-key-cache.js';
import { S3Error } from '../../src/errors/s3-error.js';
import { NodeSha256 } from '../helpers/raw-signing.js';
import {
  anyText,
  asciiText,
  encodedText,
  headerName,
  headerValue,
  mutate,
  rawQuery,
  safeUtf16,
  tokenText,
  unicodeText,
} from './arbitraries.js';
import { fuzz, fuzzAsync, outcome } from './fuzz-runner.js';

const HEX64 = /^[0-9a-f]{64}$/;
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const amzDate = fc
  .date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
  .map((d) =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, ''),
  );

/** `AKID/yyyymmdd/region/service/aws4_request`, right or subtly wrong. */
const credential = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom('AKIAZONALTESTROOT000', 'ASIAXXXX', 'a', ''),
        fc.constantFrom('20260101', '2026010', '20261301', 'yyyymmdd'),
        fc.constantFrom('us-east-1', 'eu-west-1', '', 'a b'),
        fc.constantFrom('s3express', 's3', 'iam', 'sts', 'service', 'S3'),
        fc.constantFrom('aws4_request', 'aws4_requests', ''),
      )
      .map((parts) => parts.join('/')),
  },
  {
    weight: 1,
    arbitrary: mutate(fc.constant('AKIAZONALTESTROOT000/20260101/us-east-1/s3express/aws4_request')),
  },
  { weight: 1, arbitrary: anyText },
);

const signedHeaderList = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .uniqueArray(
        fc.oneof(
          fc.constantFrom('host', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-s3session-token', 'range'),
          tokenText(1, 10).map((s) => s.toLowerCase()),
        ),
        { maxLength: 6 },
      )
      .map((names) => names.join(';')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ';',
      'host;',
      'Host',
      'host;host',
      Array.from({ length: 70 }, (_, i) => `h${i}`).join(';'),
    ),
  },
  { weight: 1, arbitrary: anyText },
);

/** Authorization header values: the SDK's shape with every part varied, plus raw noise. */
const authorizationValue = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512', 'AWS', 'aws4-hmac-sha256', ''),
        credential,
        signedHeaderList,
        fc.oneof(hex64, mutate(hex64)),
        fc.constantFrom(', ', ',', ' , ', ',,'),
        fc.boolean(),
      )
      .map(([alg, cred, sh, sig, sep, reorder]) => {
        const parts = [`Credential=${cred}`, `SignedHeaders=${sh}`, `Signature=${sig}`];
        if (reorder) parts.reverse();
        return `${alg} ${parts.join(sep)}`;
      }),
  },
  {
    weight: 1,
    arbitrary: mutate(
      fc.constant(
        'AWS4-HMAC-SHA256 Credential=AKIAZONALTESTROOT000/20260101/us-east-1/s3express/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=' +
          'a'.repeat(64),
      ),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'AWS AKIA:sig',
      'Bearer x',
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 ',
      `AWS4-HMAC-SHA256 ${'Credential=a,'.repeat(1000)}`,
    ),
  },
  { weight: 1, arbitrary: anyText },
);

/** Query strings with presigned-URL parameters, complete or not. */
const presignedQuery = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          'X-Amz-Algorithm': fc.constantFrom('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1', ''),
          'X-Amz-Credential': credential,
          'X-Amz-Date': fc.oneof(amzDate, anyText),
          'X-Amz-Expires': fc.oneof(
            fc.integer({ min: -5, max: MAX_PRESIGN_EXPIRES_SECONDS + 5 }).map(String),
            anyText,
          ),
          'X-Amz-SignedHeaders': signedHeaderList,
          'X-Amz-Signature': fc.oneof(hex64, anyText),
          'X-Amz-Content-Sha256': fc.constantFrom(
            'UNSIGNED-PAYLOAD',
            'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
            'x',
          ),
          'X-Amz-S3session-Token': anyText,
          'X-Amz-Security-Token': anyText,
        },
        { requiredKeys: [] },
      )
      .chain((params) =>
        fc.tuple(fc.constant(params), fc.boolean(), rawQuery).map(([p, dup, extra]) => {
          const pairs = Object.entries(p).map(([k, v]) => `${k}=${uriEncode(safeUtf16(v))}`);
          if (dup && pairs.length > 0) pairs.push(pairs[0]!);
          if (extra !== '') pairs.push(extra);
          return pairs.join('&');
        }),
      ),
  },
  { weight: 2, arbitrary: rawQuery },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'AWSAccessKeyId=a&Signature=b&Expires=1',
      'X-Amz-Credential=x',
      'X-Amz-Signature=y',
    ),
  },
);

/** rawHeaders as node hands them over: latin1 strings, duplicates kept. */
const rawHeaders = fc
  .tuple(
    fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
    fc.option(authorizationValue, { nil: undefined }),
    fc.option(fc.oneof(amzDate, headerValue), { nil: undefined }),
    fc.option(
      fc.oneof(
        fc.constantFrom(
          'UNSIGNED-PAYLOAD',
          'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        ),
        hex64,
        headerValue,
      ),
      { nil: undefined },
    ),
    fc.boolean(),
  )
  .map(([random, auth, date, sha, dupAuth]) => {
    const list: string[] = ['Host', '127.0.0.1:9000'];
    if (auth !== undefined) list.push('Authorization', auth);
    if (auth !== undefined && dupAuth) list.push('authorization', auth);
    if (date !== undefined) list.push('X-Amz-Date', date);
    if (sha !== undefined) list.push('x-amz-content-sha256', sha);
    for (const [n, v] of random) list.push(n, v);
    return list.map((s) => Buffer.from(s, 'utf8').toString('latin1'));
  });

const requestParts = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
  rawPath: fc.oneof(
    fc.array(encodedText, { maxLength: 4 }).map((s) => '/' + s.join('/')),
    fc.constant('/'),
  ),
  rawQuery: fc.oneof(presignedQuery, rawQuery),
  rawHeaders,
});

describe('fuzz: SigV4 parsing', () => {
  test('parseSigV4: null, valid credentials, or an S3Error; accepted requests canonicalize', (t) => {
    fuzz(
      t,
      'sigv4/parse',
      4000,
      fc.property(requestParts, (req: RequestParts) => {
        const r = outcome(() => parseSigV4(req));
        if ('error' in r) {
          const e = r.error as S3Error;
          assert.ok(e.status >= 400 && e.status < 500, `${e.code} ${e.status}`);
          return;
        }
        const auth = r.value;
        if (auth === null) return;
        assert.match(auth.signature, HEX64);
        assert.match(auth.scopeDate, /^\d{8}$/);
        assert.ok(auth.signedHeaders.includes('host'), 'host is always signed');
        assert.ok(!Number.isNaN(auth.requestTime.getTime()));
        assert.match(auth.amzDate, /^\d{8}T\d{6}Z$/);
        if (auth.form === 'query') {
          assert.ok(auth.expiresSeconds! >= 1 && auth.expiresSeconds! <= MAX_PRESIGN_EXPIRES_SECONDS);
        }
        assert.ok(
          HEX64.test(auth.payloadHash) || /^(UNSIGNED-PAYLOAD|STREAMING-[A-Z0-9-]+)$/.test(auth.payloadHash),
          auth.payloadHash,
        );
        // Everything the verifier computes from an accepted request: only InvalidURI may fail.
        const c = outcome(() => stringToSign(auth, canonicalRequest(req, auth)));
        if ('error' in c) assert.equal((c.error as S3Error).code, 'InvalidURI');
        const keys = new SigningKeyCache();
        const v = outcome(() => verifySigV4(req, auth, 'secret', auth.requestTime, keys));
        assert.ok('error' in v, 'a random signature verified');
      }),
    );
  });

  test('percent-decoding: any text decodes to bytes or is InvalidURI; re-encoding is stable', (t) => {
    fuzz(
      t,
      'sigv4/uri-encoding',
      2000,
      fc.property(fc.oneof(encodedText, anyText), unicodeText(20).map(safeUtf16), (raw, text) => {
        const r = outcome(() => canonicalComponent(raw));
        if ('error' in r) return assert.equal((r.error as S3Error).code, 'InvalidURI');
        assert.equal(canonicalComponent(r.value), r.value, 'canonical form is a fixed point');
        assert.equal(percentDecode(uriEncode(text)).toString('utf8'), text);
      }),
    );
  });
});

describe('fuzz: requests signed by the AWS SDK signer verify', () => {
  const secret = 'fuzz-secret-0000000000000000000000000000';
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIAZONALTESTROOT000', secretAccessKey: secret },
    region: 'us-east-1',
    service: 's3express',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  // Values the SDK and S3 normalize alike: printable ASCII with inner runs of spaces and tabs.
  const value = fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_.~/:;,=+*!"\'()\t  '), maxLength: 20 });
  const segment = unicodeText(10).map((s) => uriEncode(safeUtf16(s)));

  test('random method, path, query and headers', async (t) => {
    await fuzzAsync(
      t,
      'sigv4/sdk-signed',
      1200,
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH'),
        fc.array(segment, { maxLength: 4 }),
        fc.dictionary(unicodeText(8).map(safeUtf16), unicodeText(8).map(safeUtf16), { maxKeys: 4 }),
        fc.dictionary(
          tokenText(1, 12).map((n) => n.toLowerCase()),
          value,
          { maxKeys: 4 },
        ),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        async (method, segments, query, extra, when) => {
          const headers: Record<string, string> = {
            host: 'b--use1-az4--x-s3.localhost:9000',
            'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          };
          for (const [n, v] of Object.entries(extra)) {
            if (['authorization', 'host', 'x-amz-date', 'x-amz-content-sha256', 'date'].includes(n)) continue;
            headers[n] = v;
          }
          const path = '/' + segments.join('/');
          const signed = await signer.sign(
            new HttpRequest({ method, hostname: 'localhost', path, query, headers }),
            { signingDate: when },
          );
          const rawQueryString = Object.entries(signed.query ?? {})
            .map(([k, v]) => `${uriEncode(k)}=${uriEncode(String(v))}`)
            .join('&');
          const req: RequestParts = {
            method,
            rawPath: path,
            rawQuery: rawQueryString,
            rawHeaders: Object.entries(signed.headers).flatMap(([n, v]) => [n, v.trim()]),
          };
          const auth = parseSigV4(req);
          assert.ok(auth !== null);
          verifySigV4(req, auth, secret, when, new SigningKeyCache());
        },
      ),
    );
  });

  test('garbage after a valid signature never verifies', (t) => {
    fuzz(
      t,
      'sigv4/header-noise',
      800,
      fc.property(asciiText(30), (noise) => {
        const r = outcome(() =>
          parseSigV4({
            method: 'GET',
            rawPath: '/',
            rawQuery: '',
            rawHeaders: [
              'host',
              'h',
              'authorization',
              `AWS4-HMAC-SHA256 Credential=AKIAZONALTESTROOT000/20260101/us-east-1/s3express/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'a'.repeat(64)}${noise}`,
              'x-amz-date',
              '20260101T000000Z',
              'x-amz-content-sha256',
              'UNSIGNED-PAYLOAD',
            ],
          }),
        );
        if ('value' in r && r.value !== null) assert.equal(r.value.signature, 'a'.repeat(64) + noise.trim());
      }),
    );
  });
});
