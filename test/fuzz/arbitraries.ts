/**
 * fast-check generators for the inputs a client controls: header names and values, query
 * strings, Host names, XML request documents, bucket-policy JSON and Range headers. Each mixes
 * well-formed values (to get past the first check) with the hostile ones (empty, huge, duplicated,
 * non-ASCII, broken encodings), and `mutate` corrupts any text a little.
 */
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Text

/** Code points 0..255: what node hands us for header bytes (latin1 strings). */
export const latin1Text = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength });

/** Printable ASCII, the usual case. */
export const asciiText = (maxLength = 40): fc.Arbitrary<string> => fc.string({ maxLength });

/** Any Unicode (including lone surrogates), for values that are JS strings. */
export const unicodeText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ unit: 'binary', maxLength }), fc.string({ unit: 'grapheme', maxLength }));

/** A long run of one character or short pattern (size limits, quadratic scans). */
export const hugeText = (maxBytes = 70_000): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom('a', '%', '%2', '0', ' ', '=', '&', '/', '*', '${', 'ab%41', '\u00e9', '<a>'),
      fc.nat(maxBytes),
    )
    .map(([unit, n]) => unit.repeat(Math.max(1, Math.floor(n / unit.length))));

/** A number-ish string: digits, signs, huge values, hex, exponents. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.nat().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  fc.constantFrom(
    '',
    '-1',
    '0',
    '00',
    '+1',
    '1e3',
    '0x10',
    '1.5',
    ' 1',
    '1 ',
    'NaN',
    'Infinity',
    '9007199254740993',
  ),
);

/** Any value a client might put where text is expected. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: asciiText() },
  { weight: 2, arbitrary: latin1Text() },
  { weight: 2, arbitrary: unicodeText() },
  { weight: 2, arbitrary: numberText },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: hugeText(9_000) },
);

/** Small random corruptions of a string: cut, insert, delete, duplicate, flip a character. */
export function mutate(
  base: fc.Arbitrary<string>,
  insert: fc.Arbitrary<string> = anyText,
): fc.Arbitrary<string> {
  return fc
    .tuple(
      base,
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(0, 1, 2, 3, 4), insert), { maxLength: 3 }),
    )
    .map(([text, edits]) => {
      let s = text;
      for (const [a, b, kind, ins] of edits) {
        const i = s.length === 0 ? 0 : a % (s.length + 1);
        const j = Math.min(s.length, i + (b % 16));
        if (kind === 0) s = s.slice(0, i);
        else if (kind === 1) s = s.slice(0, i) + ins + s.slice(i);
        else if (kind === 2) s = s.slice(0, i) + s.slice(j);
        else if (kind === 3) s = s.slice(0, j) + s.slice(i, j) + s.slice(j);
        else if (i < s.length)
          s = s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 + (b % 127))) + s.slice(i + 1);
      }
      return s;
    });
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** Header names the server reads, so random values land where they matter. */
export const KNOWN_HEADERS = [
  'authorization',
  'x-amz-date',
  'date',
  'x-amz-content-sha256',
  'x-amz-s3session-token',
  'x-amz-security-token',
  'host',
  'content-length',
  'content-type',
  'content-md5',
  'content-encoding',
  'content-language',
  'content-disposition',
  'cache-control',
  'expires',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'x-amz-copy-source',
  'x-amz-copy-source-range',
  'x-amz-copy-source-if-match',
  'x-amz-copy-source-if-none-match',
  'x-amz-copy-source-if-modified-since',
  'x-amz-copy-source-if-unmodified-since',
  'x-amz-rename-source',
  'x-amz-rename-source-if-match',
  'x-amz-client-token',
  'x-amz-decoded-content-length',
  'x-amz-trailer',
  'x-amz-sdk-checksum-algorithm',
  'x-amz-checksum-algorithm',
  'x-amz-checksum-type',
  'x-amz-checksum-mode',
  'x-amz-checksum-crc32',
  'x-amz-checksum-crc32c',
  'x-amz-checksum-crc64nvme',
  'x-amz-checksum-sha1',
  'x-amz-checksum-sha256',
  'x-amz-write-offset-bytes',
  'x-amz-storage-class',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-context',
  'x-amz-server-side-encryption-bucket-key-enabled',
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-metadata-directive',
  'x-amz-object-attributes',
  'x-amz-max-parts',
  'x-amz-part-number-marker',
  'x-amz-create-session-mode',
  'x-amz-expected-bucket-owner',
  'x-amz-acl',
  'x-amz-tagging',
  'x-amz-request-payer',
  'x-amz-mfa',
  'x-amz-bucket-object-lock-enabled',
  'x-amz-object-ownership',
  'x-amz-meta-a',
  'x-amz-meta-',
  'x-amz-meta-\u00e9',
  'x-amz-mp-object-size',
  'expect',
  'transfer-encoding',
  'connection',
];

