/**
 * The bucket owner condition: `x-amz-expected-bucket-owner` (the addressed bucket) and
 * `x-amz-source-expected-bucket-owner` (the copy source) must name the bucket's owning account,
 * else 403 AccessDenied ("Verifying bucket ownership with bucket owner condition",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html).
 */
import type { OperationName } from '../protocol/operations.js';
import { header, type RequestContext } from '../http/request-context.js';
import { accessDenied, invalidArgument, notImplemented } from '../errors/s3-error.js';
import type { BucketRecord } from '../storage/types.js';

export const EXPECTED_OWNER_HEADER = 'x-amz-expected-bucket-owner';
export const SOURCE_EXPECTED_OWNER_HEADER = 'x-amz-source-expected-bucket-owner';

/**
 * Directory-bucket operations whose ExpectedBucketOwner AWS answers with 501 Not Implemented
 * (the parameter's documentation in "DeleteBucket", "PutBucketPolicy", "GetBucketPolicy",
 * "DeleteBucketPolicy", "PutBucketEncryption", "GetBucketEncryption" and
 * "DeleteBucketEncryption", https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html
 * and its neighbours; the inventory and metrics configuration operations likewise). For the
 * lifecycle operations AWS says only that the parameter "is not supported for directory bucket
 * lifecycle configurations": answered the same way.
 */
const OWNER_HEADER_NOT_IMPLEMENTED: ReadonlySet<OperationName> = new Set<OperationName>([
  'DeleteBucket',
  'PutBucketPolicy',
  'GetBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketEncryption',
  'GetBucketEncryption',
  'DeleteBucketEncryption',
  'PutBucketLifecycleConfiguration',
  'GetBucketLifecycleConfiguration',
  'DeleteBucketLifecycle',
  'PutBucketInventoryConfiguration',
  'GetBucketInventoryConfiguration',
  'DeleteBucketInventoryConfiguration',
  'ListBucketInventoryConfigurations',
  'PutBucketMetricsConfiguration',
  'GetBucketMetricsConfiguration',
  'DeleteBucketMetricsConfiguration',
  'ListBucketMetricsConfigurations',
]);

/** Operations that address no existing bucket: nothing to compare with. */
const NO_EXISTING_BUCKET: ReadonlySet<OperationName> = new Set<OperationName>([
  'CreateBucket',
  'ListDirectoryBuckets',
]);

/**
 * Checks `x-amz-expected-bucket-owner` against the addressed bucket. A missing bucket is left to
 * the handler (404 NoSuchBucket comes first); a value that is not an account id is 400.
 */
export function checkExpectedBucketOwner(ctx: RequestContext, bucket: BucketRecord | undefined): void {
  const expected = header(ctx, EXPECTED_OWNER_HEADER);
  if (expected === undefined || NO_EXISTING_BUCKET.has(ctx.op)) return;
  if (OWNER_HEADER_NOT_IMPLEMENTED.has(ctx.op)) {
    throw notImplemented(`${EXPECTED_OWNER_HEADER} is not supported by ${ctx.op} for directory buckets.`);
  }
  if (bucket) checkOwner(EXPECTED_OWNER_HEADER, expected, bucket);
}

/** Checks `x-amz-source-expected-bucket-owner` against the source bucket of a copy. */
export function checkExpectedSourceBucketOwner(ctx: RequestContext, source: BucketRecord): void {
  const expected = header(ctx, SOURCE_EXPECTED_OWNER_HEADER);
  if (expected !== undefined) checkOwner(SOURCE_EXPECTED_OWNER_HEADER, expected, source);
}

function checkOwner(name: string, expected: string, bucket: BucketRecord): void {
  if (!/^\d{12}$/.test(expected)) {
    throw invalidArgument('The expected bucket owner must be a 12-digit account id.', name, expected);
  }
  if (expected !== bucket.ownerAccountId) throw accessDenied();
}
