/**
 * SigV4 verifier: canonicalization units, round trips against @smithy/signature-v4 and the real
 * AWS SDK (requests captured before they hit the network), single-element mutations that must
 * break the signature, and the error codes of malformed, skewed and expired requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Readable } from 'node:stream';

import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, SourceData } from '@smithy/types';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

import {
  canonicalComponent,
  canonicalQueryString,
  canonicalUri,
  formatAmzDate,
  parseHttpDate,
  parseQuery,
  parseSigV4,
  percentDecode,
  uriEncode,
  verifySigV4,
  type RequestParts,
  type SigV4Auth,
} from '../../src/auth/sigv4.js';
import { SigningKeyCache, deriveSigningKey } from '../../src/auth/signing-key-cache.js';
import { S3Error } from '../../src/errors/s3-error.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** node:crypto SHA-256 / HMAC in the shape smithy's signer expects. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string'
        ? Buffer.from(this.secret, 'utf8')
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac('sha256', key);
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

const SESSION = { accessKeyId: 'SESSIONAKID1234', secretAccessKey: 'sessionSecret/with+chars=' };
const TOKEN = 'AgAAAF9zZXNzaW9uL3Rva2VuK3dpdGgvc2xhc2hlcz0=';
const SIGNING_DATE = new Date('2026-03-01T12:00:00Z');
const HOST = 'mybucket--use1-az4--x-s3.s3express-use1-az4.us-east-1.amazonaws.com';
const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

function signer(service = 's3express', region = 'us-east-1', creds = SESSION): SignatureV4 {
  return new SignatureV4({
    service,
    region,
    credentials: creds,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

/** The request as it travels: raw path/query and headers in order. */
interface Wire {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Array<[string, string]>;
}

/** smithy's escapeUri: encodeURIComponent plus !'()*. */
const escapeUri = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function queryString(query: HttpRequest['query']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === null) parts.push(escapeUri(k));
    else for (const one of Array.isArray(v) ? v : [v]) parts.push(`${escapeUri(k)}=${escapeUri(one)}`);
  }
  return parts.join('&');
}

/** Header values as node hands them over: latin1 strings of the UTF-8 bytes sent. */
const asNodeHeaderValue = (v: string): string => Buffer.from(v, 'utf8').toString('latin1');

function toWire(req: HttpRequest): Wire {
  return {
    method: req.method,
    rawPath: req.path,
    rawQuery: queryString(req.query),
    headers: Object.entries(req.headers).map(([k, v]) => [k, asNodeHeaderValue(v)]),
  };
}

function toParts(w: Wire): RequestParts {
  return { method: w.method, rawPath: w.rawPath, rawQuery: w.rawQuery, rawHeaders: w.headers.flat() };
}

interface Spec {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

function request(spec: Spec): HttpRequest {
  return {
    method: spec.method,
    protocol: 'https:',
    hostname: HOST,
    path: spec.path,
    query: { ...(spec.query ?? {}) },
    headers: { host: HOST, ...(spec.headers ?? {}) },
    body: spec.body,
  };
}

/** Header-form request signed by smithy the way the SDK signs S3 Express session requests. */
async function signHeaderForm(spec: Spec, opts: { service?: string; region?: string } = {}): Promise<Wire> {
  const headers = {
    'x-amz-content-sha256': sha256(spec.body ?? ''),
    'x-amz-s3session-token': TOKEN,
    ...(spec.headers ?? {}),
  };
  const signed = await signer(opts.service, opts.region).sign(request({ ...spec, headers }), {
    signingDate: SIGNING_DATE,
  });
  return toWire(signed);
}

/** Presigned the way @aws-sdk/s3-request-presigner does for S3 Express sessions. */
async function presign(spec: Spec, expiresIn = 300): Promise<Wire> {
  const req = request({
    ...spec,
    query: { ...(spec.query ?? {}), 'X-Amz-S3session-Token': TOKEN },
    headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...(spec.headers ?? {}) },
  });
  const signed = await signer().presign(req, { signingDate: SIGNING_DATE, expiresIn });
  return toWire(signed);
}

/** 'ok', 'anonymous' or the S3 error code. */
function outcome(w: Wire, now = SIGNING_DATE, secret = SESSION.secretAccessKey): string {
  try {
    const parts = toParts(w);
    const auth = parseSigV4(parts);
    if (auth === null) return 'anonymous';
    verifySigV4(parts, auth, secret, now, new SigningKeyCache());
    return 'ok';
  } catch (err) {
    if (err instanceof S3Error) return err.code;
    throw err;
  }
}

function caught(fn: () => unknown): S3Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof S3Error) return err;
    throw err;
  }
  assert.fail('expected an S3Error');
}