/** RFC 9110 token characters. */
const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";

export const tokenText = (minLength = 1, maxLength = 24): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength, maxLength });

/** Header names: known ones (in random case), random tokens, x-amz-* variants. */
export const headerName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_HEADERS) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...KNOWN_HEADERS), fc.array(fc.boolean(), { maxLength: 40 }))
      .map(([n, up]) => [...n].map((c, i) => (up[i] ? c.toUpperCase() : c)).join('')),
  },
  { weight: 2, arbitrary: tokenText() },
  { weight: 1, arbitrary: tokenText(1, 12).map((t) => `x-amz-${t}`) },
  { weight: 1, arbitrary: tokenText(0, 12).map((t) => `x-amz-meta-${t}`) },
);

/** Header values: valid-looking ones for the header, and hostile ones. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: anyText },
  { weight: 3, arbitrary: asciiText() },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'bytes=0-0',
      'bytes=-1',
      'bytes=1-',
      'bytes=0-1,2-3',
      '"etag"',
      '*',
      'W/"x"',
      'Tue, 15 Nov 1994 08:12:31 GMT',
      '20260101T000000Z',
      'UNSIGNED-PAYLOAD',
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'aws-chunked',
      'aws-chunked,gzip',
      'x-amz-checksum-crc32',
      'x-amz-checksum-crc32,x-amz-checksum-sha256',
      'AAAAAA==',
      'CRC32',
      'crc64nvme',
      'FULL_OBJECT',
      'COMPOSITE',
      'ENABLED',
      'AES256',
      'aws:kms',
      'EXPRESS_ONEZONE',
      'STANDARD',
      'ReadOnly',
      'ReadWrite',
      'ETag,Checksum,ObjectParts,StorageClass,ObjectSize',
      'COPY',
      'REPLACE',
      '/bucket/key',
      'bucket/key?versionId=null',
      '100-continue',
      'chunked',
      'close',
      'application/xml',
      '0',
      '18446744073709551616',
    ),
  },
  { weight: 1, arbitrary: hugeText(12_000) },
);

// ---------------------------------------------------------------------------------------------
// Query strings

const QUERY_NAMES = [
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'continuation-token',
  'start-after',
  'encoding-type',
  'fetch-owner',
  'uploads',
  'uploadId',
  'partNumber',
  'part-number-marker',
  'max-parts',
  'key-marker',
  'upload-id-marker',
  'max-uploads',
  'delete',
  'policy',
  'encryption',
  'lifecycle',
  'session',
  'attributes',
  'renameObject',
  'x-id',
  'versionId',
  'acl',
  'tagging',
  'response-content-type',
  'response-cache-control',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
  'X-Amz-S3session-Token',
  'X-Amz-Content-Sha256',
  'AWSAccessKeyId',
  'Signature',
];

/** Percent-encoding with the usual mistakes: bad escapes, lower case, raw specials, '+'. */
export const encodedText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: anyText.map((s) => encodeURIComponent(safeUtf16(s))) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom(
        'a',
        '%',
        '%2',
        '%zz',
        '%41',
        '%e9',
        '%C3%A9',
        '%FF',
        '%00',
        '+',
        '=',
        '&',
        '/',
        '.',
        '..',
        '%2F',
        '%2f',
        '~',
        '*',
        '!',
      ),
      maxLength: 12,
    }),
  },
  { weight: 1, arbitrary: asciiText() },
);

