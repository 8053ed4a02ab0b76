import { MAX_BUCKET_POLICY_BYTES, validateBucketPolicy } from '../access/bucket-policy-rules.js';
import { bucketArn } from '../protocol/bucket-names.js';
import { readSmallBody } from '../http/request-body.js';
import type { RequestContext } from '../http/request-context.js';
import { sendEmpty } from '../http/respond.js';
import { S3Error } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import { existingBucket } from './lookups.js';

export async function putBucketPolicy(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  // Read a little past the limit, so an oversized policy is MalformedPolicy like AWS's answer.
  const body = await readSmallBody(ctx, 4 * MAX_BUCKET_POLICY_BYTES, services.bodyBudget);
  const text = body.toString('utf8');
  validateBucketPolicy(text, bucketArn(bucket.region, bucket.ownerAccountId, bucket.name));
  await services.store.setBucketPolicy(bucket.name, text);
  sendEmpty(ctx, 204);
}

export async function getBucketPolicy(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  if (bucket.policy === undefined) {
    throw new S3Error('NoSuchBucketPolicy', undefined, {
      BucketName: bucket.name,
    });
  }
  ctx.res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(bucket.policy),
  });
  ctx.res.end(bucket.policy);
}

export async function deleteBucketPolicy(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  await services.store.setBucketPolicy(bucket.name, undefined);
  sendEmpty(ctx, 204);
}