const withHeader = (w: Wire, name: string, f: (v: string) => string): Wire => ({
  ...w,
  headers: w.headers.map(([n, v]): [string, string] => [n, n.toLowerCase() === name ? f(v) : v]),
});
const addHeader = (w: Wire, name: string, value: string): Wire => ({
  ...w,
  headers: [...w.headers, [name, value]],
});
const dropHeader = (w: Wire, name: string): Wire => ({
  ...w,
  headers: w.headers.filter(([n]) => n.toLowerCase() !== name),
});
const withQueryParam = (w: Wire, name: string, f: (v: string) => string): Wire => ({
  ...w,
  rawQuery: w.rawQuery
    .split('&')
    .map((p) => (p.startsWith(name + '=') ? `${name}=${f(p.slice(name.length + 1))}` : p))
    .join('&'),
});
const dropQueryParam = (w: Wire, name: string): Wire => ({
  ...w,
  rawQuery: w.rawQuery
    .split('&')
    .filter((p) => !p.startsWith(name + '='))
    .join('&'),
});
const header = (w: Wire, name: string): string => w.headers.find(([n]) => n.toLowerCase() === name)![1];
const minutes = (n: number): Date => new Date(SIGNING_DATE.getTime() + n * 60_000);
/** Changes one character to a different one of the same kind (hex stays hex). */
const flipChar = (c: string): string =>
  /[0-9a-fA-F]/.test(c) ? (c === '0' ? '1' : '0') : c === 'x' ? 'y' : 'x';
const flipAt = (s: string, i: number): string => s.slice(0, i) + flipChar(s[i]!) + s.slice(i + 1);

// ---------------------------------------------------------------------------------------------
// Canonicalization units

test('canonicalUri: single encoding, no normalization, %2F distinct from /', () => {
  assert.equal(canonicalUri(''), '/');
  assert.equal(canonicalUri('/'), '/');
  assert.equal(canonicalUri('/b/a b'), '/b/a%20b');
  assert.equal(canonicalUri('/b/a%20b'), '/b/a%20b');
  assert.equal(canonicalUri('/b/a%2Fb'), '/b/a%2Fb');
  assert.equal(canonicalUri('/b/a%2fb'), '/b/a%2Fb');
  assert.notEqual(canonicalUri('/b/a%2Fb'), canonicalUri('/b/a/b'));
  assert.equal(canonicalUri('/b//x/./../y/'), '/b//x/./../y/');
  assert.equal(canonicalUri('/b/%61%7E'), '/b/a~');
  assert.equal(canonicalUri('/b/a+b'), '/b/a%2Bb');
  assert.equal(canonicalUri('/b/ü€😀'), '/b/%C3%BC%E2%82%AC%F0%9F%98%80');
  assert.equal(canonicalUri("/b/!'()*:@&=$,;"), '/b/%21%27%28%29%2A%3A%40%26%3D%24%2C%3B');
  assert.equal(canonicalUri('/b/%FF%00'), '/b/%FF%00');
  for (const bad of ['/b/%', '/b/%4', '/b/%zz', '/b/%4g', '/b/a%']) {
    const err = caught(() => canonicalUri(bad));
    assert.equal(err.code, 'InvalidURI');
    assert.equal(err.status, 400);
  }
});

test('canonicalQueryString: decode, re-encode, sort; bare names get empty values', () => {
  assert.equal(canonicalQueryString('', false), '');
  assert.equal(canonicalQueryString('session', false), 'session=');
  assert.equal(canonicalQueryString('session=', false), 'session=');
  assert.equal(canonicalQueryString('prefix=a%2F&list-type=2', false), 'list-type=2&prefix=a%2F');
  assert.equal(canonicalQueryString('prefix=a/', false), 'prefix=a%2F');
  assert.equal(canonicalQueryString('a=2&a=1&A=3', false), 'A=3&a=1&a=2');
  assert.equal(canonicalQueryString('q=a+b', false), 'q=a%2Bb');
  assert.equal(canonicalQueryString('q=a%20b', false), 'q=a%20b');
  assert.equal(canonicalQueryString('k=%e2%82%ac&&', false), 'k=%E2%82%AC');
  assert.equal(canonicalQueryString('a=1&X-Amz-Signature=ff', true), 'a=1');
  assert.equal(canonicalQueryString('a=1&X-Amz-Signature=ff', false), 'X-Amz-Signature=ff&a=1');
  assert.equal(caught(() => canonicalQueryString('a=%G0', false)).code, 'InvalidURI');
});

test('parseQuery and percentDecode agree with the canonical reading', () => {
  assert.deepEqual(parseQuery('prefix=a%2Fb&session&q=a+b'), [
    ['prefix', 'a/b'],
    ['session', ''],
    ['q', 'a+b'],
  ]);
  assert.deepEqual(percentDecode('%E2%82%AC'), Buffer.from('€'));
  assert.equal(uriEncode('a b/ü'), 'a%20b%2F%C3%BC');
});

test('dates: RFC 1123 Date headers convert to amz dates; impossible dates rejected', () => {
  assert.equal(formatAmzDate(parseHttpDate('Sun, 01 Mar 2026 12:00:00 GMT')!), '20260301T120000Z');
  assert.equal(parseHttpDate('Sun, 30 Feb 2026 12:00:00 GMT'), null);
  assert.equal(parseHttpDate('2026-03-01T12:00:00Z'), null);
  // RFC 2822 with numeric zones (Python's email.utils.formatdate, which botocore signs with).
  assert.equal(formatAmzDate(parseHttpDate('Tue, 01 Dec 2026 19:55:03 -0000')!), '20261201T195503Z');
  assert.equal(formatAmzDate(parseHttpDate('Tue, 01 Dec 2026 19:55:03 +0000')!), '20261201T195503Z');
  assert.equal(formatAmzDate(parseHttpDate('Tue, 01 Dec 2026 20:55:03 +0100')!), '20261201T195503Z');
  assert.equal(formatAmzDate(parseHttpDate('Tue, 01 Dec 2026 23:30:00 -0230')!), '20261202T020000Z');
  assert.equal(formatAmzDate(parseHttpDate('1 Dec 2026 19:55:03 UT')!), '20261201T195503Z');
  for (const bad of [
    'Tue, 01 Dec 2026 19:55:03 +2400',
    'Tue, 01 Dec 2026 19:55:03 +0060',
    'Tue, 01 Dec 2026 19:55:03 EST',
    'Tue, 01 Dec 2026 19:55:03',
  ]) {
    assert.equal(parseHttpDate(bad), null, bad);
  }
});