/** A raw query string (after '?'), encoded or not. */
export const rawQuery: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...QUERY_NAMES) },
            { weight: 1, arbitrary: encodedText },
          ),
          fc.option(
            fc.oneof(
              numberText,
              encodedText,
              fc.constantFrom('2', 'url', 'true', 'ListBuckets', 'AWS4-HMAC-SHA256', 'null'),
            ),
            { nil: undefined },
          ),
        ),
        { maxLength: 6 },
      )
      .map((pairs) => pairs.map(([n, v]) => (v === undefined ? n : `${n}=${v}`)).join('&')),
  },
  { weight: 1, arbitrary: mutate(asciiText(60)) },
  { weight: 1, arbitrary: hugeText(20_000) },
);

/** Makes a string safe for encodeURIComponent (no lone surrogates). */
export function safeUtf16(s: string): string {
  return s.replace(/[\ud800-\udfff]/g, (c, i: number, all: string) => {
    const code = c.charCodeAt(0);
    if (code <= 0xdbff) {
      const next = all.charCodeAt(i + 1);
      return next >= 0xdc00 && next <= 0xdfff ? c : '\ufffd';
    }
    const prev = all.charCodeAt(i - 1);
    return prev >= 0xd800 && prev <= 0xdbff ? c : '\ufffd';
  });
}

// ---------------------------------------------------------------------------------------------
// Host names and bucket names

export const ZONES = ['use1-az4', 'use1-az5', 'usw2-az1', 'usw2-lax1-az1', 'apne1-az4'];

/** Directory bucket names, valid or slightly off. */
export const bucketNameText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}[a-z0-9]$/), fc.constantFrom(...ZONES))
      .map(([base, zone]) => `${base}--${zone}--x-s3`),
  },
  {
    weight: 2,
    arbitrary: mutate(
      fc.constantFrom('fuzz--use1-az4--x-s3', 'a--use1-az4--x-s3', 'xn--a--use1-az4--x-s3', 'bucket'),
    ),
  },
  { weight: 1, arbitrary: anyText },
);

/** Host header values: IPs, localhost, virtual-hosted names, garbage. */
export function hostHeader(
  port: number,
  bucket: fc.Arbitrary<string> = bucketNameText,
): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        '127.0.0.1',
        `[::1]:${port}`,
        '[::1]',
        `LOCALHOST:${port}`,
      ),
    },
    { weight: 3, arbitrary: bucket.map((b) => `${b}.localhost:${port}`) },
    { weight: 1, arbitrary: bucket.map((b) => `${b}.s3express-use1-az4.us-east-1.amazonaws.com`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        ':',
        `:${port}`,
        '[',
        '[::1',
        '.',
        '..',
        'a..b',
        '--x-s3.',
        'a--x-s3.localhost:99999',
        '256.256.256.256',
        '1.2.3.4:abc',
      ),
    },
    { weight: 2, arbitrary: anyText },
  );
}

// ---------------------------------------------------------------------------------------------
// Range

export const rangeHeader: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.option(numberText, { nil: undefined }), fc.option(numberText, { nil: undefined }))
      .map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.option(fc.nat(300), { nil: undefined }), fc.option(fc.nat(300), { nil: undefined }))
      .map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
  },
  {
    weight: 1,
    arbitrary: mutate(
      fc.constantFrom(
        'bytes=0-10',
        'bytes=-5',
        'bytes=3-',
        'bytes=0-1,4-5',
        'items=0-1',
        ' bytes=1-2 ',
        'bytes =1-2',
      ),
    ),
  },
  { weight: 1, arbitrary: anyText },
);

// ---------------------------------------------------------------------------------------------
// XML

