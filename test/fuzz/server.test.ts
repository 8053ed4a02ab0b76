/**
 * End-to-end fuzzing of a live in-process server with raw HTTP requests: random operations,
 * methods, paths, queries, headers, Host names, XML, policy and aws-chunked bodies, signed
 * correctly (IAM key, session, presigned), signed wrongly, or not at all, then sometimes garbled
 * after signing (duplicated, dropped, added or altered headers and parameters).
 *
 * Invariants, for every request:
 * - never a 500 (the fixture also fails the suite on any internal error) and never a hang;
 * - the answer is well-formed HTTP, an S3/IAM error document when it is an error;
 * - afterwards the connection is either closed by the server or still serves a request;
 * - a rejected request (4xx/5xx) changed nothing: same object, upload, part, bucket and blob
 *   counts, the fresh key it named does not exist, policies and identities are untouched;
 * - a request without valid credentials is never accepted;
 * - a correctly signed request (plain ASCII headers, not garbled) is never SignatureDoesNotMatch;
 * - an accepted PutObject stored exactly the (decoded) payload.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  CreateSessionCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/core/protocols';

import { uriEncode } from '../../src/auth/sigv4.js';
import { CHECKSUM_HEADER, computeChecksum, type ChecksumAlgorithm } from '../../src/protocol/checksums.js';
import type { EmbeddedStore } from '../../src/storage/embedded.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { headerOf, RawConnection, serializeRequest, type RawHttpResponse } from '../helpers/raw-http.js';
import { signRequest, type SigningOptions } from '../helpers/raw-signing.js';
import { createBucketInput, ROOT_KEY, startTestZonal, type TestZonal } from '../helpers/zonal-fixture.js';
import {
  anyText,
  asciiText,
  bucketNameText,
  encodedText,
  headerName,
  headerValue,
  hostHeader,
  policyText,
  rangeHeader,
  rawQuery,
  safeUtf16,
  unicodeText,
  validBucketPolicyText,
  xmlDocument,
} from './arbitraries.js';
import { deriveSigningKey, encodeChunked } from './chunked-body.js';
import { fuzzAsync } from './fuzz-runner.js';

const ACCOUNT = '111111111111';
const REQUEST_TIMEOUT_MS = 5_000;
/** The bucket most requests address, and the one bucket-policy requests address. */
const MAIN = 'main--use1-az4--x-s3';
const POLICY_BUCKET = 'fuzz--use1-az4--x-s3';
const SEED_KEY = 'seed/obj';
const APPEND_KEY = 'append/obj';
const SEED_BODY = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(9));
const UPLOAD_KEY = 'upload/obj';
/** Renamed away by accepted RenameObject requests, and put back after each case. */
const RENAME_KEY = 'rename/src';
const ALGORITHMS = Object.keys(CHECKSUM_HEADER) as ChecksumAlgorithm[];

// ---------------------------------------------------------------------------------------------
// What a case is made of

type AuthMode =
  | 'root'
  | 'session'
  | 'session-ro'
  | 'presign'
  | 'none'
  | 'bad-secret'
  | 'unknown-key'
  | 'skewed'
  | 'wrong-region';
const UNAUTHENTICATED: ReadonlySet<AuthMode> = new Set([
  'none',
  'bad-secret',
  'unknown-key',
  'skewed',
  'wrong-region',
]);

interface ChunkedSpec {
  chunks: Buffer[];
  signed: boolean;
  trailer: ChecksumAlgorithm | undefined;
  wrongChecksum: boolean;
  declaredDelta: number;
  corrupt: number | undefined;
}

/** A request before names are made unique and credentials applied. */
interface Draft {
  op: string;
  method: string;
  /** Addressed bucket: undefined for service requests. */
  bucket?: string;
  key?: string;
  /** A key made unique at run time (the request's target). */
  freshKey?: string;
  /** Replaces the whole path (raw shapes). */
  rawPath?: string;
  query: Record<string, string>;
  /** A raw query string appended after signing (raw shapes). */
  rawQuery?: string;
  headers: Record<string, string>;
  body: Buffer;
  chunked?: ChunkedSpec;
  /** The service to sign for. */
  service?: 'iam' | 'sts';
  /** Bucket names that must not exist if the request is rejected. */
  newBucket?: string;
}

type Tweak =
  | { kind: 'duplicate'; index: number; value?: string }
  | { kind: 'extra'; name: string; value: string }
  | { kind: 'drop'; index: number }
  | { kind: 'alter'; index: number; at: number }
  | { kind: 'path'; suffix: string }
  | { kind: 'query'; extra: string };

interface Case {
  draft: Draft;
  auth: AuthMode;
  style: 'path' | 'path-single' | 'vhost';
  host?: string;
  tweaks: Tweak[];
}

// ---------------------------------------------------------------------------------------------
// Generators

const keyText = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9/._-]{1,30}$/) },
  { weight: 2, arbitrary: unicodeText(16).map(safeUtf16) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '../../etc/passwd',
      '..',
      '.',
      '/',
      '//x',
      'a//b',
      '%2F',
      ' ',
      '\t',
      'a\u0000b',
      '\u0001',
      'é',
      '\u{1F600}',
      '~',
      '+ +',
      'x?y',
      '#',
      '\r\n',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 1030 }).map((n) => 'k'.repeat(n)) },
);
const body = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 70_000 }).map((n) => Buffer.alloc(n, 0x61)) },
);
const partNumber = fc.oneof(fc.integer({ min: 0, max: 10_001 }).map(String), anyText);
/** A few (often none) of the given fields, each with a generated value. */
const optional = (spec: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Record<string, string>> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    {
      weight: 3,
      arbitrary: fc
        .subarray(Object.keys(spec), { minLength: 1, maxLength: Math.min(3, Object.keys(spec).length) })
        .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, spec[k]!])))),
    },
  );

/** The checksum header of a body: right, wrong or malformed. */
function checksumHeader(data: Buffer): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    fc.constant({}),
    fc
      .tuple(fc.constantFrom(...ALGORITHMS), fc.constantFrom('right', 'wrong', 'garbage'), anyText)
      .map(([alg, how, junk]) => ({
        [CHECKSUM_HEADER[alg]]:
          how === 'right'
            ? computeChecksum(alg, data)
            : how === 'wrong'
              ? computeChecksum(alg, Buffer.from('x'))
              : junk,
      })),
  );
}