test('SigningKeyCache: AWS documentation key, LRU eviction', () => {
  // docs.aws.amazon.com "Examples of how to derive a signing key for Signature Version 4"
  const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
  assert.equal(key.toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');

  const cache = new SigningKeyCache(2);
  const a = cache.get('s1', '20260301', 'us-east-1', 's3express');
  const b = cache.get('s2', '20260301', 'us-east-1', 's3express');
  assert.equal(cache.get('s1', '20260301', 'us-east-1', 's3express'), a); // hit, now most recent
  cache.get('s3', '20260301', 'us-east-1', 's3express'); // evicts s2
  assert.equal(cache.size, 2);
  assert.equal(cache.get('s1', '20260301', 'us-east-1', 's3express'), a);
  const b2 = cache.get('s2', '20260301', 'us-east-1', 's3express');
  assert.notEqual(b2, b); // re-derived
  assert.deepEqual(b2, b);
  assert.notDeepEqual(cache.get('s1', '20260301', 'us-east-1', 's3'), a);
  assert.throws(() => new SigningKeyCache(0), RangeError);
});

// ---------------------------------------------------------------------------------------------
// Round trips

const HEADER_CASES: Array<[string, Spec]> = [
  [
    'PutObject, spaces in key',
    {
      method: 'PUT',
      path: '/photos/a%20b%20c.jpg',
      query: { 'x-id': 'PutObject' },
      body: 'hello',
      headers: { 'content-type': 'image/jpeg', 'content-length': '5' },
    },
  ],
  ['unicode key', { method: 'GET', path: '/%C3%BC%E2%82%AC/%F0%9F%98%80', query: { 'x-id': 'GetObject' } }],
  ['encoded slash in key', { method: 'GET', path: '/a%2Fb/c' }],
  ['double slashes and dots', { method: 'GET', path: '//double//./../slash/' }],
  [
    'ListObjectsV2',
    {
      method: 'GET',
      path: '/',
      query: { 'list-type': '2', prefix: 'a/', delimiter: '/', 'continuation-token': 'tok+en/==' },
    },
  ],
  [
    'CreateSession-style bare parameter',
    {
      method: 'GET',
      path: '/',
      query: { session: '' },
      headers: { 'x-amz-create-session-mode': 'ReadOnly' },
    },
  ],
  [
    'metadata with spaces and UTF-8',
    {
      method: 'PUT',
      path: '/k',
      body: '',
      headers: { 'x-amz-meta-note': '  two   spaces  and ü ', 'content-type': 'text/plain' },
    },
  ],
  ['host with port', { method: 'HEAD', path: '/k', headers: { host: 'localhost:9000' } }],
  [
    'unsigned-payload PUT',
    { method: 'PUT', path: '/k', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
  ],
  [
    'streaming payload',
    {
      method: 'PUT',
      path: '/k',
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-trailer': 'x-amz-checksum-crc32',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '11',
      },
    },
  ],
];

test('header form round trips with @smithy/signature-v4', async (t) => {
  for (const [name, spec] of HEADER_CASES) {
    await t.test(name, async () => {
      const w = await signHeaderForm(spec);
      const auth = parseSigV4(toParts(w));
      assert.ok(auth);
      assert.equal(auth.form, 'header');
      assert.equal(auth.accessKeyId, SESSION.accessKeyId);
      assert.equal(auth.service, 's3express');
      assert.equal(auth.region, 'us-east-1');
      assert.equal(auth.sessionToken, TOKEN);
      assert.equal(auth.securityToken, undefined);
      assert.ok(auth.signedHeaders.includes('x-amz-s3session-token'));
      assert.equal(auth.amzDate, '20260301T120000Z');
      const key = verifySigV4(toParts(w), auth, SESSION.secretAccessKey, SIGNING_DATE, new SigningKeyCache());
      assert.deepEqual(key, deriveSigningKey(SESSION.secretAccessKey, '20260301', 'us-east-1', 's3express'));
    });
  }
  await t.test('service s3 scope (JS SDK caveat) is accepted', async () => {
    const w = await signHeaderForm({ method: 'GET', path: '/k' }, { service: 's3' });
    assert.equal(outcome(w), 'ok');
  });
});

test('presigned round trips with X-Amz-S3session-Token', async (t) => {
  const cases: Array<[string, Spec, number]> = [
    ['GetObject', { method: 'GET', path: '/dir/a%20b.txt', query: { 'x-id': 'GetObject' } }, 300],
    ['PutObject, one week', { method: 'PUT', path: '/%C3%BC', query: { 'x-id': 'PutObject' } }, 604800],
    ['ListObjectsV2', { method: 'GET', path: '/', query: { 'list-type': '2', prefix: 'a/' } }, 3600],
  ];
  for (const [name, spec, expires] of cases) {
    await t.test(name, async () => {
      const w = await presign(spec, expires);
      const auth = parseSigV4(toParts(w));
      assert.ok(auth);
      assert.equal(auth.form, 'query');
      assert.equal(auth.sessionToken, TOKEN);
      assert.equal(auth.payloadHash, 'UNSIGNED-PAYLOAD');
      assert.equal(auth.expiresSeconds, expires);
      assert.deepEqual(auth.signedHeaders, ['host']);
      assert.equal(outcome(w, new Date(SIGNING_DATE.getTime() + expires * 1000)), 'ok');
    });
  }
});

/** Runs real AWS SDK commands against a handler that records the request instead of sending it. */
async function captureSdkRequests(): Promise<{
  requests: HttpRequest[];
  bodies: string[];
  presignedUrl: string;
}> {
  const requests: HttpRequest[] = [];
  const bodies: string[] = [];
  const sessionXml =
    '<?xml version="1.0" encoding="UTF-8"?><CreateSessionResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Credentials><SessionToken>${TOKEN}</SessionToken><SecretAccessKey>${SESSION.secretAccessKey}</SecretAccessKey>` +
    `<AccessKeyId>${SESSION.accessKeyId}</AccessKeyId><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></CreateSessionResult>`;
  const requestHandler = {
    async handle(req: HttpRequest) {
      let body = Buffer.alloc(0);
      const b: unknown = req.body;
      if (b instanceof Readable)
        for await (const c of b) body = Buffer.concat([body, Buffer.from(c as Uint8Array)]);
      else if (typeof b === 'string' || b instanceof Uint8Array) body = Buffer.from(b);
      requests.push(req);
      bodies.push(body.toString('latin1'));
      const xml = req.query && 'session' in req.query ? sessionXml : '';
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/xml' },
          body: Readable.from([Buffer.from(xml)]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9000',
    credentials: { accessKeyId: 'ROOTAKID', secretAccessKey: 'rootSecret' },
    requestHandler,
  });
  const Bucket = 'mybucket--use1-az4--x-s3';
  await client.send(new PutObjectCommand({ Bucket, Key: 'a b/ü€/x+y', Body: 'hello world' }));
  await client.send(
    new PutObjectCommand({
      Bucket,
      Key: 'stream',
      Body: Readable.from([Buffer.from('hello world')]),
      ContentLength: 11,
    }),
  );
  await client.send(new ListObjectsV2Command({ Bucket, Prefix: 'a/' })).catch(() => undefined);
  const presignedUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket, Key: 'a b/c' }), {
    expiresIn: 300,
  });
  client.destroy();
  return { requests, bodies, presignedUrl };
}