/** A generated XML tree: element name, attributes and children (text or elements). */
export interface XmlElement {
  name: string;
  attrs: Array<[string, string]>;
  children: XmlNode[];
}
export type XmlNode = string | XmlElement;

export const DOCUMENT_ELEMENTS: Record<string, string[]> = {
  CreateBucketConfiguration: ['Location', 'Type', 'Name', 'Bucket', 'DataRedundancy', 'LocationConstraint'],
  Delete: ['Object', 'Key', 'VersionId', 'ETag', 'LastModifiedTime', 'Size', 'Quiet'],
  CompleteMultipartUpload: [
    'Part',
    'PartNumber',
    'ETag',
    'ChecksumCRC32',
    'ChecksumCRC32C',
    'ChecksumCRC64NVME',
    'ChecksumSHA1',
    'ChecksumSHA256',
  ],
  ServerSideEncryptionConfiguration: [
    'Rule',
    'ApplyServerSideEncryptionByDefault',
    'SSEAlgorithm',
    'KMSMasterKeyID',
    'BucketKeyEnabled',
  ],
};

/** Element names that have tripped XML-to-object parsers (prototype keys, namespaces). */
const NASTY_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'a:b',
  'xmlns',
  'x-y',
  '_',
  'A.B',
];

/** Text content: plain, entity and character references (valid and not), CDATA. */
export const xmlText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: asciiText(20).map(escapeXml) },
  { weight: 2, arbitrary: numberText },
  { weight: 1, arbitrary: unicodeText(10) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '&amp;',
      '&lt;&gt;&quot;&apos;',
      '&#x41;',
      '&#65;',
      '&#x0;',
      '&#0;',
      '&#xD800;',
      '&#x110000;',
      '&#99999999;',
      '&#x85;',
      '&#x0D;&#x0A;',
      '&bogus;',
      '&',
      '&#;',
      '&#x;',
      '<![CDATA[a<b>&c]]>',
      '<![CDATA[]]>',
      ']]>',
      '<!-- c -->',
      '<?pi x?>',
      '&e1;',
      '&lol9;',
      '"etag"',
      '&quot;etag&quot;',
      'true',
      'TRUE',
      '1',
      '2025-01-01T00:00:00.000Z',
      'AvailabilityZone',
      'Directory',
      'SingleAvailabilityZone',
      'use1-az4',
    ),
  },
);

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Random trees of elements named mostly from `names`. */
export function xmlTree(root: string, names: string[], maxDepth = 4): fc.Arbitrary<XmlElement> {
  const name = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.constantFrom(...NASTY_NAMES) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9._-]{0,8}$/) },
  );
  const attrs = fc.array(
    fc.tuple(
      fc.constantFrom('xmlns', 'xmlns:s3', 'a', 'Type', 'xsi:type', '__proto__'),
      asciiText(10).map(escapeXml),
    ),
    { maxLength: 2 },
  );
  const { element } = fc.letrec<{ element: XmlElement; node: XmlNode }>((tie) => ({
    element: fc.record({
      name,
      attrs,
      children: fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'xml' }),
    }),
    node: fc.oneof({ depthSize: 'small', maxDepth, depthIdentifier: 'xml' }, xmlText, tie('element')),
  }));
  return fc.record({
    name: fc.oneof({ weight: 9, arbitrary: fc.constant(root) }, { weight: 1, arbitrary: name }),
    attrs,
    children: fc.array(element, { maxLength: 6 }),
  });
}

export function renderXml(node: XmlNode): string {
  if (typeof node === 'string') return node;
  const attrs = node.attrs.map(([n, v]) => ` ${n}="${v.replace(/"/g, '&quot;')}"`).join('');
  if (node.children.length === 0) return `<${node.name}${attrs}/>`;
  return `<${node.name}${attrs}>${node.children.map(renderXml).join('')}</${node.name}>`;
}

