/**
 * The web console's browser signer (web/js/sigv4.js, run here under Node's WebCrypto) signs as
 * smithy's SignatureV4 does, for the keys and queries the console sends: spaces, unicode,
 * reserved characters, empty query values, session tokens, IAM form bodies.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

interface BrowserSigner {
  signRequest(args: {
    method: string;
    path: string;
    query?: [string, string][];
    headers?: Record<string, string>;
    payloadHash: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    region: string;
    service: string;
    host: string;
    date: Date;
  }): Promise<{ url: string; headers: Record<string, string> }>;
}

// dist/test/unit/ → the package's web/ folder (plain JS, not compiled by tsc).
const SIGNER_URL = pathToFileURL(path.resolve(import.meta.dirname, '../../../web/js/sigv4.js')).href;

class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array);
    return createHmac('sha256', key);
  }
  update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data) : data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

const DATE = new Date('2026-12-02T04:05:06Z');
const HOST = '127.0.0.1:9000';
const KEYS = {
  accessKeyId: 'AKIACONSOLETEST00001',
  secretAccessKey: 'console/secret+with=chars0000000000000000',
};
const EMPTY_SHA = createHash('sha256').update('').digest('hex');

const signature = (authorization: string) => /Signature=([0-9a-f]{64})$/.exec(authorization)?.[1];

const CASES: Array<{
  name: string;
  method: string;
  path: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  payloadHash?: string;
  service?: string;
  sessionToken?: string;
}> = [
  { name: 'ListDirectoryBuckets', method: 'GET', path: '/', query: [['x-id', 'ListDirectoryBuckets']] },
  {
    name: 'a listing with a prefix and delimiter',
    method: 'GET',
    path: '/b--use1-az4--x-s3',
    query: [
      ['list-type', '2'],
      ['delimiter', '/'],
      ['prefix', 'my docs/é+ü/'],
    ],
  },
  {
    name: 'a key with spaces, unicode and reserved characters',
    method: 'PUT',
    path: "/b--use1-az4--x-s3/dir/a b+c=d&e'(f)*!~_-.txt/ü€😀",
    headers: { 'content-type': 'application/octet-stream' },
    payloadHash: 'UNSIGNED-PAYLOAD',
  },
  {
    name: 'an empty-valued sub-resource and a header to sign',
    method: 'GET',
    path: '/b--use1-az4--x-s3',
    query: [['session', '']],
    headers: { 'x-amz-create-session-mode': 'ReadOnly' },
  },
  {
    name: 'UploadPart query',
    method: 'PUT',
    path: '/b--use1-az4--x-s3/big.bin',
    query: [
      ['uploadId', 'abc/def+ghi=='],
      ['partNumber', '2'],
    ],
    payloadHash: 'UNSIGNED-PAYLOAD',
  },
  {
    name: 'an IAM form body',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    payloadHash: createHash('sha256').update('Action=ListUsers&Version=2010-05-08').digest('hex'),
    service: 'iam',
  },
  {
    name: 'with a session token',
    method: 'GET',
    path: '/b--use1-az4--x-s3/k',
    sessionToken: 'token/with+slashes==',
  },
];

test('the browser signer agrees with smithy SignatureV4', async () => {
  const { signRequest } = (await import(SIGNER_URL)) as BrowserSigner;
  for (const c of CASES) {
    const service = c.service ?? 's3express';
    const payloadHash = c.payloadHash ?? EMPTY_SHA;
    const credentials = c.sessionToken ? { ...KEYS, sessionToken: c.sessionToken } : KEYS;
    const browser = await signRequest({
      method: c.method,
      path: c.path,
      query: c.query ?? [],
      headers: c.headers ?? {},
      payloadHash,
      credentials,
      region: 'us-east-1',
      service,
      host: HOST,
      date: DATE,
    });
    const smithy = await new SignatureV4({
      service,
      region: 'us-east-1',
      credentials,
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: false,
    }).sign(
      {
        method: c.method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 9000,
        path: c.path,
        query: Object.fromEntries(c.query ?? []),
        headers: { host: HOST, 'x-amz-content-sha256': payloadHash, ...(c.headers ?? {}) },
      },
      { signingDate: DATE },
    );
    assert.equal(
      signature(browser.headers.authorization!),
      signature(smithy.headers.authorization!),
      `${c.name}: ${browser.headers.authorization}\nvs ${smithy.headers.authorization}`,
    );
    assert.equal(browser.headers.host, undefined, 'the browser sets Host itself');
    if (c.sessionToken) assert.equal(browser.headers['x-amz-security-token'], c.sessionToken);
  }
});