const writeHeaders = optional({
  'content-type': headerValue,
  'content-md5': fc.oneof(fc.constant('1B2M2Y8AsgTpgAmY7PhCfg=='), headerValue),
  'x-amz-meta-a': headerValue,
  'x-amz-meta-long': fc.nat(3000).map((n) => 'm'.repeat(n)),
  'x-amz-storage-class': fc.constantFrom('EXPRESS_ONEZONE', 'STANDARD', ''),
  'x-amz-server-side-encryption': fc.constantFrom('AES256', 'aws:kms', 'aws:kms:dsse', 'x'),
  'x-amz-server-side-encryption-aws-kms-key-id': headerValue,
  'x-amz-sdk-checksum-algorithm': fc.constantFrom(
    'CRC32',
    'CRC32C',
    'CRC64NVME',
    'SHA1',
    'SHA256',
    'MD5',
    '',
  ),
  'if-none-match': fc.constantFrom('*', '"x"', ''),
  'if-match': headerValue,
  'x-amz-write-offset-bytes': fc.oneof(fc.constant('0'), headerValue),
  'x-amz-tagging': headerValue,
  'x-amz-acl': fc.constantFrom('private', 'public-read'),
  expires: headerValue,
  'cache-control': headerValue,
});

/** Which payload hash the signer signs: the real one, unsigned, or a wrong one. */
const payloadHashMode = fc.constantFrom('sha256', 'sha256', 'unsigned', 'wrong');
function withPayloadHash(headers: Record<string, string>, mode: string): Record<string, string> {
  if (mode === 'unsigned') return { ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  if (mode === 'wrong') return { ...headers, 'x-amz-content-sha256': 'f'.repeat(64) };
  return headers;
}

const putObject = fc.tuple(keyText, body, writeHeaders, payloadHashMode).chain(([key, data, headers, hash]) =>
  checksumHeader(data).map((sum): Draft => ({
    op: 'PutObject',
    method: 'PUT',
    bucket: MAIN,
    freshKey: key,
    query: {},
    headers: withPayloadHash({ ...headers, ...sum }, hash),
    body: data,
  })),
);

const putChunked = fc
  .record({
    key: keyText,
    chunks: fc.array(
      fc.uint8Array({ minLength: 1, maxLength: 900 }).map((a) => Buffer.from(a)),
      { maxLength: 4 },
    ),
    signed: fc.boolean(),
    trailer: fc.option(fc.constantFrom(...ALGORITHMS), { nil: undefined }),
    wrongChecksum: fc.boolean(),
    declaredDelta: fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }) },
    ),
    corrupt: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() }),
    headers: optional({
      'content-type': headerValue,
      'x-amz-meta-a': headerValue,
      'content-encoding': fc.constantFrom('aws-chunked', 'gzip', 'aws-chunked,gzip', ''),
    }),
  })
  .map((r): Draft => ({
    op: 'PutObject(aws-chunked)',
    method: 'PUT',
    bucket: MAIN,
    freshKey: r.key,
    query: {},
    headers: r.headers,
    body: Buffer.alloc(0),
    chunked: {
      chunks: r.chunks,
      signed: r.signed,
      trailer: r.signed ? r.trailer : (r.trailer ?? 'crc32'),
      wrongChecksum: r.wrongChecksum && r.trailer !== undefined,
      declaredDelta: r.declaredDelta,
      corrupt: r.corrupt,
    },
  }));

const readObject = fc
  .record({
    method: fc.constantFrom('GET', 'HEAD'),
    key: fc.oneof(fc.constant(SEED_KEY), fc.constant(APPEND_KEY), keyText),
    headers: optional({
      range: rangeHeader,
      'if-match': fc.oneof(headerValue, fc.constant('*')),
      'if-none-match': headerValue,
      'if-modified-since': fc.oneof(headerValue, fc.constant('Tue, 15 Nov 1994 08:12:31 GMT')),
      'if-unmodified-since': headerValue,
      'x-amz-checksum-mode': fc.constantFrom('ENABLED', 'enabled', 'x'),
      'x-amz-server-side-encryption-customer-algorithm': fc.constant('AES256'),
    }),
    query: optional({
      partNumber,
      'response-content-type': headerValue,
      'response-cache-control': headerValue,
      'response-expires': headerValue,
      versionId: fc.constantFrom('null', 'x'),
    }),
  })
  .map((r): Draft => ({
    op: `${r.method}Object`,
    method: r.method,
    bucket: MAIN,
    key: r.key,
    query: r.query,
    headers: r.headers,
    body: Buffer.alloc(0),
  }));

const deleteObject = fc
  .record({
    key: fc.oneof(keyText, fc.constant(SEED_KEY)),
    headers: optional({
      'if-match': headerValue,
      'x-amz-if-match-last-modified-time': headerValue,
      'x-amz-if-match-size': fc.oneof(numberish(), headerValue),
    }),
  })
  .map((r): Draft => ({
    op: 'DeleteObject',
    method: 'DELETE',
    bucket: MAIN,
    key: r.key,
    query: {},
    headers: r.headers,
    body: Buffer.alloc(0),
  }));

function numberish(): fc.Arbitrary<string> {
  return fc.oneof(fc.nat(400).map(String), fc.constantFrom('-1', '1e3', '99999999999999999999', ''));
}

const copyObject = fc
  .record({
    key: keyText,
    source: fc.oneof(
      fc.constant(`${MAIN}/${SEED_KEY}`),
      fc.constant(`/${MAIN}/${encodeURIComponent(SEED_KEY)}?versionId=null`),
      fc.tuple(bucketNameText, encodedText).map(([b, k]) => `${b}/${k}`),
      anyText,
      fc.constant(''),
    ),
    headers: optional({
      'x-amz-copy-source-if-match': headerValue,
      'x-amz-copy-source-if-none-match': headerValue,
      'x-amz-copy-source-if-modified-since': headerValue,
      'x-amz-copy-source-if-unmodified-since': headerValue,
      'x-amz-metadata-directive': fc.constantFrom('COPY', 'REPLACE', 'x'),
      'x-amz-copy-source-range': rangeHeader,
      'x-amz-meta-b': headerValue,
      'x-amz-checksum-algorithm': fc.constantFrom('CRC32', 'SHA256', 'x'),
    }),
  })
  .map((r): Draft => ({
    op: 'CopyObject',
    method: 'PUT',
    bucket: MAIN,
    freshKey: r.key,
    query: {},
    headers: { ...r.headers, 'x-amz-copy-source': r.source },
    body: Buffer.alloc(0),
  }));