/** What can precede the root element: declarations, BOM, comments, DOCTYPEs with entities. */
const XML_PROLOGUES = [
  '',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="UTF-8"?>\n',
  '\ufeff',
  '<!-- hello -->',
  '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e1 "expanded">]>',
  '<!DOCTYPE a [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
  '<!DOCTYPE a SYSTEM "file:///etc/passwd">',
  '<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE a [<!ENTITY % p "x">]>',
  '<!DOCTYPE a><!DOCTYPE b>',
  '<!DOCTYPE a [<!ELEMENT a ANY><!ATTLIST a b CDATA #IMPLIED>]>',
  '<?xml version="1.1" encoding="UTF-16"?>',
  '<?xml-stylesheet href="x"?>',
];

/** A request document for `root`: a random tree, a prologue, sometimes deep nesting, sometimes corrupted. */
export function xmlDocument(root: string): fc.Arbitrary<string> {
  const names = DOCUMENT_ELEMENTS[root] ?? [root];
  const tree = fc
    .tuple(
      fc.constantFrom(...XML_PROLOGUES),
      xmlTree(root, names),
      fc.constantFrom('', '\n', ' ', '<x/>', '<!-- tail -->', 'tail'),
    )
    .map(([prologue, t, tail]) => prologue + renderXml(t) + tail);
  const deep = fc
    .tuple(fc.integer({ min: 50, max: 3000 }), fc.constantFrom(...names))
    .map(([depth, n]) => `<${root}>${`<${n}>`.repeat(depth)}x${`</${n}>`.repeat(depth)}</${root}>`);
  const wide = fc
    .tuple(fc.integer({ min: 100, max: 2000 }), fc.constantFrom(...names))
    .map(([count, n]) => `<${root}>${`<${n}>1</${n}>`.repeat(count)}</${root}>`);
  return fc.oneof(
    { weight: 10, arbitrary: tree },
    {
      weight: 3,
      arbitrary: mutate(
        tree,
        fc.constantFrom('<', '>', '&', '"', "'", '</', '/>', '<!', '<?', ']]>', '\u0000', '\ufffd', 'é'),
      ),
    },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: wide },
    { weight: 1, arbitrary: anyText },
  );
}

// ---------------------------------------------------------------------------------------------
// Policy JSON

const ACTIONS = [
  's3express:CreateSession',
  's3express:*',
  's3express:Create*',
  's3express:PutBucketPolicy',
  'S3Express:createsession',
  '*',
  's3:GetObject',
  'iam:*',
  's3express:',
  ':CreateSession',
  's3*:x',
  's3express:Create Session',
];
const RESOURCES = [
  'arn:aws:s3express:us-east-1:111111111111:bucket/fuzz--use1-az4--x-s3',
  'arn:aws:s3express:us-east-1:111111111111:bucket/*',
  'arn:aws:s3express:*:*:bucket/*',
  'arn:aws:s3express:us-east-1:111111111111:bucket/${aws:username}--use1-az4--x-s3',
  "arn:aws:s3express:us-east-1:111111111111:bucket/${aws:username, 'none'}",
  'arn:aws:s3express:us-east-1:111111111111:bucket/${*}${?}${$}',
  'arn:aws:s3express:us-east-1:111111111111:bucket/${',
  'arn:aws:s3express:us-east-1:111111111111:bucket/${}',
  "arn:aws:s3express:us-east-1:111111111111:bucket/${a, 'x''y'}",
  "arn:aws:s3express:us-east-1:111111111111:bucket/${a, 'x}",
  'arn:*',
  'arn:aws:s3express',
  '*',
  'arn:aws:s3:::bucket/key',
];
const PRINCIPALS: unknown[] = [
  '*',
  { AWS: '*' },
  { AWS: '111111111111' },
  { AWS: 'arn:aws:iam::111111111111:root' },
  { AWS: ['arn:aws:iam::111111111111:user/alice', '222222222222'] },
  { AWS: 'arn:aws:iam::111111111111:user/*' },
  { AWS: [] },
  { Service: 's3express.amazonaws.com' },
  { Federated: 'cognito-identity.amazonaws.com' },
  { CanonicalUser: 'abc' },
  {},
  'arn:aws:iam::111111111111:root',
];
const CONDITION_KEYS = [
  's3express:SessionMode',
  's3express:LocationName',
  's3express:TlsVersion',
  's3express:x-amz-server-side-encryption',
  'aws:SourceIp',
  'aws:SecureTransport',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:PrincipalArn',
  'aws:username',
  'aws:PrincipalAccount',
  '',
  ' ',
];
const CONDITION_VALUES: unknown[] = [
  'ReadOnly',
  'ReadWrite',
  'true',
  'False',
  '10.0.0.0/8',
  '2001:db8::/32',
  '192.168.1.1',
  '1.2.3.4/33',
  '::/0',
  '2024-01-01T00:00:00Z',
  '2024-02-30',
  '1700000000',
  '1.2',
  '-0',
  '1e400',
  'aGVsbG8=',
  'not base64!',
  '${aws:username}',
  '${',
  'use1-az*',
  'arn:aws:iam::*:user/${aws:username}',
  1,
  1.5,
  -1,
  true,
  null,
  [],
  {},
  ['a', 'b'],
];
const OPERATOR_NAMES = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'StringEqualsIfExists',
  'ForAnyValue:StringLike',
  'ForAllValues:StringEquals',
  'NumericLessThan',
  'NumericEquals',
  'DateGreaterThan',
  'DateLessThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnLike',
  'ArnNotEquals',
  'Null',
  'NullIfExists',
  'ForAnyValue:Null',
  'stringequals',
  'Bogus',
  'ForSomeValues:StringEquals',
  ':',
  'IfExists',
];