test('requests from the real AWS SDK (S3 Express session flow) verify', async () => {
  const { requests, bodies, presignedUrl } = await captureSdkRequests();
  const now = new Date();
  assert.ok(requests.length >= 4);
  for (const req of requests) {
    const w = toWire(req);
    const auth = parseSigV4(toParts(w));
    assert.ok(auth);
    assert.equal(auth.service, 's3express');
    const isCreateSession = req.query !== undefined && 'session' in req.query;
    assert.equal(auth.sessionToken, isCreateSession ? undefined : TOKEN);
    assert.equal(
      outcome(w, now, isCreateSession ? 'rootSecret' : SESSION.secretAccessKey),
      'ok',
      `${req.method} ${req.path}`,
    );
  }
  assert.ok(bodies.includes('b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n'));

  const url = new URL(presignedUrl);
  const w: Wire = {
    method: 'GET',
    rawPath: url.pathname,
    rawQuery: url.search.slice(1),
    headers: [['Host', url.host]],
  };
  const auth = parseSigV4(toParts(w));
  assert.ok(auth);
  assert.equal(auth.form, 'query');
  assert.equal(auth.sessionToken, TOKEN);
  assert.equal(outcome(w, now), 'ok');
  assert.equal(
    outcome(
      withQueryParam(w, 'X-Amz-S3session-Token', () => 'other'),
      now,
    ),
    'SignatureDoesNotMatch',
  );
});

// ---------------------------------------------------------------------------------------------
// Mutations

const RICH: Spec = {
  method: 'PUT',
  path: '/dir/%C3%BC%20x%2Fy/file.txt',
  query: { uploadId: 'up/load+id=', partNumber: '7' },
  body: 'part body',
  headers: { 'content-type': 'text/plain', 'content-md5': 'q8/2vzw3Oi1xJ2/Iey9J9w==', 'x-amz-meta-a': 'v' },
};