const renameObject = fc
  .record({
    key: keyText,
    source: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(`${MAIN}/${RENAME_KEY}`, `/${MAIN}/${RENAME_KEY}`) },
      { weight: 1, arbitrary: keyText.map((k) => `${MAIN}/${uriEncode(safeUtf16(k))}`) },
      { weight: 1, arbitrary: fc.oneof(keyText, anyText, fc.constant('')) },
    ),
    headers: optional({
      'x-amz-rename-source-if-match': headerValue,
      'x-amz-rename-source-if-none-match': headerValue,
      'if-match': headerValue,
      'if-none-match': fc.constantFrom('*', 'x'),
      'x-amz-client-token': headerValue,
    }),
  })
  .map((r): Draft => ({
    op: 'RenameObject',
    method: 'PUT',
    bucket: MAIN,
    freshKey: r.key,
    query: { renameObject: '' },
    headers: { ...r.headers, 'x-amz-rename-source': r.source },
    body: Buffer.alloc(0),
  }));

/** Appends to APPEND_KEY; 'SIZE' is replaced by its current size at run time. */
const appendObject = fc
  .tuple(fc.oneof(fc.constant('SIZE'), numberish(), headerValue), body, payloadHashMode)
  .chain(([offset, data, hash]) =>
    checksumHeader(data).map((sum): Draft => ({
      op: 'AppendObject',
      method: 'PUT',
      bucket: MAIN,
      key: APPEND_KEY,
      query: {},
      headers: withPayloadHash({ ...sum, 'x-amz-write-offset-bytes': offset }, hash),
      body: data,
    })),
  );

const createUpload = fc
  .record({
    key: keyText,
    headers: optional({
      'x-amz-checksum-algorithm': fc.constantFrom(
        'CRC32',
        'CRC32C',
        'CRC64NVME',
        'SHA1',
        'SHA256',
        'MD5',
        '',
      ),
      'x-amz-checksum-type': fc.constantFrom('FULL_OBJECT', 'COMPOSITE', 'x'),
      'x-amz-server-side-encryption': fc.constantFrom('AES256', 'aws:kms', 'x'),
      'content-type': headerValue,
      'x-amz-meta-c': headerValue,
    }),
  })
  .map((r): Draft => ({
    op: 'CreateMultipartUpload',
    method: 'POST',
    bucket: MAIN,
    freshKey: r.key,
    query: { uploads: '' },
    headers: r.headers,
    body: Buffer.alloc(0),
  }));

/** 'UPLOAD' is replaced by the live upload id at run time. */
const uploadIdText = fc.oneof(
  { weight: 4, arbitrary: fc.constant('UPLOAD') },
  { weight: 1, arbitrary: anyText },
);

const uploadPart = fc
  .tuple(
    uploadIdText,
    partNumber,
    body,
    payloadHashMode,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.tuple(
          fc.constantFrom(`${MAIN}/${SEED_KEY}`, 'x/y', ''),
          fc.option(rangeHeader, { nil: undefined }),
        ),
      },
    ),
  )
  .chain(([uploadId, part, data, hash, copy]) =>
    checksumHeader(data).map((sum): Draft => {
      const headers: Record<string, string> = withPayloadHash(sum, hash);
      if (copy !== undefined) {
        headers['x-amz-copy-source'] = copy[0];
        if (copy[1] !== undefined) headers['x-amz-copy-source-range'] = copy[1];
      }
      return {
        op: copy ? 'UploadPartCopy' : 'UploadPart',
        method: 'PUT',
        bucket: MAIN,
        key: UPLOAD_KEY,
        query: { uploadId, partNumber: part },
        headers,
        body: copy ? Buffer.alloc(0) : data,
      };
    }),
  );

/** 'PART1ETAG' is replaced by the live part's ETag at run time. */
const completeXml = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.constant(
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>PART1ETAG</ETag></Part></CompleteMultipartUpload>',
    ),
  },
  { weight: 2, arbitrary: xmlDocument('CompleteMultipartUpload') },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.tuple(fc.oneof(fc.constant('1'), numberish()), fc.oneof(fc.constant('PART1ETAG'), asciiText(10))),
        { minLength: 1, maxLength: 4 },
      )
      .map(
        (parts) =>
          `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`,
      ),
  },
);

const completeUpload = fc
  .record({
    uploadId: uploadIdText,
    xml: completeXml,
    headers: optional({
      'if-none-match': fc.constantFrom('*', 'x'),
      'if-match': headerValue,
      'x-amz-checksum-type': fc.constantFrom('FULL_OBJECT', 'COMPOSITE'),
      'x-amz-mp-object-size': numberish(),
    }),
  })
  .map((r): Draft => ({
    op: 'CompleteMultipartUpload',
    method: 'POST',
    bucket: MAIN,
    key: UPLOAD_KEY,
    query: { uploadId: r.uploadId },
    headers: r.headers,
    body: Buffer.from(r.xml, 'utf8'),
  }));

const uploadMisc = fc
  .record({
    method: fc.constantFrom('GET', 'DELETE'),
    uploadId: uploadIdText,
    query: optional({ 'max-parts': numberish(), 'part-number-marker': fc.oneof(numberish(), anyText) }),
  })
  .map((r): Draft => ({
    op: r.method === 'GET' ? 'ListParts' : 'AbortMultipartUpload',
    method: r.method,
    bucket: MAIN,
    key: UPLOAD_KEY,
    query: { ...r.query, uploadId: r.uploadId },
    headers: {},
    body: Buffer.alloc(0),
  }));

const deleteXml = fc.oneof(
  { weight: 2, arbitrary: xmlDocument('Delete') },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.array(fc.oneof(keyText, fc.constant(SEED_KEY)), { minLength: 0, maxLength: 5 }),
        fc.option(fc.constantFrom('true', 'false', 'x'), { nil: undefined }),
      )
      .map(
        ([keys, quiet]) =>
          `<Delete>${quiet !== undefined ? `<Quiet>${quiet}</Quiet>` : ''}${keys.map((k) => `<Object><Key>${k.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Key></Object>`).join('')}</Delete>`,
      ),
  },
);

const deleteObjects = fc
  .tuple(deleteXml, fc.constantFrom('right', 'wrong', 'none', 'sha256'))
  .map(([xml, sum]): Draft => {
    const data = Buffer.from(xml, 'utf8');
    const headers: Record<string, string> = {};
    if (sum === 'right') headers['x-amz-checksum-crc32'] = computeChecksum('crc32', data);
    if (sum === 'wrong') headers['x-amz-checksum-crc32'] = computeChecksum('crc32', Buffer.from('x'));
    if (sum === 'sha256') headers['x-amz-checksum-sha256'] = computeChecksum('sha256', data);
    return { op: 'DeleteObjects', method: 'POST', bucket: MAIN, query: { delete: '' }, headers, body: data };
  });

