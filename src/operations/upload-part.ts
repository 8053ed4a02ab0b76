import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CHECKSUM_API_NAME, CHECKSUM_HEADER, ChecksumTransform } from '../protocol/checksums.js';
import { S3_XMLNS } from '../protocol/xml.js';
import { header, type RequestContext } from '../http/request-context.js';
import { sendEmpty, sendXml } from '../http/respond.js';
import { invalidArgument, notImplemented } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { ObjectChecksums, UploadRecord } from '../storage/types.js';
import { partNumberOf, uploadOf } from './lookups.js';
import { copySourceOf } from './copy-source.js';
import { encryptionHeaders } from './object-headers.js';
import { newEtag } from './etag.js';
import { expectedChecksum, receiveBlob } from './payload-checksum.js';

/** Records a part whose bytes are in `blob` (one group commit); returns its new ETag. */
async function recordPart(
  services: ZonalServices,
  upload: UploadRecord,
  partNumber: number,
  blob: { blobId: string; size: number },
  checksums: ObjectChecksums,
  lastModified: Date,
): Promise<string> {
  const etag = newEtag();
  await services.store.commitGrouped(() =>
    services.store.putPart({
      uploadId: upload.uploadId,
      partNumber,
      blobId: blob.blobId,
      size: blob.size,
      etag,
      checksums,
      lastModified,
    }),
  );
  return etag;
}

/** UploadPart: streams one part to a blob, checksummed with the upload's algorithm. */
export async function uploadPart(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const upload = uploadOf(ctx, services);
  const partNumber = partNumberOf(ctx);
  if (ctx.req.headers['content-md5'] !== undefined) {
    throw notImplemented('This bucket does not support Content Md5 header.');
  }
  const expected = expectedChecksum(ctx);
  const algorithm = upload.checksumAlgorithm ?? expected.algorithm ?? 'crc32';
  const blob = await receiveBlob(ctx, services, algorithm, expected);
  const etag = await recordPart(
    services,
    upload,
    partNumber,
    blob,
    { [algorithm]: blob.checksum },
    new Date(),
  );
  sendEmpty(ctx, 200, {
    ETag: etag,
    ...encryptionHeaders(upload.encryption),
    [CHECKSUM_HEADER[algorithm]]: blob.checksum,
  });
}

/** Rejects the `x-amz-copy-source-range` forms S3 does not accept; returns the byte range. */
export function copySourceRange(
  ctx: RequestContext,
  sourceSize: number,
): { start: number; end: number } | undefined {
  const value = header(ctx, 'x-amz-copy-source-range');
  if (value === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d+)$/.exec(value);
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (!match || start > end || end >= sourceSize) {
    throw invalidArgument(
      `Range specified is not valid for source object of size: ${sourceSize}`,
      'x-amz-copy-source-range',
      value,
    );
  }
  return { start, end };
}

/** UploadPartCopy: a byte range of an existing object becomes a part (bytes are copied). */
export async function uploadPartCopy(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const upload = uploadOf(ctx, services);
  const partNumber = partNumberOf(ctx);
  const source = copySourceOf(ctx, services);
  const range = copySourceRange(ctx, source.record.size);
  const algorithm = upload.checksumAlgorithm ?? 'crc32';
  const hasher = new ChecksumTransform([algorithm]);
  const bytes =
    source.record.size === 0 ? Readable.from([]) : services.store.openObject(source.record, range);
  pipeline(bytes, hasher).catch(() => undefined);
  const blob = await services.store.writeBlob(hasher);
  const checksum = hasher.checksums()[algorithm]!;
  const lastModified = new Date();
  const etag = await recordPart(services, upload, partNumber, blob, { [algorithm]: checksum }, lastModified);
  for (const [name, value] of Object.entries(encryptionHeaders(upload.encryption)))
    ctx.res.setHeader(name, value);
  sendXml(ctx, 200, {
    CopyPartResult: {
      '@_xmlns': S3_XMLNS,
      ETag: etag,
      LastModified: lastModified.toISOString(),
      [`Checksum${CHECKSUM_API_NAME[algorithm]}`]: checksum,
    },
  });
}
