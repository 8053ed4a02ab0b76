/**
 * Lookups every operation family shares: the caller's account, the addressed bucket, and the
 * multipart upload and part number a request names.
 */
import { MAX_PART_NUMBER } from '../protocol/limits.js';
import type { RequestContext } from '../http/request-context.js';
import { invalidArgument, noSuchAccessPoint, noSuchBucket, noSuchUpload } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { AccessPointRecord, BucketRecord, UploadRecord } from '../storage/types.js';

/** The account a request acts for: the signer's, or the account that created its session. */
export function callerAccountId(ctx: RequestContext): string {
  const { principal } = ctx.auth;
  return principal.kind === 'iam' ? principal.identity.accountId : principal.claims.accountId;
}

/** The bucket a request addresses, which must exist. */
export async function existingBucket(ctx: RequestContext, services: ZonalServices): Promise<BucketRecord> {
  const name = ctx.target.bucket!;
  const bucket = await services.store.getBucket(name);
  if (!bucket) throw noSuchBucket(name);
  return bucket;
}

/** The access point a request was made through (ZonalServer resolved it), if any. */
export async function accessPointOf(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<AccessPointRecord | undefined> {
  const name = ctx.target.accessPoint;
  if (name === undefined) return undefined;
  const accessPoint = await services.store.getAccessPoint(name);
  if (!accessPoint) throw noSuchAccessPoint(name);
  return accessPoint;
}

/** The upload a request names, which must belong to the addressed bucket and key. */
export async function uploadOf(ctx: RequestContext, services: ZonalServices): Promise<UploadRecord> {
  const bucket = await existingBucket(ctx, services);
  const uploadId = ctx.query.get('uploadId') ?? '';
  const upload = await services.store.getUpload(uploadId);
  if (!upload || upload.bucket !== bucket.name || upload.key !== ctx.target.key) throw noSuchUpload(uploadId);
  return upload;
}

export function partNumberOf(ctx: RequestContext): number {
  const value = ctx.query.get('partNumber') ?? '';
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n < 1 || n > MAX_PART_NUMBER) {
    throw invalidArgument(
      `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
      'partNumber',
      value,
    );
  }
  return n;
}