/** A JSON value that is sometimes what the schema wants and sometimes any JSON. */
function orAnyJson<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: arb as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
}

function stringOrList(values: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return orAnyJson(fc.oneof(values, fc.array(values, { maxLength: 3 })));
}

const conditionBlock: fc.Arbitrary<unknown> = orAnyJson(
  fc.dictionary(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...OPERATOR_NAMES) },
      { weight: 1, arbitrary: asciiText(12) },
    ),
    orAnyJson(
      fc.dictionary(
        fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...CONDITION_KEYS) },
          { weight: 1, arbitrary: asciiText(12) },
        ),
        fc.oneof(
          fc.constantFrom(...CONDITION_VALUES),
          fc.array(fc.constantFrom(...CONDITION_VALUES), { maxLength: 3 }),
          unicodeText(12),
        ),
        { maxKeys: 3 },
      ),
    ),
    { maxKeys: 3 },
  ),
);

const statement: fc.Arbitrary<unknown> = orAnyJson(
  fc
    .record(
      {
        Sid: orAnyJson(fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{0,8}$/), unicodeText(8), fc.constant('dup'))),
        Effect: orAnyJson(fc.constantFrom('Allow', 'Deny', 'allow', '')),
        Principal: fc.constantFrom(...PRINCIPALS),
        NotPrincipal: fc.constantFrom(...PRINCIPALS),
        Action: stringOrList(
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...ACTIONS) },
            { weight: 1, arbitrary: asciiText(20) },
          ),
        ),
        NotAction: stringOrList(fc.constantFrom(...ACTIONS)),
        Resource: stringOrList(
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...RESOURCES) },
            { weight: 1, arbitrary: mutate(fc.constantFrom(...RESOURCES)) },
          ),
        ),
        NotResource: stringOrList(fc.constantFrom(...RESOURCES)),
        Condition: conditionBlock,
        Extra: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    )
    .chain((s) =>
      // Usually one of each pair, as a valid statement has.
      fc
        .tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean())
        .map(([keepNotP, keepNotA, keepNotR, keepExtra]) => {
          const out: Record<string, unknown> = { ...s };
          if (!keepNotP && out.Principal !== undefined) delete out.NotPrincipal;
          if (!keepNotA && out.Action !== undefined) delete out.NotAction;
          if (!keepNotR && out.Resource !== undefined) delete out.NotResource;
          if (!keepExtra) delete out.Extra;
          return out;
        }),
    ),
);

