import { CHECKSUM_API_NAME, CHECKSUM_HEADER, type ChecksumAlgorithm } from '../protocol/checksums.js';
import { header, type RequestContext } from '../http/request-context.js';
import { invalidArgument, notImplemented, S3Error } from '../errors/s3-error.js';
import type { BucketRecord, ContentHeaders, ObjectRecord, ServerSideEncryption } from '../storage/types.js';

export const STORAGE_CLASS = 'EXPRESS_ONEZONE';
/**
 * `x-amz-expiration` of every object response in a directory bucket ("PutObject",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html).
 */
export const EXPIRATION_NOT_IMPLEMENTED = 'NotImplemented';
/** S3's limit on user metadata: names and values, in bytes. */
const MAX_METADATA_BYTES = 2048;
const META_PREFIX = 'x-amz-meta-';

/** Write headers directory buckets do not support ("PutObject"); answered 501 (docs/COMPATIBILITY.md). */
const UNSUPPORTED_WRITE_HEADERS: Record<string, string> = {
  'content-md5': 'This bucket does not support Content Md5 header.',
  'x-amz-acl': 'ACLs are not supported for directory buckets.',
  'x-amz-grant-full-control': 'ACLs are not supported for directory buckets.',
  'x-amz-grant-read': 'ACLs are not supported for directory buckets.',
  'x-amz-grant-read-acp': 'ACLs are not supported for directory buckets.',
  'x-amz-grant-write-acp': 'ACLs are not supported for directory buckets.',
  'x-amz-tagging': 'Object tagging is not supported for directory buckets.',
  'x-amz-website-redirect-location': 'Website redirects are not supported for directory buckets.',
  'x-amz-object-lock-mode': 'Object Lock is not supported for directory buckets.',
  'x-amz-object-lock-retain-until-date': 'Object Lock is not supported for directory buckets.',
  'x-amz-object-lock-legal-hold': 'Object Lock is not supported for directory buckets.',
  'x-amz-server-side-encryption-customer-algorithm': 'SSE-C is not supported for directory buckets.',
  'x-amz-server-side-encryption-customer-key': 'SSE-C is not supported for directory buckets.',
  'x-amz-server-side-encryption-customer-key-md5': 'SSE-C is not supported for directory buckets.',
  'x-amz-request-payer': 'Requester Pays is not supported for directory buckets.',
};

/**
 * Refuses headers directory buckets do not support, a foreign storage class, and SSE headers
 * that differ from the encryption this write gets: they may only repeat it ("Specifying
 * server-side encryption with AWS KMS (SSE-KMS) for new object uploads in directory buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-specifying-kms-encryption.html).
 */
export function rejectUnsupportedWriteHeaders(ctx: RequestContext, bucket: BucketRecord): void {
  for (const name in ctx.req.headers) {
    const message = UNSUPPORTED_WRITE_HEADERS[name];
    if (message !== undefined) throw notImplemented(message);
  }
  const storageClass = header(ctx, 'x-amz-storage-class');
  if (storageClass !== undefined && storageClass !== STORAGE_CLASS) {
    throw new S3Error('InvalidStorageClass', undefined, {
      StorageClassRequested: storageClass,
    });
  }
  const encryption = writeEncryption(ctx, bucket);
  const sse = header(ctx, 'x-amz-server-side-encryption');
  if (sse !== undefined && sse !== encryption.algorithm) {
    throw invalidArgument(
      'The server-side encryption header must match the session (or bucket default) encryption.',
      'x-amz-server-side-encryption',
      sse,
    );
  }
  const keyId = header(ctx, 'x-amz-server-side-encryption-aws-kms-key-id');
  if (keyId !== undefined && keyId !== encryption.kmsKeyId) {
    throw invalidArgument(
      'The KMS key must match the session (or bucket default) encryption.',
      'x-amz-server-side-encryption-aws-kms-key-id',
      keyId,
    );
  }
}

/** Encryption headers that belong to writes; SSE-C (`…-customer-*`) is not among them. */
const WRITE_ENCRYPTION_HEADERS = [
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-context',
  'x-amz-server-side-encryption-bucket-key-enabled',
];

/**
 * GetObject and HeadObject refuse the server-side encryption headers of writes with 400: "If
 * you include the header in your GetObject requests for the object that uses these types of
 * keys, you'll get an HTTP 400 Bad Request error" ("GetObject",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html; the same on "HeadObject",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). Every object in a
 * directory bucket is encrypted with SSE-S3 or SSE-KMS, so they are always refused.
 */
export function rejectWriteEncryptionHeaders(ctx: RequestContext): void {
  for (const name of WRITE_ENCRYPTION_HEADERS) {
    const value = header(ctx, name);
    if (value !== undefined) {
      throw invalidArgument(`${name} header is not supported for this operation.`, name, value);
    }
  }
}

/**
 * The encryption a write of this request gets: the session's, fixed at CreateSession, or for
 * IAM-signed requests the bucket default (SSE-S3 unless configured).
 */
export function writeEncryption(ctx: RequestContext, bucket: BucketRecord): ServerSideEncryption {
  const { principal } = ctx.auth;
  if (principal.kind === 'session') {
    const { algorithm, kmsKeyId } = principal.claims.encryption;
    return kmsKeyId === undefined ? { algorithm } : { algorithm, kmsKeyId };
  }
  return bucketDefaultEncryption(bucket);
}