test('header form: changing any single signed element breaks the signature', async () => {
  const base = await signHeaderForm(RICH);
  assert.equal(outcome(base), 'ok');
  const mismatch: Array<[string, Wire]> = [
    ['method', { ...base, method: 'POST' }],
    ['payload hash', withHeader(base, 'x-amz-content-sha256', () => sha256('other'))],
    ['date (+1 s)', withHeader(base, 'x-amz-date', () => '20260301T120001Z')],
    ['session token', withHeader(base, 'x-amz-s3session-token', (v) => v + 'x')],
    ['region', withHeader(base, 'authorization', (v) => v.replace('/us-east-1/', '/us-west-2/'))],
    ['service', withHeader(base, 'authorization', (v) => v.replace('/s3express/', '/s3/'))],
    ['signature', withHeader(base, 'authorization', (v) => flipAt(v, v.length - 1))],
    ['extra query parameter', { ...base, rawQuery: base.rawQuery + '&acl=' }],
    ['dropped query parameter', dropQueryParam(base, 'partNumber')],
    ['dropped signed header', dropHeader(base, 'content-md5')],
    ['duplicated signed header', addHeader(base, 'Content-Type', 'text/html')],
    ['%2F decoded to /', { ...base, rawPath: base.rawPath.replace('%2F', '/') }],
    ['/ encoded to %2F', { ...base, rawPath: base.rawPath.replace('/file', '%2Ffile') }],
    ['slash added', { ...base, rawPath: base.rawPath.replace('/dir/', '/dir//') }],
  ];
  for (const h of ['host', 'content-type', 'content-md5', 'x-amz-meta-a', 'x-amz-content-sha256']) {
    mismatch.push([`header ${h}`, withHeader(base, h, (v) => flipAt(v, 0))]);
  }
  for (let i = 0; i < base.rawPath.length; i++) {
    mismatch.push([`path byte ${i}`, { ...base, rawPath: flipAt(base.rawPath, i) }]);
  }
  for (const [i, c] of [...base.rawQuery].entries()) {
    if (c !== '&' && c !== '=')
      mismatch.push([`query byte ${i}`, { ...base, rawQuery: flipAt(base.rawQuery, i) }]);
  }
  for (const [what, w] of mismatch) assert.equal(outcome(w), 'SignatureDoesNotMatch', what);

  // Spellings that mean the same request keep verifying.
  const equivalent: Array<[string, Wire]> = [
    ['lower-case escapes', { ...base, rawPath: base.rawPath.replace('%C3%BC', '%c3%bc') }],
    ['escaped unreserved char', { ...base, rawPath: base.rawPath.replace('file', '%66ile') }],
    ['reordered query', { ...base, rawQuery: base.rawQuery.split('&').reverse().join('&') }],
    [
      'header name case',
      { ...base, headers: base.headers.map(([n, v]): [string, string] => [n.toUpperCase(), v]) },
    ],
    ['value whitespace', withHeader(base, 'content-type', (v) => `  ${v}  `)],
    ['unsigned non-amz header', addHeader(base, 'X-Forwarded-For', '10.0.0.1')],
    ['Expect header', addHeader(base, 'Expect', '100-continue')],
  ];
  for (const [what, w] of equivalent) assert.equal(outcome(w), 'ok', what);

  // An x-amz-* header that is not signed is refused outright.
  const unsigned = caught(() => parseSigV4(toParts(addHeader(base, 'x-amz-acl', 'public-read'))));
  assert.equal(unsigned.code, 'AccessDenied');
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.message, 'There were headers present in the request which were not signed');
  assert.equal(unsigned.details.HeadersNotSigned, 'x-amz-acl');
  // Wrong secret.
  assert.equal(outcome(base, SIGNING_DATE, 'not-the-secret'), 'SignatureDoesNotMatch');
});

test('presigned form: changing any single signed element breaks the signature', async () => {
  const base = await presign(
    {
      method: 'GET',
      path: '/dir/a%20b',
      query: { 'x-id': 'GetObject', 'response-content-type': 'text/plain' },
    },
    600,
  );
  assert.equal(outcome(base), 'ok');
  const cases: Array<[string, Wire]> = [
    ['method', { ...base, method: 'PUT' }],
    ['path', { ...base, rawPath: '/dir/a%20c' }],
    ['session token', withQueryParam(base, 'X-Amz-S3session-Token', (v) => v + 'A')],
    ['token removed', dropQueryParam(base, 'X-Amz-S3session-Token')],
    ['expires', withQueryParam(base, 'X-Amz-Expires', () => '601')],
    ['date', withQueryParam(base, 'X-Amz-Date', () => '20260301T120001Z')],
    ['region', withQueryParam(base, 'X-Amz-Credential', (v) => v.replace('us-east-1', 'us-west-2'))],
    ['service', withQueryParam(base, 'X-Amz-Credential', (v) => v.replace('s3express', 's3'))],
    ['payload', withQueryParam(base, 'X-Amz-Content-Sha256', () => sha256(''))],
    ['query value', withQueryParam(base, 'response-content-type', () => 'text/html')],
    ['extra parameter', { ...base, rawQuery: base.rawQuery + '&versionId=1' }],
    ['signature', withQueryParam(base, 'X-Amz-Signature', (v) => flipAt(v, 0))],
    ['host', withHeader(base, 'host', (v) => 'evil.' + v)],
  ];
  for (const [what, w] of cases) assert.equal(outcome(w), 'SignatureDoesNotMatch', what);

  assert.equal(outcome(addHeader(base, 'x-amz-meta-a', 'b')), 'AccessDenied');
  // A header repeating a signed query parameter with the same value is harmless…
  assert.equal(outcome(addHeader(base, 'x-amz-s3session-token', TOKEN)), 'ok');
  // …with another value it is ambiguous.
  assert.equal(outcome(addHeader(base, 'x-amz-s3session-token', 'other')), 'InvalidArgument');
  assert.equal(outcome(addHeader(base, 'x-amz-date', '20260301T120000Z')), 'ok');
  assert.equal(outcome(addHeader(base, 'x-amz-date', '20260301T130000Z')), 'AccessDenied');
});

// ---------------------------------------------------------------------------------------------
// Time