/** Policy documents with random deviations in any element. */
const deviatingPolicyObject: fc.Arbitrary<unknown> = orAnyJson(
  fc.record(
    {
      Version: orAnyJson(fc.constantFrom('2012-10-17', '2008-10-17', '2012-10-18')),
      Id: orAnyJson(unicodeText(10)),
      Statement: orAnyJson(fc.oneof(statement, fc.array(statement, { maxLength: 4 }))),
    },
    { requiredKeys: ['Statement'] },
  ),
);

/** Condition values that each operator family accepts. */
const VALID_CONDITIONS: Array<[string, fc.Arbitrary<unknown>]> = [
  ['StringEquals', fc.oneof(unicodeText(8), fc.constantFrom('ReadOnly', '${aws:username}', "${x, 'd'}"))],
  ['StringNotEqualsIgnoreCase', unicodeText(8)],
  ['StringLike', fc.constantFrom('use1-*', '*', '?', '${*}x', 'a*b*c*d*e*f*g*h*', '${aws:username}*')],
  [
    'ForAnyValue:StringLike',
    fc.array(fc.constantFrom('a*', '*b', '${aws:userid}'), { minLength: 1, maxLength: 3 }),
  ],
  ['ForAllValues:StringEquals', fc.array(unicodeText(5), { minLength: 1, maxLength: 3 })],
  ['StringEqualsIfExists', unicodeText(5)],
  ['NumericLessThan', fc.oneof(fc.integer(), fc.constantFrom('1.5', '-3', '1e3'))],
  ['NumericGreaterThanEquals', fc.double({ noNaN: true, noDefaultInfinity: true })],
  [
    'DateGreaterThan',
    fc.constantFrom('2024-01-01T00:00:00Z', '2024-06', '1700000000', '2024-01-01T00:00:00.5+02:00'),
  ],
  ['DateLessThanEquals', fc.nat(2_000_000_000)],
  ['Bool', fc.constantFrom('true', 'false', true, false, '${aws:SecureTransport}')],
  ['BinaryEquals', fc.constantFrom('aGVsbG8=', '', 'AAAA')],
  ['IpAddress', fc.constantFrom('10.0.0.0/8', '203.0.113.7', '2001:db8::/32', '::/0', '0.0.0.0/0')],
  ['NotIpAddress', fc.constantFrom('192.168.0.0/16', '::1')],
  [
    'ArnLike',
    fc.constantFrom('arn:aws:iam::111111111111:user/*', 'arn:*', 'arn:aws:iam::*:user/${aws:username}'),
  ],
  ['ArnNotEquals', fc.constantFrom('arn:aws:iam::111111111111:root')],
  ['Null', fc.constantFrom('true', 'false')],
];

const validCondition = fc
  .uniqueArray(fc.constantFrom(...VALID_CONDITIONS), { minLength: 1, maxLength: 3, selector: ([op]) => op })
  .chain((ops) =>
    fc.tuple(
      ...ops.map(([op, value]) =>
        fc.tuple(fc.constant(op), fc.constantFrom(...CONDITION_KEYS.filter((k) => k.trim() !== '')), value),
      ),
    ),
  )
  .map((clauses) => Object.fromEntries(clauses.map(([op, key, value]) => [op, { [key]: value }])));

const VALID_ACTIONS = [
  's3express:CreateSession',
  's3express:*',
  's3express:Create*',
  's3express:Put?ucketPolicy',
  '*',
  's3:GetObject',
];
const VALID_RESOURCES = RESOURCES.slice(0, 6).concat([
  '*',
  'arn:*',
  'arn:aws:s3express:us-east-1:111111111111:*',
]);
const VALID_PRINCIPALS = PRINCIPALS.slice(0, 5).concat([{ Service: 's3express.amazonaws.com' }]);