const listObjects = fc
  .tuple(
    optional({
      prefix: anyText,
      delimiter: fc.oneof(fc.constant('/'), anyText),
      'max-keys': numberish(),
      'continuation-token': anyText,
      'start-after': anyText,
      'encoding-type': fc.constantFrom('url', 'x', ''),
      'fetch-owner': fc.constantFrom('true', 'x'),
      'key-marker': anyText,
      'upload-id-marker': anyText,
      'max-uploads': numberish(),
    }),
    fc.constantFrom('list-type', 'uploads', 'none'),
  )
  .map(([query, kind]): Draft => {
    const q: Record<string, string> = { ...query };
    if (kind === 'list-type') q['list-type'] = '2';
    if (kind === 'uploads') q.uploads = '';
    return {
      op: kind === 'uploads' ? 'ListMultipartUploads' : 'ListObjectsV2',
      method: 'GET',
      bucket: MAIN,
      query: q,
      headers: {},
      body: Buffer.alloc(0),
    };
  });

const objectAttributes = fc
  .record({
    key: fc.oneof(fc.constant(SEED_KEY), fc.constant(APPEND_KEY), keyText),
    attributes: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          'ETag,Checksum,ObjectParts,StorageClass,ObjectSize',
          'ObjectParts',
          'ETag',
        ),
      },
      { weight: 1, arbitrary: fc.oneof(fc.constant(''), anyText) },
    ),
    headers: optional({
      'x-amz-max-parts': numberish(),
      'x-amz-part-number-marker': numberish(),
    }),
  })
  .map((r): Draft => ({
    op: 'GetObjectAttributes',
    method: 'GET',
    bucket: MAIN,
    key: r.key,
    query: { attributes: '' },
    headers: { ...r.headers, 'x-amz-object-attributes': r.attributes },
    body: Buffer.alloc(0),
  }));

const createBucket = fc
  .record({
    name: bucketNameText,
    xml: fc.oneof(fc.constant(''), xmlDocument('CreateBucketConfiguration')),
    headers: optional({
      'x-amz-bucket-object-lock-enabled': fc.constantFrom('true', 'false'),
      'x-amz-object-ownership': headerValue,
      'x-amz-acl': headerValue,
    }),
  })
  .map((r): Draft => ({
    op: 'CreateBucket',
    method: 'PUT',
    bucket: r.name,
    newBucket: r.name,
    query: {},
    headers: r.headers,
    body: Buffer.from(r.xml, 'utf8'),
  }));

const bucketConfig = fc
  .record({
    bucket: fc.oneof(
      { weight: 4, arbitrary: fc.constant(POLICY_BUCKET) },
      { weight: 1, arbitrary: bucketNameText },
    ),
    what: fc.constantFrom('policy', 'policy', 'policy', 'encryption', 'lifecycle', 'none'),
    method: fc.constantFrom('PUT', 'PUT', 'GET', 'DELETE', 'HEAD'),
    policy: fc.oneof(
      {
        weight: 1,
        arbitrary: validBucketPolicyText(`arn:aws:s3express:us-east-1:${ACCOUNT}:bucket/${POLICY_BUCKET}`),
      },
      { weight: 2, arbitrary: policyText },
    ),
    xml: xmlDocument('ServerSideEncryptionConfiguration'),
  })
  .map((r): Draft => {
    const query: Record<string, string> = r.what === 'none' ? {} : { [r.what]: '' };
    const data = r.method !== 'PUT' ? '' : r.what === 'policy' ? r.policy : r.xml;
    return {
      op: `${r.method} bucket ${r.what}`,
      method: r.method,
      bucket: r.bucket,
      query,
      headers: {},
      body: Buffer.from(data, 'utf8'),
    };
  });

const createSession = fc
  .record({
    bucket: fc.oneof({ weight: 4, arbitrary: fc.constant(MAIN) }, { weight: 1, arbitrary: bucketNameText }),
    headers: optional({
      'x-amz-create-session-mode': fc.constantFrom('ReadOnly', 'ReadWrite', 'readonly', ''),
      'x-amz-server-side-encryption': fc.constantFrom('AES256', 'aws:kms', 'x'),
      'x-amz-server-side-encryption-aws-kms-key-id': headerValue,
      'x-amz-server-side-encryption-context': headerValue,
      'x-amz-server-side-encryption-bucket-key-enabled': fc.constantFrom('true', 'false', 'x'),
    }),
  })
  .map((r): Draft => ({
    op: 'CreateSession',
    method: 'GET',
    bucket: r.bucket,
    query: { session: '' },
    headers: r.headers,
    body: Buffer.alloc(0),
  }));

const listBuckets = optional({
  'max-directory-buckets': numberish(),
  'continuation-token': anyText,
  'x-id': fc.constantFrom('ListBuckets', 'ListDirectoryBuckets'),
  prefix: anyText,
}).map((query): Draft => ({
  op: 'ListDirectoryBuckets',
  method: 'GET',
  query,
  headers: {},
  body: Buffer.alloc(0),
}));

const iamRequest = fc
  .record({
    service: fc.oneof(
      { weight: 4, arbitrary: fc.constant('iam' as const) },
      { weight: 1, arbitrary: fc.constant('sts' as const) },
    ),
    action: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(
          'ListUsers',
          'GetUser',
          'CreateUser',
          'CreateAccessKey',
          'ListAccessKeys',
          'PutUserPolicy',
          'GetUserPolicy',
          'ListUserPolicies',
          'DeleteUserPolicy',
          'UpdateAccessKey',
          'GetCallerIdentity',
          'AssumeRole',
        ),
      },
      { weight: 1, arbitrary: anyText },
    ),
    user: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('fuzz-user-1', 'fuzz-user-2') },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,20}$/) },
      { weight: 1, arbitrary: anyText },
    ),
    version: fc.oneof(
      { weight: 6, arbitrary: fc.constant('2010-05-08') },
      { weight: 1, arbitrary: fc.constantFrom('2011-06-15', 'x', '') },
    ),
    params: optional({
      PolicyName: fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,10}$/), anyText),
      PolicyDocument: policyText,
      AccessKeyId: anyText,
      Status: fc.constantFrom('Active', 'Inactive', 'x'),
      MaxItems: numberish(),
      Marker: anyText,
      Path: anyText,
    }),
    contentType: fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'text/plain',
      '',
    ),
  })
  .map((r): Draft => {
    const form = new URLSearchParams({
      Action: safeUtf16(r.action),
      ...(r.version === '' ? {} : { Version: r.version }),
      ...(r.action === 'GetCallerIdentity' || r.action === 'ListUsers'
        ? {}
        : { UserName: safeUtf16(r.user) }),
      ...Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, safeUtf16(v)])),
    });
    return {
      op: `${r.service}:${r.action.slice(0, 20)}`,
      method: 'POST',
      rawPath: '/',
      query: {},
      headers: r.contentType === '' ? {} : { 'content-type': r.contentType },
      body: Buffer.from(form.toString(), 'utf8'),
      service: r.service,
    };
  });