test('header form: ±15 minutes of skew allowed, beyond → RequestTimeTooSkewed', async () => {
  const w = await signHeaderForm({ method: 'GET', path: '/k' });
  assert.equal(outcome(w, minutes(15)), 'ok');
  assert.equal(outcome(w, minutes(-15)), 'ok');
  for (const m of [16, -16, 60 * 24]) {
    const err = caught(() => {
      const parts = toParts(w);
      verifySigV4(parts, parseSigV4(parts)!, SESSION.secretAccessKey, minutes(m), new SigningKeyCache());
    });
    assert.equal(err.code, 'RequestTimeTooSkewed');
    assert.equal(err.status, 403);
    assert.equal(err.details.MaxAllowedSkewMilliseconds, '900000');
  }
});

test('presigned: expiry measured from X-Amz-Date; future beyond 15 min is skewed', async () => {
  const w = await presign({ method: 'GET', path: '/k' }, 300);
  assert.equal(outcome(w, minutes(5)), 'ok');
  assert.equal(outcome(w, minutes(-15)), 'ok');
  const expired = caught(() => {
    const parts = toParts(w);
    verifySigV4(
      parts,
      parseSigV4(parts)!,
      SESSION.secretAccessKey,
      new Date(minutes(5).getTime() + 1000),
      new SigningKeyCache(),
    );
  });
  assert.equal(expired.code, 'AccessDenied');
  assert.equal(expired.message, 'Request has expired');
  assert.equal(expired.details['X-Amz-Expires'], '300');
  assert.equal(outcome(w, minutes(-16)), 'RequestTimeTooSkewed');
});

test('presigned: X-Amz-Expires outside 1..604800 → AuthorizationQueryParametersError', async () => {
  const w = await presign({ method: 'GET', path: '/k' }, 300);
  for (const bad of ['0', '604801', '-1', 'abc', '', '1.5', '99999999999']) {
    const err = caught(() => parseSigV4(toParts(withQueryParam(w, 'X-Amz-Expires', () => bad))));
    assert.equal(err.code, 'AuthorizationQueryParametersError', bad);
    assert.equal(err.status, 400);
  }
  const negative = caught(() => parseSigV4(toParts(withQueryParam(w, 'X-Amz-Expires', () => '-1000'))));
  assert.equal(negative.message, 'X-Amz-Expires must be non-negative');
  const word = caught(() => parseSigV4(toParts(withQueryParam(w, 'X-Amz-Expires', () => 'abc'))));
  assert.equal(word.message, 'X-Amz-Expires should be a number');
});

test('scope date must equal the request date', async () => {
  const h = await signHeaderForm({ method: 'GET', path: '/k' });
  const shifted = withHeader(h, 'authorization', (v) => v.replace('/20260301/', '/20260302/'));
  assert.equal(outcome(shifted), 'AuthorizationHeaderMalformed');
  const q = await presign({ method: 'GET', path: '/k' });
  const qShifted = withQueryParam(q, 'X-Amz-Credential', (v) => v.replace('20260301', '20260228'));
  assert.equal(outcome(qShifted), 'AuthorizationQueryParametersError');
});

// ---------------------------------------------------------------------------------------------
// Malformed requests

test('malformed Authorization headers', async () => {
  const w = await signHeaderForm({ method: 'GET', path: '/k' });
  const auth = header(w, 'authorization');
  const sig = auth.slice(auth.indexOf('Signature=') + 10);
  const cred = `${SESSION.accessKeyId}/20260301/us-east-1/s3express/aws4_request`;
  const signed = auth.slice(auth.indexOf('SignedHeaders=') + 14, auth.indexOf(', Signature'));
  const cases: Array<[string, string]> = [
    [`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${signed}`, 'AuthorizationHeaderMalformed'],
    [`AWS4-HMAC-SHA256 Credential=${cred}, Signature=${sig}`, 'AuthorizationHeaderMalformed'],
    [`AWS4-HMAC-SHA256 SignedHeaders=${signed}, Signature=${sig}`, 'AuthorizationHeaderMalformed'],
    [
      `AWS4-HMAC-SHA256 Credential=${cred}, Credential=${cred}, SignedHeaders=${signed}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${signed}, Signature=${sig}, Extra=1`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${SESSION.accessKeyId}/20260301/us-east-1/aws4_request, SignedHeaders=${signed}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred.replace('aws4_request', 'aws5_request')}, SignedHeaders=${signed}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred.replace('s3express', 'ec2')}, SignedHeaders=${signed}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred.replace('20260301', '2026031')}, SignedHeaders=${signed}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=/20260301/us-east-1/s3express/aws4_request, SignedHeaders=${signed}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${signed}, Signature=${sig.slice(1)}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${signed}, Signature=${sig.toUpperCase()}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=host;;x-amz-date, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=host;host, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${Array.from({ length: 65 }, (_, i) => `h${i}`).join(';')}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${signed}, Signature=${sig}${' '.repeat(9000)}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-HMAC-SHA512 Credential=${cred}, SignedHeaders=${signed}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [
      `AWS4-ECDSA-P256-SHA256 Credential=${cred}, SignedHeaders=${signed}, Signature=${sig}`,
      'AuthorizationHeaderMalformed',
    ],
    [`AWS ${SESSION.accessKeyId}:c2lnbmF0dXJl`, 'InvalidRequest'],
    ['Bearer abc', 'InvalidRequest'],
    ['', 'InvalidRequest'],
    // Whitespace around the commas is tolerated.
    [`AWS4-HMAC-SHA256 Credential=${cred},SignedHeaders=${signed},Signature=${sig}`, 'ok'],
    [`AWS4-HMAC-SHA256   Credential=${cred} ,  SignedHeaders=${signed} ,Signature=${sig}`, 'ok'],
    [`AWS4-HMAC-SHA256 Signature=${sig}, Credential=${cred}, SignedHeaders=${signed}`, 'ok'],
  ];
  for (const [value, code] of cases) {
    assert.equal(outcome(withHeader(w, 'authorization', () => value)), code, value.slice(0, 120));
  }
  const v2 = caught(() => parseSigV4(toParts(withHeader(w, 'authorization', () => 'AWS AKID:sig'))));
  assert.equal(
    v2.message,
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
  );
  assert.equal(v2.status, 400);
});

