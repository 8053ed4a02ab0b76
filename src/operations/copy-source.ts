import { Readable } from 'node:stream';
import { evaluateReadConditions } from '../protocol/conditional.js';
import { decodeComponent } from '../protocol/query.js';
import { header, type RequestContext } from '../http/request-context.js';
import { checkKeyLength } from '../protocol/limits.js';
import {
  invalidArgument,
  noSuchAccessPoint,
  noSuchBucket,
  noSuchKey,
  preconditionFailed,
} from '../errors/s3-error.js';
import { isAccessPointName } from '../protocol/bucket-names.js';
import type { ZonalServices } from './services.js';
import { checkExpectedSourceBucketOwner } from '../access/expected-owner.js';
import type { PinnedObject } from '../storage/object-store.js';
import type { BucketRecord, ObjectRecord } from '../storage/types.js';

/**
 * The object named by `x-amz-copy-source`, found, authorized and past its conditions, and
 * pinned: its bytes stay readable while the copy runs, whatever happens to the key. The
 * caller releases it.
 */
export interface CopySource {
  bucket: BucketRecord;
  record: ObjectRecord;
  pinned: PinnedObject;
}

/** Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=null]`, URL-encoded. */
export function parseCopySource(value: string | undefined): { bucket: string; key: string } {
  const invalid = () =>
    invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      value ?? '',
    );
  if (value === undefined || value.trim() === '') throw invalid();
  const [path = '', query] = value.split('?', 2);
  if (query !== undefined && query !== 'versionId=null') {
    throw invalidArgument('Invalid version id specified', 'x-amz-copy-source', value);
  }
  const decoded = decodeComponent(path.startsWith('/') ? path.slice(1) : path);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalid();
  const key = decoded.slice(slash + 1);
  checkKeyLength(key);
  return { bucket: decoded.slice(0, slash), key };
}

/**
 * Resolves the copy source of CopyObject/UploadPartCopy: the source bucket is authorized on
 * its own (a session reaches only its bucket), and `x-amz-copy-source-if-*` apply (412).
 */
export async function copySourceOf(ctx: RequestContext, services: ZonalServices): Promise<CopySource> {
  const { bucket: named, key } = parseCopySource(header(ctx, 'x-amz-copy-source'));
  // The source may be named by an access point, in place of its bucket.
  const accessPoint = isAccessPointName(named) ? await services.store.getAccessPoint(named) : undefined;
  if (isAccessPointName(named) && !accessPoint) throw noSuchAccessPoint(named);
  const bucketName = accessPoint?.bucket ?? named;
  const bucket = await services.store.getBucket(bucketName);
  if (!bucket || (accessPoint && accessPoint.bucketIncarnation !== bucket.incarnation)) {
    throw noSuchBucket(bucketName);
  }
  services.authorizer.authorizeCopySource(ctx, bucket, key, accessPoint);
  checkExpectedSourceBucketOwner(ctx, bucket);
  const pinned = await services.store.openObject(bucket.name, key);
  if (!pinned) throw noSuchKey(key);
  try {
    checkSourceConditions(ctx, pinned.record);
  } catch (err) {
    pinned.release();
    throw err;
  }
  return { bucket, record: pinned.record, pinned };
}

/** `x-amz-copy-source-if-*`: 412 when one fails (for copies a "not modified" source fails too, as in S3). */
function checkSourceConditions(ctx: RequestContext, record: ObjectRecord): void {
  const outcome = evaluateReadConditions(
    {
      ifMatch: header(ctx, 'x-amz-copy-source-if-match'),
      ifNoneMatch: header(ctx, 'x-amz-copy-source-if-none-match'),
      ifModifiedSince: header(ctx, 'x-amz-copy-source-if-modified-since'),
      ifUnmodifiedSince: header(ctx, 'x-amz-copy-source-if-unmodified-since'),
    },
    record.etag,
    record.lastModified,
  );
  // For copies a "not modified" source is a failed precondition too, as in S3.
  if (outcome !== 'proceed') {
    const failed = 'failed' in outcome ? outcome.failed : outcome.notModified;
    throw preconditionFailed(`x-amz-copy-source-${failed.toLowerCase()}`);
  }
}

/** A pinned read's bytes as a stream (small reads come back as one Buffer). */
export function asStream(bytes: Buffer | Readable): Readable {
  return Buffer.isBuffer(bytes) ? Readable.from([bytes]) : bytes;
}
