import { S3_XMLNS } from '../protocol/xml.js';
import type { RequestContext } from '../server/request-context.js';
import { sendEmpty, sendXml } from '../server/respond.js';
import { S3Error } from '../server/s3-error.js';
import type { ZonalServices } from '../server/zonal-server.js';
import { existingBucket } from './buckets.js';
import { contentHeadersFrom, rejectUnsupportedWriteHeaders, userMetadataFrom } from './object-headers.js';

const noSuchUpload = (uploadId: string): S3Error =>
  new S3Error(
    'NoSuchUpload',
    'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.',
    404,
    { UploadId: uploadId },
  );

export function createMultipartUpload(ctx: RequestContext, services: ZonalServices): void {
  const bucket = existingBucket(ctx, services);
  rejectUnsupportedWriteHeaders(ctx);
  const key = ctx.target.key!;
  const uploadId = services.store.createUpload({
    bucket: bucket.name,
    key,
    content: contentHeadersFrom(ctx),
    metadata: userMetadataFrom(ctx),
    initiated: new Date(),
  });
  sendXml(ctx, 200, {
    InitiateMultipartUploadResult: { '@_xmlns': S3_XMLNS, Bucket: bucket.name, Key: key, UploadId: uploadId },
  });
}

export function abortMultipartUpload(ctx: RequestContext, services: ZonalServices): void {
  const bucket = existingBucket(ctx, services);
  const uploadId = ctx.query.get('uploadId')!;
  const upload = services.store.getUpload(uploadId);
  if (!upload || upload.bucket !== bucket.name || upload.key !== ctx.target.key) throw noSuchUpload(uploadId);
  services.store.deleteUpload(uploadId);
  sendEmpty(ctx, 204);
}