test('x-amz-content-sha256 and date headers', async () => {
  const w = await signHeaderForm({ method: 'GET', path: '/k' });
  const missing = caught(() => parseSigV4(toParts(dropHeader(w, 'x-amz-content-sha256'))));
  assert.equal(missing.code, 'InvalidRequest');
  assert.equal(missing.message, 'Missing required header for this request: x-amz-content-sha256');
  for (const bad of [
    'abc',
    sha256('').toUpperCase(),
    'STREAMING-FOO',
    sha256('') + '0',
    'unsigned-payload',
  ]) {
    const err = caught(() => parseSigV4(toParts(withHeader(w, 'x-amz-content-sha256', () => bad))));
    assert.equal(err.code, 'InvalidArgument', bad);
  }
  const noDate = caught(() => parseSigV4(toParts(dropHeader(w, 'x-amz-date'))));
  assert.equal(noDate.code, 'AccessDenied');
  assert.equal(noDate.message, 'AWS authentication requires a valid Date or x-amz-date header');
  for (const bad of ['20260301T120000', '2026-03-01T12:00:00Z', '20260230T120000Z', '20260301T246000Z']) {
    assert.equal(outcome(withHeader(w, 'x-amz-date', () => bad)), 'AccessDenied', bad);
  }
  assert.equal(outcome(addHeader(w, 'X-Amz-Date', header(w, 'x-amz-date'))), 'InvalidArgument');
  assert.equal(outcome(addHeader(w, 'Authorization', header(w, 'authorization'))), 'InvalidArgument');
  assert.equal(outcome(addHeader(w, 'Host', 'other')), 'InvalidArgument');
});

test('Date header is used when x-amz-date is absent (independent HMAC)', () => {
  const date = 'Sun, 01 Mar 2026 12:00:00 GMT';
  const payload = sha256('');
  const canonical = [
    'GET',
    '/k',
    '',
    `date:${date}`,
    `host:${HOST}`,
    `x-amz-content-sha256:${payload}`,
    '',
    'date;host;x-amz-content-sha256',
    payload,
  ].join('\n');
  const scope = '20260301/us-east-1/s3express/aws4_request';
  const toSign = ['AWS4-HMAC-SHA256', '20260301T120000Z', scope, sha256(canonical)].join('\n');
  const key = ['20260301', 'us-east-1', 's3express', 'aws4_request'].reduce<Buffer>(
    (k, part) => createHmac('sha256', k).update(part).digest(),
    Buffer.from('AWS4' + SESSION.secretAccessKey),
  );
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const w: Wire = {
    method: 'GET',
    rawPath: '/k',
    rawQuery: '',
    headers: [
      ['Host', HOST],
      ['Date', date],
      ['x-amz-content-sha256', payload],
      [
        'Authorization',
        `AWS4-HMAC-SHA256 Credential=${SESSION.accessKeyId}/${scope}, SignedHeaders=date;host;x-amz-content-sha256, Signature=${signature}`,
      ],
    ],
  };
  const auth = parseSigV4(toParts(w));
  assert.equal(auth?.amzDate, '20260301T120000Z');
  assert.equal(outcome(w), 'ok');
  assert.equal(
    outcome(withHeader(w, 'date', () => 'Sun, 01 Mar 2026 12:00:01 GMT')),
    'SignatureDoesNotMatch',
  );
  assert.equal(outcome(withHeader(w, 'date', () => 'yesterday')), 'AccessDenied');
  // x-amz-date takes precedence over Date.
  assert.equal(outcome(addHeader(w, 'x-amz-date', '20260301T120000Z')), 'AccessDenied'); // present but unsigned
});

test('host must be signed', async () => {
  const req = request({ method: 'GET', path: '/k', headers: { 'x-amz-content-sha256': sha256('') } });
  const signed = await signer().sign(req, {
    signingDate: SIGNING_DATE,
    unsignableHeaders: new Set(['host']),
  });
  const err = caught(() => parseSigV4(toParts(toWire(signed))));
  assert.equal(err.code, 'AccessDenied');
  assert.equal(err.details.HeadersNotSigned, 'host');
});

