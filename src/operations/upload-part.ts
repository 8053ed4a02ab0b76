import { pipeline } from 'node:stream/promises';
import { CHECKSUM_API_NAME, CHECKSUM_HEADER, ChecksumTransform } from '../protocol/checksums.js';
import { S3_XMLNS } from '../protocol/xml.js';
import { header, type RequestContext } from '../http/request-context.js';
import { sendEmpty, sendXml } from '../http/respond.js';
import { invalidArgument, notImplemented } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { PartRecord } from '../storage/types.js';
import { partNumberOf, uploadOf } from './lookups.js';
import { asStream, copySourceOf } from './copy-source.js';
import { encryptionHeaders } from './object-headers.js';
import { newEtag } from './etag.js';
import { checkedBody, expectedChecksum } from './checked-body.js';

/** UploadPart: the store keeps one part, checksummed with the upload's algorithm. */
export async function uploadPart(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const upload = await uploadOf(ctx, services);
  const partNumber = partNumberOf(ctx);
  if (ctx.req.headers['content-md5'] !== undefined) {
    throw notImplemented('This bucket does not support Content Md5 header.');
  }
  const expected = expectedChecksum(ctx);
  const algorithm = upload.checksumAlgorithm ?? expected.algorithm ?? 'crc32';
  const body = checkedBody(ctx, algorithm, expected, services.config.maxPayloadBytes);
  const part = await services.store.putPart(upload.uploadId, partNumber, body.stream, () => ({
    etag: newEtag(),
    checksums: { [algorithm]: body.checksum() },
    lastModified: services.clock.now(),
  }));
  sendEmpty(ctx, 200, {
    ETag: part.etag,
    ...encryptionHeaders(upload.encryption),
    [CHECKSUM_HEADER[algorithm]]: part.checksums[algorithm]!,
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
  const upload = await uploadOf(ctx, services);
  const partNumber = partNumberOf(ctx);
  const algorithm = upload.checksumAlgorithm ?? 'crc32';
  const source = await copySourceOf(ctx, services);
  let part: PartRecord;
  try {
    const range = copySourceRange(ctx, source.record.size);
    const hasher = new ChecksumTransform([algorithm]);
    pipeline(asStream(source.pinned.read(range)), hasher).catch(() => undefined);
    part = await services.store.putPart(upload.uploadId, partNumber, hasher, () => ({
      etag: newEtag(),
      checksums: { [algorithm]: hasher.checksums()[algorithm]! },
      lastModified: services.clock.now(),
    }));
  } finally {
    source.pinned.release();
  }
  const checksum = part.checksums[algorithm]!;
  const { etag, lastModified } = part;
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
