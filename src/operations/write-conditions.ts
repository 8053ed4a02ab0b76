import { header, type RequestContext } from '../http/request-context.js';
import { notImplemented } from '../errors/s3-error.js';
import type { WriteCondition } from '../storage/types.js';

/**
 * `If-None-Match: *` and `If-Match` of PutObject, CompleteMultipartUpload and CopyObject
 * ("How to prevent object overwrites with conditional writes",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
export function writeConditionFrom(ctx: RequestContext): WriteCondition {
  const ifNoneMatch = header(ctx, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw notImplemented('If-None-Match on writes only supports "*".');
  }
  return { ifNoneMatchStar: ifNoneMatch !== undefined, ifMatch: header(ctx, 'if-match') };
}