test('anonymous requests, mixed mechanisms and broken presigned URLs', async () => {
  assert.equal(
    parseSigV4({ method: 'GET', rawPath: '/k', rawQuery: 'list-type=2', rawHeaders: ['Host', HOST] }),
    null,
  );
  assert.equal(parseSigV4({ method: 'GET', rawPath: '/k', rawQuery: '', rawHeaders: [] }), null);

  const h = await signHeaderForm({ method: 'GET', path: '/k' });
  const both = caught(() => parseSigV4(toParts({ ...h, rawQuery: 'X-Amz-Algorithm=AWS4-HMAC-SHA256' })));
  assert.equal(both.code, 'InvalidArgument');
  assert.ok(both.message.startsWith('Only one auth mechanism allowed'));

  const q = await presign({ method: 'GET', path: '/k' });
  for (const p of [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ]) {
    assert.equal(outcome(dropQueryParam(q, p)), 'AuthorizationQueryParametersError', p);
  }
  assert.equal(
    outcome(withQueryParam(q, 'X-Amz-Algorithm', () => 'AWS4-HMAC-SHA1')),
    'AuthorizationQueryParametersError',
  );
  assert.equal(
    outcome(withQueryParam(q, 'X-Amz-Date', () => '2026-03-01')),
    'AuthorizationQueryParametersError',
  );
  assert.equal(
    outcome(withQueryParam(q, 'X-Amz-Credential', () => 'AKID%2F20260301%2Fus-east-1%2Fs3express')),
    'AuthorizationQueryParametersError',
  );
  assert.equal(
    outcome(withQueryParam(q, 'X-Amz-Signature', () => 'abc')),
    'AuthorizationQueryParametersError',
  );
  assert.equal(
    outcome({ ...q, rawQuery: q.rawQuery + '&X-Amz-Date=20260301T120000Z' }),
    'AuthorizationQueryParametersError',
  );
  assert.equal(
    outcome({
      ...q,
      rawQuery: q.rawQuery.replace('X-Amz-SignedHeaders=host', 'X-Amz-SignedHeaders=x-amz-date'),
    }),
    'AccessDenied',
  );
  assert.equal(
    outcome({
      method: 'GET',
      rawPath: '/k',
      rawQuery: 'AWSAccessKeyId=A&Signature=x&Expires=1',
      headers: [],
    }),
    'InvalidRequest',
  );
  assert.equal(
    outcome({ method: 'GET', rawPath: '/k', rawQuery: 'X-Amz-Signature=' + 'a'.repeat(64), headers: [] }),
    'AuthorizationQueryParametersError',
  );
  assert.equal(outcome({ ...q, rawPath: '/k%zz' }), 'InvalidURI');
});

test('SigV4Auth shape for the header form', async () => {
  const w = await signHeaderForm({ method: 'GET', path: '/k' });
  const auth = parseSigV4(toParts(w)) as SigV4Auth;
  assert.deepEqual(Object.keys(auth).sort(), [
    'accessKeyId',
    'amzDate',
    'form',
    'payloadHash',
    'region',
    'requestTime',
    'scopeDate',
    'service',
    'sessionToken',
    'signature',
    'signedHeaders',
  ]);
  assert.equal(auth.requestTime.getTime(), SIGNING_DATE.getTime());
  assert.match(auth.signature, /^[0-9a-f]{64}$/);
});

test('canonicalComponent: a component is re-encoded exactly as AWS encodes its decoded bytes, canonical or not', () => {
  // An oracle written apart from the implementation: decode %XX (either case), then encode
  // every byte but A-Z a-z 0-9 - _ . ~ as upper-case %XX.
  const oracle = (raw: string): string => {
    const bytes: number[] = [];
    const text = Buffer.from(raw, 'utf8');
    for (let i = 0; i < text.length; i++) {
      if (text[i] === 0x25) {
        bytes.push(parseInt(text.subarray(i + 1, i + 3).toString('latin1'), 16));
        i += 2;
      } else bytes.push(text[i]!);
    }
    return bytes
      .map((b) =>
        /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) && b < 128
          ? String.fromCharCode(b)
          : '%' + b.toString(16).toUpperCase().padStart(2, '0'),
      )
      .join('');
  };
  const pieces = [
    'a',
    'Z',
    '9',
    '-',
    '_',
    '.',
    '~',
    '%2B',
    '%2b',
    '%2F',
    '%3D',
    '%41',
    '%7E',
    '%E2%82%AC',
    '+',
    '/',
    '=',
    '€',
    ' ',
    '*',
  ];
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let n = 0; n < 2000; n++) {
    let raw = '';
    const length = next() % 12;
    for (let i = 0; i < length; i++) raw += pieces[next() % pieces.length];
    assert.equal(canonicalComponent(raw), oracle(raw), JSON.stringify(raw));
  }
  const token = 'AbC%2Bd%2Fe%3D%3D';
  assert.equal(canonicalComponent(token), token, 'already canonical: unchanged');
  assert.equal(canonicalComponent('AbC%2bd'), 'AbC%2Bd', 'lower-case escapes are made upper case');
  assert.equal(canonicalComponent('%41b'), 'Ab', 'an escaped unreserved byte is decoded');
  for (let b = 0; b < 256; b++) {
    const hex = b.toString(16).padStart(2, '0');
    for (const escape of [`%${hex.toUpperCase()}`, `%${hex}`]) {
      assert.equal(canonicalComponent(`x${escape}y`), oracle(`x${escape}y`), escape);
    }
  }
  // Long components (the regex must not backtrack more than once per character).
  const long = 'a%2B'.repeat(50_000);
  assert.equal(canonicalComponent(long), long);
  assert.equal(canonicalComponent(long + '%2b'), long + '%2B');
});