/** Anything at all: method, path, query, headers, body. */
const rawRequest = fc
  .record({
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH') },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) },
    ),
    path: fc.oneof(
      fc.array(encodedText, { maxLength: 4 }).map((s) => '/' + s.join('/')),
      fc.constantFrom(
        '/',
        '//',
        '*',
        '/%',
        '/%zz',
        `/${MAIN}/%2e%2e/%2e%2e/x`,
        `/${MAIN}/..%2f..%2fetc`,
        `/${MAIN}`,
        `/${MAIN}/`,
        `/${POLICY_BUCKET}?policy`,
      ),
      fc.tuple(fc.constantFrom(MAIN, POLICY_BUCKET), encodedText).map(([b, k]) => `/${b}/${k}`),
    ),
    query: rawQuery,
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 5 }),
    body: fc.oneof(
      body,
      xmlDocument('Delete').map((x) => Buffer.from(x)),
    ),
  })
  .map((r): Draft => ({
    op: `raw ${r.method}`,
    method: r.method,
    rawPath: r.path,
    rawQuery: r.query,
    query: {},
    headers: r.headers,
    body: r.body,
  }));

const draft: fc.Arbitrary<Draft> = fc.oneof(
  { weight: 5, arbitrary: putObject },
  { weight: 3, arbitrary: putChunked },
  { weight: 4, arbitrary: readObject },
  { weight: 2, arbitrary: deleteObject },
  { weight: 2, arbitrary: copyObject },
  { weight: 2, arbitrary: renameObject },
  { weight: 2, arbitrary: appendObject },
  { weight: 1, arbitrary: createUpload },
  { weight: 2, arbitrary: uploadPart },
  { weight: 2, arbitrary: completeUpload },
  { weight: 1, arbitrary: uploadMisc },
  { weight: 2, arbitrary: deleteObjects },
  { weight: 2, arbitrary: listObjects },
  { weight: 1, arbitrary: objectAttributes },
  { weight: 2, arbitrary: createBucket },
  { weight: 3, arbitrary: bucketConfig },
  { weight: 1, arbitrary: createSession },
  { weight: 1, arbitrary: listBuckets },
  { weight: 2, arbitrary: iamRequest },
  { weight: 3, arbitrary: rawRequest },
);

const authMode: fc.Arbitrary<AuthMode> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<AuthMode>('root') },
  { weight: 3, arbitrary: fc.constant<AuthMode>('session') },
  { weight: 1, arbitrary: fc.constant<AuthMode>('session-ro') },
  { weight: 2, arbitrary: fc.constant<AuthMode>('presign') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<AuthMode>('none', 'bad-secret', 'unknown-key', 'skewed', 'wrong-region'),
  },
);

const tweak: fc.Arbitrary<Tweak> = fc.oneof(
  fc.record({
    kind: fc.constant('duplicate' as const),
    index: fc.nat(),
    value: fc.option(headerValue, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('extra' as const), name: headerName, value: headerValue }),
  fc.record({ kind: fc.constant('drop' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('alter' as const), index: fc.nat(), at: fc.nat() }),
  fc.record({
    kind: fc.constant('path' as const),
    suffix: fc.constantFrom('x', '/', '%2F', '%', '/..', ' ', '?', '#'),
  }),
  fc.record({ kind: fc.constant('query' as const), extra: rawQuery }),
);

/** Signed random headers added to any request: where header fuzzing reaches the handlers. */
const extraSignedHeaders = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.dictionary(headerName, headerValue, { minKeys: 1, maxKeys: 3 }) },
);

function caseArbitrary(port: number): fc.Arbitrary<Case> {
  return fc
    .record({
      draft,
      auth: authMode,
      style: fc.constantFrom<Case['style']>('path', 'path', 'path-single', 'vhost'),
      host: fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: hostHeader(port) },
      ),
      tweaks: fc.oneof(
        { weight: 4, arbitrary: fc.constant<Tweak[]>([]) },
        { weight: 1, arbitrary: fc.array(tweak, { minLength: 1, maxLength: 3 }) },
      ),
      extra: extraSignedHeaders,
    })
    .map(({ draft: d, extra, ...rest }) => {
      const headers = { ...d.headers };
      for (const [n, v] of Object.entries(extra)) if (!(n in headers)) headers[n] = v;
      return { draft: { ...d, headers }, ...rest, ...(rest.host === undefined ? { host: undefined } : {}) };
    });
}

// ---------------------------------------------------------------------------------------------
// The live server

interface Live {
  t: TestZonal;
  port: number;
  session: { accessKeyId: string; secretAccessKey: string; sessionToken: string; at: number };
  readOnly: { accessKeyId: string; secretAccessKey: string; sessionToken: string; at: number };
  uploadId: string;
  part1ETag: string;
  counter: number;
  stats: Map<string, number>;
}

async function newSession(t: TestZonal, mode: 'ReadWrite' | 'ReadOnly'): Promise<Live['session']> {
  const out = await t.controlClient().send(new CreateSessionCommand({ Bucket: MAIN, SessionMode: mode }));
  const c = out.Credentials!;
  return {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
    at: Date.now(),
  };
}

/** Puts back whatever an accepted request removed, so later cases keep reaching deep code. */
async function restore(live: Live): Promise<void> {
  const { t } = live;
  const store = t.zonal.store;
  const control = t.controlClient();
  if (!(await store.getBucket(POLICY_BUCKET)))
    await control.send(new CreateBucketCommand(createBucketInput(POLICY_BUCKET)));
  if ((await store.getBucket(POLICY_BUCKET))?.policy !== undefined)
    await store.setBucketPolicy(POLICY_BUCKET, undefined);
  if ((await store.getBucket(MAIN))?.policy !== undefined) await store.setBucketPolicy(MAIN, undefined);
  if (!(await store.getObject(MAIN, SEED_KEY)))
    await control.send(new PutObjectCommand({ Bucket: MAIN, Key: SEED_KEY, Body: SEED_BODY }));
  if (!(await store.getObject(MAIN, RENAME_KEY)))
    await control.send(new PutObjectCommand({ Bucket: MAIN, Key: RENAME_KEY, Body: 'rename me' }));
  const append = await store.getObject(MAIN, APPEND_KEY);
  if (!append || append.size > 1_000_000)
    await control.send(new PutObjectCommand({ Bucket: MAIN, Key: APPEND_KEY, Body: 'start' }));
  if (!(await store.getUpload(live.uploadId))) {
    const up = await control.send(new CreateMultipartUploadCommand({ Bucket: MAIN, Key: UPLOAD_KEY }));
    live.uploadId = up.UploadId!;
    const part = await control.send(
      new UploadPartCommand({
        Bucket: MAIN,
        Key: UPLOAD_KEY,
        UploadId: live.uploadId,
        PartNumber: 1,
        Body: 'part one',
      }),
    );
    live.part1ETag = part.ETag!;
  }
  // Sessions last 5 minutes: renew them well before (long runs).
  if (Date.now() - live.session.at > 180_000) live.session = await newSession(t, 'ReadWrite');
  if (Date.now() - live.readOnly.at > 180_000) live.readOnly = await newSession(t, 'ReadOnly');
}

