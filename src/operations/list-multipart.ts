import { CHECKSUM_API_NAME, type ChecksumAlgorithm } from '../protocol/checksums.js';
import { S3_XMLNS } from '../protocol/xml.js';
import type { RequestContext } from '../http/request-context.js';
import { sendXml } from '../http/respond.js';
import { invalidArgument, notImplemented } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { ObjectChecksums, UploadRecord } from '../storage/types.js';
import { existingBucket, uploadOf } from './lookups.js';
import { decodeToken, encodeToken } from './continuation-token.js';
import { directoryListingScope, encodingTypeOf, pageSize } from './listing-params.js';
import { STORAGE_CLASS } from './object-headers.js';

/** `ChecksumCRC32: …` elements for the one algorithm a part or object has. */
function checksumElements(checksums: ObjectChecksums): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [alg, value] of Object.entries(checksums) as [ChecksumAlgorithm, string | undefined][]) {
    if (value !== undefined) out[`Checksum${CHECKSUM_API_NAME[alg]}`] = value;
  }
  return out;
}

function owner(accountId: string): Record<string, string> {
  return { ID: accountId, DisplayName: accountId };
}

function uploadChecksumInfo(upload: UploadRecord): Record<string, string> {
  const algorithm = upload.checksumAlgorithm ?? 'crc32';
  return {
    ChecksumAlgorithm: CHECKSUM_API_NAME[algorithm],
    ChecksumType:
      upload.checksumType ?? (upload.checksumAlgorithm === undefined ? 'FULL_OBJECT' : 'COMPOSITE'),
  };
}

export async function listParts(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const upload = await uploadOf(ctx, services);
  const maxParts = pageSize('max-parts', ctx.query.get('max-parts'));
  const markerText = ctx.query.get('part-number-marker') ?? '0';
  if (!/^\d{1,5}$/.test(markerText))
    throw invalidArgument('Invalid part-number-marker', 'part-number-marker', markerText);
  const page = await services.store.listParts(upload.uploadId, Number(markerText), maxParts);
  sendXml(ctx, 200, {
    ListPartsResult: {
      '@_xmlns': S3_XMLNS,
      Bucket: bucket.name,
      Key: upload.key,
      UploadId: upload.uploadId,
      PartNumberMarker: Number(markerText),
      ...(page.nextPartNumberMarker === undefined ? {} : { NextPartNumberMarker: page.nextPartNumberMarker }),
      MaxParts: maxParts,
      IsTruncated: page.isTruncated,
      Part: page.parts.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: p.lastModified.toISOString(),
        ETag: p.etag,
        Size: p.size,
        ...checksumElements(p.checksums),
      })),
      Initiator: owner(bucket.ownerAccountId),
      Owner: owner(bucket.ownerAccountId),
      StorageClass: STORAGE_CLASS,
      ...uploadChecksumInfo(upload),
    },
  });
}

/**
 * ListMultipartUploads with directory-bucket rules: opaque key-marker, `/` only
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html).
 */
export async function listMultipartUploads(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const q = ctx.query;
  const { prefix, delimiter } = directoryListingScope(q);
  if (q.has('upload-id-marker'))
    throw notImplemented('upload-id-marker is not supported for directory buckets.');
  encodingTypeOf(q); // validated only: keys are returned as stored, url or not
  const maxUploads = pageSize('max-uploads', q.get('max-uploads'));
  const keyMarker = q.get('key-marker') || undefined;
  const page = await services.store.listUploads({
    bucket: bucket.name,
    prefix,
    delimiter,
    after: keyMarker === undefined ? undefined : decodeToken(keyMarker),
    maxUploads,
  });
  sendXml(ctx, 200, {
    ListMultipartUploadsResult: {
      '@_xmlns': S3_XMLNS,
      Bucket: bucket.name,
      KeyMarker: keyMarker ?? '',
      Prefix: prefix,
      ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
      ...(page.isTruncated && page.lastReturned !== undefined
        ? { NextKeyMarker: encodeToken(page.lastReturned) }
        : {}),
      MaxUploads: maxUploads,
      IsTruncated: page.isTruncated,
      Upload: page.uploads.map((u) => ({
        Key: u.key,
        UploadId: u.uploadId,
        Initiator: owner(bucket.ownerAccountId),
        Owner: owner(bucket.ownerAccountId),
        StorageClass: STORAGE_CLASS,
        Initiated: u.initiated.toISOString(),
        ...uploadChecksumInfo(u),
      })),
      CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: p })),
    },
  });
}
