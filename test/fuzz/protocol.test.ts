/**
 * Fuzzing the pure request-parsing modules: Range headers, query strings, Host names and paths
 * (bucket/key resolution), the operation table, XML bodies, x-amz-copy-source, continuation
 * tokens, conditional headers, bucket names and checksum values. Each may only answer with a
 * value or an S3Error, quickly; the values must respect the invariants checked below.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { canonicalUri, parseQuery as sigv4ParseQuery, uriEncode } from '../../src/auth/sigv4.js';
import { decodeToken, encodeToken } from '../../src/operations/continuation-token.js';
import { parseCopySource } from '../../src/operations/copy-source.js';
import { parseDirectoryBucketName } from '../../src/protocol/bucket-names.js';
import {
  CHECKSUM_HEADER,
  isWellFormedChecksum,
  type ChecksumAlgorithm,
} from '../../src/protocol/checksums.js';
import { evaluateReadConditions } from '../../src/protocol/conditional.js';
import { parseQuery } from '../../src/protocol/query.js';
import { resolveRange } from '../../src/protocol/range.js';
import { parseXml } from '../../src/protocol/xml.js';
import { operationFor } from '../../src/server/operation-table.js';
import { hostnameOf, resolveTarget } from '../../src/http/request-target.js';
import { MAX_KEY_BYTES } from '../../src/protocol/limits.js';
import { S3Error } from '../../src/errors/s3-error.js';
import {
  anyText,
  bucketNameText,
  DOCUMENT_ELEMENTS,
  encodedText,
  escapeXml,
  headerName,
  headerValue,
  hostHeader,
  rangeHeader,
  rawQuery,
  safeUtf16,
  unicodeText,
  xmlDocument,
} from './arbitraries.js';
import { fuzz, outcome } from './fuzz-runner.js';

const objectSize = fc.oneof(
  fc.nat(1000),
  fc.constantFrom(0, 1, 2 ** 32, 5 * 1024 ** 3, Number.MAX_SAFE_INTEGER),
);

describe('fuzz: Range header', () => {
  test('any header: no range, a range inside the object, or 416 InvalidRange', (t) => {
    fuzz(
      t,
      'range/any',
      2500,
      fc.property(rangeHeader, objectSize, (value, size) => {
        const r = outcome(() => resolveRange(value, size));
        if ('error' in r) {
          assert.ok(r.error instanceof S3Error);
          assert.equal(r.error.code, 'InvalidRange');
          assert.equal(r.error.status, 416);
          return;
        }
        if (r.value === undefined) return;
        const { start, end } = r.value;
        assert.ok(Number.isSafeInteger(start) && Number.isSafeInteger(end), `${start}-${end}`);
        assert.ok(0 <= start && start <= end && end < size, `${value} on ${size}: ${start}-${end}`);
      }),
    );
  });

  test('well-formed single ranges resolve as RFC 9110 says', (t) => {
    const spec = fc.oneof(
      fc.record({ kind: fc.constant('from' as const), first: fc.nat(400), last: fc.option(fc.nat(400)) }),
      fc.record({ kind: fc.constant('suffix' as const), n: fc.nat(400) }),
    );
    fuzz(
      t,
      'range/model',
      1500,
      fc.property(spec, fc.nat(300), (s, size) => {
        const header = s.kind === 'suffix' ? `bytes=-${s.n}` : `bytes=${s.first}-${s.last ?? ''}`;
        const r = outcome(() => resolveRange(header, size));
        if (s.kind === 'suffix') {
          if (s.n === 0 || size === 0) return assert.ok('error' in r, header);
          return assert.deepEqual(r, { value: { start: Math.max(0, size - s.n), end: size - 1 } });
        }
        if (s.last !== null && s.last < s.first) return assert.deepEqual(r, { value: undefined });
        if (s.first >= size) return assert.ok('error' in r, `${header} on ${size}`);
        const end = s.last === null ? size - 1 : Math.min(s.last, size - 1);
        assert.deepEqual(r, { value: { start: s.first, end } });
      }),
    );
  });
});

describe('fuzz: query strings', () => {
  test('parseQuery: a map or InvalidURI; when it decodes, the signature reading agrees', (t) => {
    fuzz(
      t,
      'query/parse',
      2500,
      fc.property(rawQuery, (raw) => {
        const r = outcome(() => parseQuery(raw));
        if ('error' in r) return assert.equal((r.error as S3Error).code, 'InvalidURI');
        // The handlers read parameters from this map and SigV4 signs its own decoding of the
        // same string: they must not see different parameters.
        const signed = outcome(() => sigv4ParseQuery(raw));
        assert.ok('value' in signed, 'sigv4 rejected a query the router accepted');
        const firstWins = new Map<string, string>();
        for (const [n, v] of signed.value) if (!firstWins.has(n)) firstWins.set(n, v);
        assert.deepEqual([...r.value], [...firstWins]);
      }),
    );
  });

  test('encoded pairs decode to the original names and values', (t) => {
    const text = unicodeText(12).map(safeUtf16);
    fuzz(
      t,
      'query/roundtrip',
      1000,
      fc.property(fc.uniqueArray(fc.tuple(text, text), { maxLength: 5, selector: ([n]) => n }), (pairs) => {
        const raw = pairs.map(([n, v]) => `${uriEncode(n)}=${uriEncode(v)}`).join('&');
        const parsed = parseQuery(raw);
        assert.deepEqual([...parsed], pairs);
      }),
    );
  });
});

describe('fuzz: Host header and path → bucket and key', () => {
  const path = fc.oneof(
    fc.array(encodedText, { maxLength: 5 }).map((segs) => '/' + segs.join('/')),
    fc.constantFrom('/', '//', '/b//k', '/b/%2F', '/%2e%2e/x', '/b/../k', '/b/k?x', '/b/' + 'k'.repeat(1100)),
    anyText.map((s) => '/' + s),
  );

  test('resolveTarget: a target or an S3Error (InvalidURI, KeyTooLongError), keys within 1024 bytes', (t) => {
    fuzz(
      t,
      'host/resolve',
      2500,
      fc.property(fc.option(hostHeader(9000), { nil: undefined }), path, (host, rawPath) => {
        const r = outcome(() => resolveTarget(host, rawPath));
        if ('error' in r) {
          assert.ok(['InvalidURI', 'KeyTooLongError'].includes((r.error as S3Error).code), r.error.message);
          return;
        }
        const { bucket, key, style } = r.value;
        assert.ok(style === 'path' || style === 'virtual-hosted');
        if (key !== undefined) {
          assert.ok(bucket !== undefined && bucket !== '', 'a key without a bucket');
          assert.ok(Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES);
        }
        if (style === 'virtual-hosted') assert.ok(bucket!.endsWith('--x-s3'));
        assert.equal(typeof hostnameOf(host ?? ''), 'string');
      }),
    );
  });

  test('two spellings with the same canonical URI address the same bucket and key', (t) => {
    // The signature covers canonicalUri(path); the store uses resolveTarget(path). If two
    // spellings canonicalize alike, a signature for one is valid for the other, so they must
    // name the same object (the %2F confusion of the s3-proxy CVE).
    const segment = unicodeText(8).map(safeUtf16);
    const spelled = (s: string, choices: boolean[], lower: boolean[]): string =>
      Array.from(Buffer.from(s, 'utf8'))
        .map((b, i) => {
          const c = String.fromCharCode(b);
          const mustEncode = !/[A-Za-z0-9\-_.~]/.test(c);
          if (!mustEncode && !choices[i]) return c;
          const hex = b.toString(16).padStart(2, '0');
          return '%' + (lower[i] ? hex : hex.toUpperCase());
        })
        .join('');
    const spelling = fc.tuple(
      fc.array(fc.boolean(), { maxLength: 40 }),
      fc.array(fc.boolean(), { maxLength: 40 }),
    );
    fuzz(
      t,
      'host/canonical-spellings',
      1500,
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        spelling,
        spelling,
        fc.option(hostHeader(9000), { nil: undefined }),
        (segments, [c1, l1], [c2, l2], host) => {
          const p1 = '/' + segments.map((s) => spelled(s, c1, l1)).join('/');
          const p2 = '/' + segments.map((s) => spelled(s, c2, l2)).join('/');
          assert.equal(canonicalUri(p1), canonicalUri(p2));
          const r1 = outcome(() => resolveTarget(host, p1));
          const r2 = outcome(() => resolveTarget(host, p2));
          if ('error' in r1 || 'error' in r2) {
            assert.ok('error' in r1 && 'error' in r2, `${p1} / ${p2}: only one was rejected`);
            return;
          }
          assert.deepEqual(r1.value, r2.value);
        },
      ),
    );
  });

  test('operationFor never throws and returns a known operation or nothing', (t) => {
    const method = fc.oneof(
      fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
      anyText,
    );
    const headers = fc.dictionary(headerName, headerValue, { maxKeys: 4 });
    fuzz(
      t,
      'routing/operation',
      1500,
      fc.property(
        method,
        fc.option(hostHeader(9000), { nil: undefined }),
        path,
        rawQuery,
        headers,
        (m, host, p, q, h) => {
          const target = outcome(() => resolveTarget(host, p));
          const query = outcome(() => parseQuery(q));
          if ('error' in target || 'error' in query) return;
          const op = operationFor(m, target.value, query.value, h);
          assert.ok(op === undefined || typeof op === 'string');
        },
      ),
    );
  });
});

describe('fuzz: XML request bodies', () => {
  for (const root of Object.keys(DOCUMENT_ELEMENTS)) {
    test(`parseXml(${root}): a document or MalformedXML`, (t) => {
      fuzz(
        t,
        `xml/${root}`,
        1000,
        fc.property(xmlDocument(root), (xml) => {
          const r = outcome(() => parseXml(xml));
          if ('error' in r) return assert.equal((r.error as S3Error).code, 'MalformedXML');
          assert.equal(typeof r.value, 'object');
        }),
      );
    });
  }

  test('well-formed documents keep their text exactly (trimmed), entities decoded', (t) => {
    const leaf = fc.tuple(
      fc.constantFrom('Key', 'ETag', 'Name', 'Type'),
      fc.string({ minLength: 1, maxLength: 20 }),
    );
    fuzz(
      t,
      'xml/roundtrip',
      800,
      fc.property(fc.uniqueArray(leaf, { minLength: 1, maxLength: 4, selector: ([n]) => n }), (leaves) => {
        const xml = `<Root>${leaves.map(([n, v]) => `<${n}>${escapeXml(v)}</${n}>`).join('')}</Root>`;
        const doc = parseXml(xml).Root as Record<string, unknown>;
        for (const [n, v] of leaves) {
          const got = doc[n];
          // fast-xml-parser reads an element with only blank text as an empty string.
          assert.equal(got, v.trim(), `${n}: ${JSON.stringify(v)}`);
        }
      }),
    );
  });
});

describe('fuzz: other header and query values', () => {
  test('x-amz-copy-source: bucket and key, or an S3Error', (t) => {
    const source = fc.oneof(
      fc.tuple(bucketNameText, encodedText).map(([b, k]) => `${b}/${k}`),
      fc.tuple(bucketNameText, encodedText).map(([b, k]) => `/${b}/${k}?versionId=null`),
      anyText,
    );
    fuzz(
      t,
      'copy-source',
      1200,
      fc.property(fc.option(source, { nil: undefined }), (value) => {
        const r = outcome(() => parseCopySource(value));
        if ('error' in r) return;
        assert.ok(r.value.bucket.length > 0 && r.value.key.length > 0);
        assert.ok(Buffer.byteLength(r.value.key, 'utf8') <= MAX_KEY_BYTES);
      }),
    );
  });

  test('continuation tokens: any text decodes or is InvalidArgument; encode/decode round-trips', (t) => {
    fuzz(
      t,
      'continuation-token',
      1000,
      fc.property(anyText, unicodeText(30).map(safeUtf16), (token, position) => {
        const r = outcome(() => decodeToken(token));
        if ('error' in r) assert.equal((r.error as S3Error).code, 'InvalidArgument');
        assert.equal(decodeToken(encodeToken(position)), position);
      }),
    );
  });

  test('conditional headers: any text gives an outcome, never an exception', (t) => {
    const value = fc.option(headerValue, { nil: undefined });
    fuzz(
      t,
      'conditional',
      1000,
      fc.property(
        value,
        value,
        value,
        value,
        anyText,
        fc.date({ noInvalidDate: true }),
        (im, inm, ims, ius, etag, date) => {
          const r = outcome(() =>
            evaluateReadConditions(
              { ifMatch: im, ifNoneMatch: inm, ifModifiedSince: ims, ifUnmodifiedSince: ius },
              etag,
              date,
            ),
          );
          assert.ok('value' in r);
        },
      ),
    );
  });

  test('bucket names: parsed names rebuild to themselves; nothing throws', (t) => {
    fuzz(
      t,
      'bucket-names',
      1000,
      fc.property(bucketNameText, (name) => {
        const r = outcome(() => parseDirectoryBucketName(name));
        assert.ok('value' in r);
        if (r.value === undefined) return;
        assert.equal(`${r.value.baseName}--${r.value.zoneId}--x-s3`, name);
        assert.ok(name.length <= 63);
      }),
    );
  });

  test('checksum values: well-formedness is a plain yes or no', (t) => {
    const algorithms = Object.keys(CHECKSUM_HEADER) as ChecksumAlgorithm[];
    fuzz(
      t,
      'checksum-values',
      500,
      fc.property(fc.constantFrom(...algorithms), headerValue, (alg, value) => {
        const r = outcome(() => isWellFormedChecksum(alg, value));
        assert.ok('value' in r && typeof r.value === 'boolean');
      }),
    );
  });
});