function oneOrMore<T>(values: readonly T[]): fc.Arbitrary<T | T[]> {
  return fc.oneof(
    fc.constantFrom(...values),
    fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 3 }),
  );
}

/** Statements that are valid (for one kind or the other): how deep evaluation gets exercised. */
const validStatement = fc
  .record(
    {
      Sid: fc.stringMatching(/^[A-Za-z0-9]{1,8}$/),
      Effect: fc.constantFrom('Allow', 'Deny'),
      principal: fc.option(fc.tuple(fc.boolean(), fc.constantFrom(...VALID_PRINCIPALS)), { nil: undefined }),
      action: fc.tuple(fc.boolean(), oneOrMore(VALID_ACTIONS)),
      resource: fc.tuple(fc.boolean(), oneOrMore(VALID_RESOURCES)),
      Condition: validCondition,
    },
    { requiredKeys: ['Effect', 'action', 'resource'] },
  )
  .map(({ principal, action, resource, ...rest }) => {
    const out: Record<string, unknown> = { ...rest };
    if (principal !== undefined)
      out[principal[0] && rest.Effect === 'Deny' ? 'NotPrincipal' : 'Principal'] = principal[1];
    out[action[0] ? 'NotAction' : 'Action'] = action[1];
    out[resource[0] ? 'NotResource' : 'Resource'] = resource[1];
    return out;
  });

const validPolicyObject: fc.Arbitrary<unknown> = fc
  .record(
    {
      Version: fc.constantFrom('2012-10-17', '2008-10-17'),
      Id: fc.stringMatching(/^[A-Za-z0-9-]{0,12}$/),
      Statement: fc.oneof(validStatement, fc.array(validStatement, { minLength: 1, maxLength: 4 })),
    },
    { requiredKeys: ['Statement'] },
  )
  .map((p) => {
    // Sids must be unique within a policy.
    if (Array.isArray(p.Statement))
      p.Statement.forEach((s, i) => s.Sid !== undefined && (s.Sid = `${s.Sid}${i}`));
    return p;
  });

/** Policy documents (as objects): valid ones, and ones with random deviations. */
export const policyObject: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: validPolicyObject },
  { weight: 1, arbitrary: deviatingPolicyObject },
);

/** Policy text: serialized objects (compact or pretty), corrupted, or arbitrary text. */
export const policyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: policyObject.map((p) => JSON.stringify(p)) },
  { weight: 1, arbitrary: policyObject.map((p) => JSON.stringify(p, null, 2)) },
  {
    weight: 2,
    arbitrary: mutate(
      policyObject.map((p) => JSON.stringify(p)),
      fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', '\\u', 'null', '\u0000'),
    ),
  },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 50_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
);

/** Directory-bucket policies that the validator accepts for `bucketArn`, with random conditions. */
export function validBucketPolicyText(bucketArn: string): fc.Arbitrary<string> {
  const statement = fc.record(
    {
      Sid: fc.stringMatching(/^[A-Za-z0-9]{1,8}$/),
      Effect: fc.constantFrom('Allow', 'Deny'),
      Principal: fc.constantFrom<unknown>(
        '*',
        { AWS: '111111111111' },
        { AWS: ['arn:aws:iam::111111111111:user/alice'] },
      ),
      Action: oneOrMore(['s3express:CreateSession', 's3express:*', 's3express:Create*']),
      Resource: oneOrMore([bucketArn, `${bucketArn.slice(0, bucketArn.lastIndexOf('/'))}/*`]),
      Condition: validCondition,
    },
    { requiredKeys: ['Effect', 'Principal', 'Action', 'Resource'] },
  );
  return fc
    .record({
      Version: fc.constantFrom('2012-10-17', '2008-10-17'),
      Statement: fc.array(statement, { minLength: 1, maxLength: 3 }),
    })
    .map((p) => {
      p.Statement.forEach((st, i) => st.Sid !== undefined && (st.Sid = `${st.Sid}${i}`));
      return JSON.stringify(p);
    });
}
