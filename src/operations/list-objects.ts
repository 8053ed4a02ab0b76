import { S3_XMLNS } from '../protocol/xml.js';
import type { RequestContext } from '../http/request-context.js';
import { sendXml } from '../http/respond.js';
import { invalidArgument, invalidRequest, notImplemented } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import { existingBucket } from './buckets.js';
import { decodeToken, encodeToken } from './continuation-token.js';
import { primaryChecksumAlgorithm, STORAGE_CLASS } from './object-headers.js';

const MAX_KEYS = 1000;

/** S3's `encoding-type=url`: percent-encode everything but unreserved characters and '/'. */
function urlEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%2F/g, '/');
}

function maxKeysOf(value: string | undefined): number {
  if (value === undefined) return MAX_KEYS;
  if (!/^\d{1,10}$/.test(value))
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', value);
  return Math.min(Number(value), MAX_KEYS);
}

/** ListObjectsV2 with directory-bucket rules (spec §5.1). */
export async function listObjectsV2(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const q = ctx.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  if (q.get('list-type') !== '2') throw invalidArgument('Invalid list type', 'list-type', q.get('list-type'));
  if (prefix !== '' && !prefix.endsWith('/')) {
    throw invalidRequest(
      'This bucket does not support a prefix that does not end in a delimiter. Specify a prefix path ending with a delimiter and try again.',
    );
  }
  if (delimiter !== undefined && delimiter !== '/') {
    throw invalidRequest('This bucket does not support a delimiter other than "/".');
  }
  if (q.has('start-after')) throw notImplemented('start-after is not supported for directory buckets.');
  if (ctx.req.headers['x-amz-optional-object-attributes'] !== undefined) {
    throw notImplemented('x-amz-optional-object-attributes is not supported for directory buckets.');
  }
  const encodingType = q.get('encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  }
  const encode = encodingType === 'url' ? urlEncodeKey : (s: string) => s;
  const maxKeys = maxKeysOf(q.get('max-keys'));
  const token = q.get('continuation-token');
  const after = token === undefined ? undefined : decodeToken(token);
  const fetchOwner = q.get('fetch-owner') === 'true';

  const page =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false, lastReturned: undefined }
      : await services.store.listObjects({ bucket: bucket.name, prefix, delimiter, after, maxKeys });
  const owner = { ID: bucket.ownerAccountId, DisplayName: bucket.ownerAccountId };
  sendXml(ctx, 200, {
    ListBucketResult: {
      '@_xmlns': S3_XMLNS,
      Name: bucket.name,
      Prefix: encode(prefix),
      ...(delimiter === undefined ? {} : { Delimiter: encode(delimiter) }),
      MaxKeys: maxKeys,
      KeyCount: page.objects.length + page.commonPrefixes.length,
      IsTruncated: page.isTruncated,
      ...(encodingType === undefined ? {} : { EncodingType: encodingType }),
      ...(token === undefined ? {} : { ContinuationToken: token }),
      ...(page.isTruncated && page.lastReturned !== undefined
        ? { NextContinuationToken: encodeToken(page.lastReturned) }
        : {}),
      Contents: page.objects.map((o) => ({
        Key: encode(o.key),
        LastModified: o.lastModified.toISOString(),
        ETag: o.etag,
        ChecksumAlgorithm: primaryChecksumAlgorithm(o),
        ChecksumType: 'FULL_OBJECT',
        Size: o.size,
        ...(fetchOwner ? { Owner: owner } : {}),
        StorageClass: STORAGE_CLASS,
      })),
      CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
    },
  });
}
