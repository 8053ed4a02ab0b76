import { S3_XMLNS } from '../protocol/xml.js';
import type { RequestContext } from '../http/request-context.js';
import { sendXml } from '../http/respond.js';
import { invalidArgument, notImplemented } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import { existingBucket } from './lookups.js';
import { decodeToken, encodeToken } from './continuation-token.js';
import { directoryListingScope, encodingTypeOf, pageSize } from './listing-params.js';
import { primaryChecksumAlgorithm, STORAGE_CLASS } from './object-headers.js';

/** S3's `encoding-type=url`: percent-encode everything but unreserved characters and '/'. */
function urlEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%2F/g, '/');
}

/**
 * ListObjectsV2 with directory-bucket rules
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
 */
export async function listObjectsV2(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const q = ctx.query;
  if (q.get('list-type') !== '2') throw invalidArgument('Invalid list type', 'list-type', q.get('list-type'));
  const { prefix, delimiter } = directoryListingScope(q);
  if (q.has('start-after')) throw notImplemented('start-after is not supported for directory buckets.');
  if (ctx.req.headers['x-amz-optional-object-attributes'] !== undefined) {
    throw notImplemented('x-amz-optional-object-attributes is not supported for directory buckets.');
  }
  const encodingType = encodingTypeOf(q);
  const encode = encodingType === 'url' ? urlEncodeKey : (s: string) => s;
  const maxKeys = pageSize('max-keys', q.get('max-keys'));
  const token = q.get('continuation-token');
  // An empty continuation-token lists from the start and is echoed (empty) as S3 does.
  const after = token === undefined || token === '' ? undefined : decodeToken(token);
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
