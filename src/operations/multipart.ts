import {
  algorithmFromApiName,
  CHECKSUM_API_NAME,
  isCombinable,
  type ChecksumAlgorithm,
} from '../protocol/checksums.js';
import { S3_XMLNS } from '../protocol/xml.js';
import { header, type RequestContext } from '../http/request-context.js';
import { sendEmpty, sendXml } from '../http/respond.js';
import { invalidArgument, invalidRequest } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { ChecksumType } from '../storage/types.js';
import { existingBucket, uploadOf } from './lookups.js';
import {
  contentHeadersFrom,
  encryptionHeaders,
  rejectUnsupportedWriteHeaders,
  userMetadataFrom,
  writeEncryption,
} from './object-headers.js';

export async function createMultipartUpload(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  rejectUnsupportedWriteHeaders(ctx, bucket);
  const encryption = writeEncryption(ctx, bucket);
  const key = ctx.target.key!;
  const { checksumAlgorithm, checksumType } = uploadChecksumFrom(ctx);
  const uploadId = await services.store.createUpload({
    bucket: bucket.name,
    key,
    content: contentHeadersFrom(ctx),
    metadata: userMetadataFrom(ctx),
    initiated: services.clock.now(),
    encryption,
    checksumAlgorithm,
    checksumType,
  });
  for (const [name, value] of Object.entries(encryptionHeaders(encryption))) ctx.res.setHeader(name, value);
  if (checksumAlgorithm) ctx.res.setHeader('x-amz-checksum-algorithm', CHECKSUM_API_NAME[checksumAlgorithm]);
  if (checksumType) ctx.res.setHeader('x-amz-checksum-type', checksumType);
  sendXml(ctx, 200, {
    InitiateMultipartUploadResult: { '@_xmlns': S3_XMLNS, Bucket: bucket.name, Key: key, UploadId: uploadId },
  });
}

export async function abortMultipartUpload(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const upload = await uploadOf(ctx, services);
  await services.store.abortUpload(upload.uploadId);
  sendEmpty(ctx, 204);
}

/**
 * `x-amz-checksum-algorithm` and `x-amz-checksum-type` of CreateMultipartUpload. FULL_OBJECT
 * needs a CRC (its value is combined from the parts'); COMPOSITE works with any algorithm.
 */
function uploadChecksumFrom(ctx: RequestContext): {
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
} {
  const name = header(ctx, 'x-amz-checksum-algorithm');
  const checksumAlgorithm = name === undefined ? undefined : algorithmFromApiName(name);
  const type = header(ctx, 'x-amz-checksum-type');
  if (type !== undefined && type !== 'FULL_OBJECT' && type !== 'COMPOSITE') {
    throw invalidArgument('Invalid x-amz-checksum-type', 'x-amz-checksum-type', type);
  }
  if (type !== undefined && checksumAlgorithm === undefined) {
    throw invalidRequest('x-amz-checksum-type requires x-amz-checksum-algorithm.');
  }
  if (type === 'FULL_OBJECT' && !isCombinable(checksumAlgorithm!)) {
    throw invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${name} checksum algorithm.`);
  }
  if (type === 'COMPOSITE' && checksumAlgorithm === 'crc64nvme') {
    throw invalidRequest('The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.');
  }
  return { checksumAlgorithm, checksumType: type };
}