interface Snapshot {
  objects: number;
  uploads: number;
  parts: string;
  buckets: string;
  seed: string;
  append: string;
  policy: string;
  encryption: string;
  tmp: number;
  iam: string;
}

/** Objects in a bucket, counted through the store's interface. */
async function countObjects(store: ObjectStore, bucket: string): Promise<number> {
  let n = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.listObjects({ bucket, prefix: '', after, maxKeys: 1000 });
    n += page.objects.length + page.commonPrefixes.length;
    if (!page.isTruncated) return n;
    after = page.lastReturned;
  }
}

/** Uploads in progress in a bucket, counted through the store's interface. */
async function countUploads(store: ObjectStore, bucket: string): Promise<number> {
  let n = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.listUploads({ bucket, prefix: '', after, maxUploads: 1000 });
    n += page.uploads.length + page.commonPrefixes.length;
    if (!page.isTruncated) return n;
    after = page.lastReturned;
  }
}

/**
 * Blobs the store holds (files and inline) once its background frees are done: a rejected
 * request must leave this unchanged. The fuzz server runs the embedded store.
 */
async function storedBlobs(live: Live): Promise<number> {
  const store = live.t.zonal.store as ObjectStore & Partial<Pick<EmbeddedStore, 'storedBlobCount'>>;
  assert.ok(store.storedBlobCount, 'the server runs the embedded store');
  await store.settled();
  const { files, inline } = await store.storedBlobCount();
  return files + inline;
}

async function snapshot(live: Live): Promise<Snapshot> {
  const store = live.t.zonal.store;
  const object = async (key: string): Promise<string> => {
    const o = await store.getObject(MAIN, key);
    return o ? `${o.etag}/${o.size}` : 'none';
  };
  const iamFile = path.join(live.t.dataDir, 'iam.json');
  const policyBucket = await store.getBucket(POLICY_BUCKET);
  return {
    objects: await countObjects(store, MAIN),
    uploads: await countUploads(store, MAIN),
    parts: (await store.listParts(live.uploadId, 0, 10_000)).parts
      .map((p) => `${p.partNumber}:${p.etag}`)
      .join(','),
    buckets: (await store.listBuckets(ACCOUNT, undefined, 100_000)).buckets.map((b) => b.name).join(','),
    seed: await object(SEED_KEY),
    append: await object(APPEND_KEY),
    policy: policyBucket?.policy ?? '',
    encryption: JSON.stringify(policyBucket?.encryption ?? null),
    tmp: fs.readdirSync(path.join(live.t.dataDir, 'tmp')).length,
    iam: fs.existsSync(iamFile) ? fs.readFileSync(iamFile, 'utf8') : '',
  };
}

const encodeKey = (key: string): string => safeUtf16(key).split('/').map(uriEncode).join('/');

interface Built {
  bytes: Buffer;
  method: string;
  /** The request is correctly signed with ASCII headers and nothing garbled. */
  cleanlySigned: boolean;
  /** What PutObject must have stored if accepted; undefined when unknown. */
  expectStored?: Buffer;
  key?: string;
}