export function bucketDefaultEncryption(bucket: BucketRecord): ServerSideEncryption {
  const enc = bucket.encryption;
  return enc?.algorithm === 'aws:kms' && enc.kmsKeyId !== undefined
    ? { algorithm: 'aws:kms', kmsKeyId: enc.kmsKeyId }
    : { algorithm: 'AES256' };
}

/** The SSE response headers of an object or write. Bucket keys are always on with SSE-KMS. */
export function encryptionHeaders(encryption: ServerSideEncryption): Record<string, string> {
  if (encryption.algorithm !== 'aws:kms') return { 'x-amz-server-side-encryption': encryption.algorithm };
  return {
    'x-amz-server-side-encryption': 'aws:kms',
    'x-amz-server-side-encryption-aws-kms-key-id': encryption.kmsKeyId ?? '',
    'x-amz-server-side-encryption-bucket-key-enabled': 'true',
  };
}

export function contentHeadersFrom(ctx: RequestContext): ContentHeaders {
  // aws-chunked is the transfer's encoding, not the object's: S3 drops it and keeps the other
  // values as sent ("PutObject": "Content-Encoding ... aws-chunked"; "Sending the payload in
  // multiple chunks", AWS Signature Version 4 docs), so `deflate, gzip` stays `deflate, gzip`.
  const encoding = header(ctx, 'content-encoding')
    ?.split(',')
    .filter((e) => e.trim() !== '' && e.trim().toLowerCase() !== 'aws-chunked')
    .join(',')
    .trim();
  return definedOnly({
    contentType: header(ctx, 'content-type') ?? 'binary/octet-stream',
    contentEncoding: encoding === '' ? undefined : encoding,
    contentDisposition: header(ctx, 'content-disposition'),
    contentLanguage: header(ctx, 'content-language'),
    cacheControl: header(ctx, 'cache-control'),
    expires: header(ctx, 'expires'),
  });
}

export function userMetadataFrom(ctx: RequestContext): Record<string, string> {
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (!name.startsWith(META_PREFIX) || value === undefined) continue;
    const key = name.slice(META_PREFIX.length);
    const text = Array.isArray(value) ? value.join(',') : value;
    metadata[key] = text;
    bytes += Buffer.byteLength(key) + Buffer.byteLength(text);
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', undefined, {
      Size: String(bytes),
      MaxSizeAllowed: String(MAX_METADATA_BYTES),
    });
  }
  return metadata;
}

/** Response-header overrides of GetObject (`response-content-type=…`). */
const RESPONSE_OVERRIDES: ReadonlyArray<readonly [param: string, header: string]> = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

/** The stored content headers as response headers: [record field, header name]. */
const CONTENT_HEADERS: ReadonlyArray<readonly [keyof ContentHeaders, string]> = [
  ['contentType', 'Content-Type'],
  ['contentEncoding', 'Content-Encoding'],
  ['contentDisposition', 'Content-Disposition'],
  ['contentLanguage', 'Content-Language'],
  ['cacheControl', 'Cache-Control'],
  ['expires', 'Expires'],
];

/** Headers describing a stored object, for GET and HEAD (on every read: built without detours). */
export function objectHeaders(
  ctx: RequestContext,
  record: ObjectRecord,
  withChecksums: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: record.etag,
    'Last-Modified': record.lastModified.toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  for (const [field, name] of CONTENT_HEADERS) {
    const value = record.content[field];
    if (value !== undefined) headers[name] = value;
  }
  headers['x-amz-storage-class'] = STORAGE_CLASS;
  headers['x-amz-expiration'] = EXPIRATION_NOT_IMPLEMENTED;
  const encryption = encryptionHeaders(record.encryption);
  for (const name in encryption) headers[name] = encryption[name]!;
  for (const name in record.metadata) headers[META_PREFIX + name] = record.metadata[name]!;
  if (withChecksums) Object.assign(headers, checksumHeaders(record));
  if (ctx.query.size > 0) {
    for (const [param, name] of RESPONSE_OVERRIDES) {
      const value = ctx.query.get(param);
      if (value !== undefined) headers[name] = responseHeaderValue(param, value);
    }
  }
  return headers;
}

/**
 * A query value as a response header: control characters (which node refuses to send, a 500)
 * are the client's mistake; other text goes out as its UTF-8 bytes.
 */
function responseHeaderValue(param: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw invalidArgument(`Header value cannot contain control characters: ${param}`, param, '');
  }
  return Buffer.from(value, 'utf8').toString('latin1');
}

export function checksumHeaders(
  record: Pick<ObjectRecord, 'checksums' | 'checksumType'>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [alg, value] of Object.entries(record.checksums) as [ChecksumAlgorithm, string | undefined][]) {
    if (value !== undefined) headers[CHECKSUM_HEADER[alg]] = value;
  }
  if (Object.keys(headers).length > 0) headers['x-amz-checksum-type'] = record.checksumType;
  return headers;
}

/** The algorithm to name in listings: a client-chosen one if any, else CRC32. */
export function primaryChecksumAlgorithm(record: Pick<ObjectRecord, 'checksums'>): string {
  const algs = Object.keys(record.checksums) as ChecksumAlgorithm[];
  const chosen = algs.find((a) => a !== 'crc32') ?? 'crc32';
  return CHECKSUM_API_NAME[chosen];
}

/** The entries whose value is defined, so absent headers are not sent as "undefined". */
function definedOnly<K extends string>(
  value: Record<K, string | undefined>,
): Partial<Record<K, string>> & Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value) as [K, string | undefined][])
    if (v !== undefined) out[key] = v;
  return out as Partial<Record<K, string>> & Record<string, string>;
}
