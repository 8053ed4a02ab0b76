import { CHECKSUM_API_NAME, type ChecksumAlgorithm } from '../protocol/checksums.js';
import { S3_XMLNS } from '../protocol/xml.js';
import type { RequestContext } from '../http/request-context.js';
import { sendXml } from '../http/respond.js';
import { invalidArgument, invalidRequest, notImplemented } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { ObjectChecksums, UploadRecord } from '../storage/types.js';
import { existingBucket } from './buckets.js';
import { decodeToken, encodeToken } from './continuation-token.js';
import { STORAGE_CLASS } from './object-headers.js';
import { uploadOf } from './upload-part.js';

const MAX_PAGE = 1000;

function pageSize(name: string, value: string | undefined): number {
  if (value === undefined) return MAX_PAGE;
  if (!/^\d{1,10}$/.test(value))
    throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Math.min(Number(value), MAX_PAGE);
}

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

/** ListMultipartUploads with directory-bucket rules (spec §5.2): opaque key-marker, `/` only. */
export async function listMultipartUploads(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const q = ctx.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  if (prefix !== '' && !prefix.endsWith('/')) {
    throw invalidRequest(
      'This bucket does not support a prefix that does not end in a delimiter. Specify a prefix path ending with a delimiter and try again.',
    );
  }
  if (delimiter !== undefined && delimiter !== '/') {
    throw invalidRequest('This bucket does not support a delimiter other than "/".');
  }
  if (q.has('upload-id-marker'))
    throw notImplemented('upload-id-marker is not supported for directory buckets.');
  if (q.has('encoding-type') && q.get('encoding-type') !== 'url') {
    throw invalidArgument(
      'Invalid Encoding Method specified in Request',
      'encoding-type',
      q.get('encoding-type'),
    );
  }
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