function credentialsFor(live: Live, auth: AuthMode): SigningOptions | undefined {
  switch (auth) {
    case 'none':
      return undefined;
    case 'session':
      return { credentials: live.session };
    case 'session-ro':
      return { credentials: live.readOnly };
    case 'bad-secret':
      return { credentials: { ...ROOT_KEY, secretAccessKey: 'not-the-secret' } };
    case 'unknown-key':
      return { credentials: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' } };
    case 'skewed':
      return { credentials: ROOT_KEY, signingDate: new Date(Date.now() - 20 * 60_000) };
    case 'wrong-region':
      return { credentials: ROOT_KEY, region: 'eu-west-1' };
    case 'presign':
      return { credentials: ROOT_KEY, presign: { expiresIn: 300 } };
    default:
      return { credentials: ROOT_KEY };
  }
}

async function build(live: Live, c: Case): Promise<Built> {
  const d = c.draft;
  live.counter += 1;
  const key = d.freshKey !== undefined ? `fz${live.counter}-${d.freshKey}` : d.key;
  const appendSize = String((await live.t.zonal.store.getObject(MAIN, APPEND_KEY))?.size ?? 0);
  const substitute = (v: string): string => {
    if (v === 'UPLOAD') return live.uploadId;
    if (v === 'SIZE') return appendSize;
    return v;
  };
  const query = Object.fromEntries(
    Object.entries(d.query).map(([k, v]) => [safeUtf16(k), safeUtf16(substitute(v))]),
  );
  const headers: Record<string, string> = {};
  for (const [n, v] of Object.entries(d.headers)) {
    // Framing stays ours: a wrong Content-Length would only make the client hang.
    if (/^(content-length|transfer-encoding)$/i.test(n)) continue;
    headers[n] = safeUtf16(substitute(v));
  }
  let bodyBytes: Buffer = Buffer.from(
    d.body.toString('latin1').replace('PART1ETAG', live.part1ETag),
    'latin1',
  );

  let rawPath: string;
  let host = `127.0.0.1:${live.port}`;
  if (d.rawPath !== undefined) rawPath = d.rawPath;
  else if (d.bucket === undefined) rawPath = '/';
  else if (c.style === 'vhost') {
    host = `${d.bucket}.localhost:${live.port}`;
    rawPath = key === undefined ? '/' : `/${encodeKey(key)}`;
  } else {
    const b = uriEncode(d.bucket);
    rawPath =
      key === undefined
        ? `/${b}`
        : c.style === 'path-single' && !key.startsWith('/')
          ? `/${b}/${encodeKey(key)}`
          : `/${b}//${encodeKey(key)}`;
  }
  if (c.host !== undefined) host = safeUtf16(c.host);
  headers.host = host;

  let expectStored: Buffer | undefined = d.op === 'PutObject' ? bodyBytes : undefined;
  const chunked = d.chunked;
  if (chunked) {
    const payload = Buffer.concat(chunked.chunks);
    headers['x-amz-content-sha256'] = chunked.signed
      ? chunked.trailer
        ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
        : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
      : 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    headers['content-encoding'] ??= 'aws-chunked';
    headers['x-amz-decoded-content-length'] = String(payload.length + chunked.declaredDelta);
    if (chunked.trailer) headers['x-amz-trailer'] = CHECKSUM_HEADER[chunked.trailer];
    expectStored = chunked.corrupt === undefined && chunked.declaredDelta === 0 ? payload : undefined;
  }

  const opts = credentialsFor(live, c.auth);
  let signed: HttpRequest | undefined;
  if (opts !== undefined) {
    const service = d.service ?? 's3express';
    signed = await signRequest(
      live.port,
      { method: d.method, path: rawPath, query, headers, body: bodyBytes },
      { ...opts, service },
    );
    if (chunked) {
      const amzDate = signed.headers['x-amz-date'] ?? String(signed.query['X-Amz-Date']);
      const date = amzDate.slice(0, 8);
      const region = opts.region ?? 'us-east-1';
      const seedSignature =
        /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization ?? '')?.[1] ??
        String(signed.query['X-Amz-Signature']);
      const trailerValue = chunked.trailer
        ? computeChecksum(
            chunked.trailer,
            chunked.wrongChecksum ? Buffer.from('other') : Buffer.concat(chunked.chunks),
          )
        : undefined;
      bodyBytes = encodeChunked({
        chunks: chunked.chunks,
        signing: chunked.signed
          ? {
              signingKey: deriveSigningKey(opts.credentials.secretAccessKey, date, region, service),
              amzDate,
              scope: `${date}/${region}/${service}/aws4_request`,
              seedSignature,
            }
          : null,
        trailers: chunked.trailer ? [[CHECKSUM_HEADER[chunked.trailer], trailerValue!]] : [],
        withTrailer: chunked.trailer !== undefined,
      });
      if (chunked.corrupt !== undefined && bodyBytes.length > 0) {
        const i = chunked.corrupt % bodyBytes.length;
        bodyBytes = Buffer.concat([
          bodyBytes.subarray(0, i),
          Buffer.from([bodyBytes[i]! ^ 0x01]),
          bodyBytes.subarray(i + 1),
        ]);
      }
    }
  }
  const finalHeaders: Array<[string, string]> = Object.entries(signed?.headers ?? headers);
  const finalQuery = signed?.query ?? query;
  let target =
    rawPath +
    (Object.keys(finalQuery).length > 0
      ? '?' +
        Object.entries(finalQuery)
          .map(([k, v]) => `${uriEncode(k)}=${uriEncode(String(v))}`)
          .join('&')
      : '');
  if (d.rawQuery !== undefined && d.rawQuery !== '')
    target += (target.includes('?') ? '&' : '?') + d.rawQuery;

  for (const tw of c.tweaks) {
    const i =
      finalHeaders.length === 0
        ? 0
        : tw.kind === 'duplicate' || tw.kind === 'drop' || tw.kind === 'alter'
          ? tw.index % finalHeaders.length
          : 0;
    if (tw.kind === 'duplicate' && finalHeaders[i])
      finalHeaders.push([finalHeaders[i]![0], tw.value ?? finalHeaders[i]![1]]);
    if (tw.kind === 'extra') finalHeaders.push([tw.name, tw.value]);
    if (tw.kind === 'drop') finalHeaders.splice(i, 1);
    if (tw.kind === 'alter' && finalHeaders[i]) {
      const [n, v] = finalHeaders[i]!;
      const at = v.length === 0 ? 0 : tw.at % v.length;
      finalHeaders[i] = [n, v.slice(0, at) + (v[at] === 'a' ? 'b' : 'a') + v.slice(at + 1)];
    }
    if (tw.kind === 'path') target = target.replace(/^[^?]*/, (p) => p + tw.suffix);
    if (tw.kind === 'query' && tw.extra !== '') target += (target.includes('?') ? '&' : '?') + tw.extra;
  }
  const framed = finalHeaders.filter(([n]) => !/^(content-length|transfer-encoding)$/i.test(n));
  if (bodyBytes.length > 0 || d.method === 'PUT' || d.method === 'POST')
    framed.push(['content-length', String(bodyBytes.length)]);
  // Node's client would refuse these bytes; a raw request may carry them (node's server then
  // answers 400 itself). Keep each header on its line so the framing stays ours.
  const sanitized = framed.map(([n, v]): [string, string] => [
    n.replace(/[\r\n]/g, ''),
    v.replace(/[\r\n]/g, ' '),
  ]);

  const ascii = /^[\x20-\x7e]*$/;
  const cleanlySigned =
    opts !== undefined &&
    !UNAUTHENTICATED.has(c.auth) &&
    c.tweaks.length === 0 &&
    d.chunked?.corrupt === undefined &&
    // The presigner hoists x-amz-* headers into the query under their own (lower-case) names;
    // only X-Amz-Content-Sha256 would be read as the payload hash there.
    !(
      c.auth === 'presign' && (headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD') !== 'UNSIGNED-PAYLOAD'
    ) &&
    d.rawPath === undefined &&
    d.rawQuery === undefined &&
    // Lower-case names the signer leaves alone (it sets authorization, x-amz-date and, when
    // absent, x-amz-content-sha256 under lower-case names of its own).
    Object.entries(headers).every(
      ([n, v]) =>
        n === n.toLowerCase() &&
        n !== 'authorization' &&
        ascii.test(n) &&
        ascii.test(v) &&
        v.trim() === v &&
        !/\s\s/.test(v),
    ) &&
    new Set(Object.keys(headers).map((n) => n.toLowerCase())).size === Object.keys(headers).length;

  return {
    bytes: serializeRequest(
      d.method,
      target.replace(/[\r\n ]/g, (ch) => encodeURIComponent(ch)),
      sanitized,
      bodyBytes,
    ),
    method: d.method,
    cleanlySigned,
    ...(expectStored !== undefined && c.tweaks.length === 0 ? { expectStored } : {}),
    ...(key !== undefined ? { key } : {}),
  };
}

async function readStored(live: Live, key: string): Promise<Buffer | undefined> {
  const pinned = await live.t.zonal.store.openObject(MAIN, key);
  if (!pinned) return undefined;
  try {
    const read = pinned.read();
    if (Buffer.isBuffer(read)) return read;
    const chunks: Buffer[] = [];
    for await (const chunk of read) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    pinned.release();
  }
}

let followUp: { bytes: Buffer; at: number } | undefined;
/** A signed HeadBucket, re-signed every few minutes: proves a kept-alive connection still works. */
async function followUpRequest(live: Live): Promise<Buffer> {
  if (followUp === undefined || Date.now() - followUp.at > 120_000) {
    const s = await signRequest(live.port, { method: 'HEAD', path: `/${MAIN}` }, { credentials: ROOT_KEY });
    followUp = {
      bytes: serializeRequest('HEAD', `/${MAIN}`, Object.entries(s.headers), Buffer.alloc(0)),
      at: Date.now(),
    };
  }
  return followUp.bytes;
}

async function runCase(live: Live, c: Case): Promise<void> {
  const built = await build(live, c);
  const before = await snapshot(live);
  const blobsBefore = await storedBlobs(live);
  const conn = await RawConnection.open(live.port);
  let res: RawHttpResponse;
  try {
    conn.write(built.bytes);
    res = await conn.readResponse(built.method === 'HEAD', REQUEST_TIMEOUT_MS);
    const outcome = `${c.draft.op} → ${res.status} ${/<Code>([^<]*)<\/Code>/.exec(res.body.toString('utf8'))?.[1] ?? ''}`;
    live.stats.set(outcome, (live.stats.get(outcome) ?? 0) + 1);
    const label = `${outcome} (${c.auth})`;

    // No 500s, no other 5xx but 501 NotImplemented.
    assert.ok(res.status < 500 || res.status === 501, `${label}: ${res.body.toString('utf8').slice(0, 300)}`);
    if (res.status >= 400 && built.method !== 'HEAD' && headerOf(res, 'x-amz-request-id') !== undefined) {
      assert.match(res.body.toString('utf8'), /<Code>[^<]+<\/Code>/, `${label}: not an error document`);
    }
    if (UNAUTHENTICATED.has(c.auth))
      assert.ok(res.status >= 400, `${label}: accepted without valid credentials`);
    if (built.cleanlySigned) {
      const code = /<Code>([^<]*)<\/Code>/.exec(res.body.toString('utf8'))?.[1];
      assert.notEqual(code, 'SignatureDoesNotMatch', `${label}: a correctly signed request was refused`);
    }

    // The connection: closed by the server, or still good for another request.
    if (res.closes) {
      assert.ok(
        await conn.waitClosed(REQUEST_TIMEOUT_MS),
        `${label}: said Connection: close but kept the socket open`,
      );
    } else {
      conn.write(await followUpRequest(live));
      const next = await conn.readResponse(true, REQUEST_TIMEOUT_MS);
      assert.equal(next.status, 200, `${label}: the kept-alive connection no longer works`);
    }
  } finally {
    conn.destroy();
  }

  // A rejected request changed nothing.
  if (res.status >= 400) {
    const now = await snapshot(live);
    assert.deepEqual(now, before, `${c.draft.op} (${c.auth}) → ${res.status} changed the store`);
    if (c.draft.freshKey !== undefined && built.key !== undefined) {
      assert.equal(
        await live.t.zonal.store.getObject(MAIN, built.key),
        undefined,
        'a rejected write stored its key',
      );
    }
    assert.equal(
      await storedBlobs(live),
      blobsBefore,
      `${c.draft.op} (${c.auth}) → ${res.status} left blobs behind`,
    );
  }
  // An accepted PutObject stored exactly the payload.
  if (
    res.status === 200 &&
    built.expectStored !== undefined &&
    built.key !== undefined &&
    c.draft.method === 'PUT'
  ) {
    const stored = await readStored(live, built.key);
    if (stored !== undefined)
      assert.ok(stored.equals(built.expectStored), `${c.draft.op}: stored bytes differ from the payload`);
  }
  await restore(live);
}

describe('fuzz: live server with raw requests', () => {
  let live: Live;

  before(async () => {
    const t = await startTestZonal({}, { accountId: ACCOUNT });
    const control = t.controlClient();
    await control.send(new CreateBucketCommand(createBucketInput(MAIN)));
    await control.send(new CreateBucketCommand(createBucketInput(POLICY_BUCKET)));
    live = {
      t,
      port: t.zonal.port,
      session: await newSession(t, 'ReadWrite'),
      readOnly: await newSession(t, 'ReadOnly'),
      uploadId: 'none',
      part1ETag: '',
      counter: 0,
      stats: new Map(),
    };
    await restore(live);
  });

  // The fixture's close fails the suite if any request caused an internal error.
  after(() => live?.t.close());

  test('random requests: no 500, no hang, clean connections, nothing stored when rejected', async (t) => {
    await fuzzAsync(
      t,
      'server/raw-requests',
      3000,
      fc.asyncProperty(caseArbitrary(live.port), (c) => runCase(live, c)),
      { timeout: 4 * REQUEST_TIMEOUT_MS },
    );
    const top = [...live.stats].sort((a, b) => b[1] - a[1]);
    const accepted = top.filter(([k]) => / → [23]\d\d/.test(k)).reduce((n, [, v]) => n + v, 0);
    const total = top.reduce((n, [, v]) => n + v, 0);
    t.diagnostic(`server outcomes: ${accepted} of ${total} requests accepted (2xx/3xx)`);
    // ZONAL_FUZZ_STATS=1 lists every operation → status/code seen, to check what the run reached.
    if (process.env.ZONAL_FUZZ_STATS) for (const [k, v] of top) t.diagnostic(`  ${k} ×${v}`);
  });

  test('afterwards, every blob file belongs to an object or a part, and tmp/ is empty', () => {
    const db = new Database(path.join(live.t.dataDir, 'meta.sqlite3'), { readonly: true });
    const referenced = new Set(
      db
        .prepare(
          `SELECT json_extract(s.value, '$.b') AS blob_id FROM objects, json_each(objects.segments) AS s
           UNION ALL SELECT blob_id FROM parts`,
        )
        .all()
        .map((r) => (r as { blob_id: string }).blob_id),
    );
    db.close();
    const blobs = path.join(live.t.dataDir, 'blobs');
    const files = fs.readdirSync(blobs).flatMap((shard) => fs.readdirSync(path.join(blobs, shard)));
    const orphans = files.filter((f) => !referenced.has(f));
    assert.deepEqual(
      orphans,
      [],
      `${orphans.length} of ${files.length} blob files are referenced by nothing`,
    );
    assert.deepEqual(fs.readdirSync(path.join(live.t.dataDir, 'tmp')), []);
  });
});
