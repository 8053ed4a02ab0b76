import { pipeline } from 'node:stream/promises';
import { evaluateReadConditions } from '../protocol/conditional.js';
import { resolveRange } from '../protocol/range.js';
import { header, type RequestContext } from '../http/request-context.js';
import { sendEmpty } from '../http/respond.js';
import {
  invalidArgument,
  invalidRequest,
  noSuchKey,
  preconditionFailed,
  S3Error,
} from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { DeleteCondition } from '../storage/object-store.js';
import type { ObjectChecksums, ObjectRecord } from '../storage/types.js';
import { appendObject } from './append-object.js';
import { existingBucket } from './lookups.js';
import { newEtag } from './etag.js';
import {
  checksumHeaders,
  contentHeadersFrom,
  encryptionHeaders,
  EXPIRATION_NOT_IMPLEMENTED,
  objectHeaders,
  rejectUnsupportedWriteHeaders,
  rejectWriteEncryptionHeaders,
  STORAGE_CLASS,
  userMetadataFrom,
  writeEncryption,
} from './object-headers.js';
import { checkedBody, expectedChecksum } from './checked-body.js';
import { MAX_PART_NUMBER } from '../protocol/limits.js';
import { writeConditionFrom } from './write-conditions.js';

/**
 * PutObject: the store keeps the body (checksummed, verified), then commits it under the key
 * if the write conditions hold. With `x-amz-write-offset-bytes` it is an append.
 */
export async function putObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  rejectUnsupportedWriteHeaders(ctx, bucket);
  if (ctx.req.headers['x-amz-write-offset-bytes'] !== undefined) return appendObject(ctx, services);
  const condition = writeConditionFrom(ctx);
  const content = contentHeadersFrom(ctx);
  const metadata = userMetadataFrom(ctx);
  const expected = expectedChecksum(ctx);
  const algorithm = expected.algorithm ?? 'crc32';
  const body = checkedBody(ctx, algorithm, expected, services.config.maxPayloadBytes);
  const encryption = writeEncryption(ctx, bucket);
  const record = await services.store.putObject(
    bucket.name,
    ctx.target.key!,
    body.stream,
    () => ({
      etag: newEtag(),
      lastModified: services.clock.now(),
      content,
      metadata,
      checksums: { [algorithm]: body.checksum() },
      checksumType: 'FULL_OBJECT',
      multipart: false,
      encryption,
    }),
    condition,
  );
  sendEmpty(ctx, 200, {
    ETag: record.etag,
    ...encryptionHeaders(record.encryption),
    'x-amz-storage-class': STORAGE_CLASS,
    'x-amz-expiration': EXPIRATION_NOT_IMPLEMENTED,
    ...checksumHeaders(record),
  });
}

/** The bucket of a GET/HEAD, whose `versionId` may only be the literal `null`. */
async function readableBucket(ctx: RequestContext, services: ZonalServices): Promise<string> {
  const bucket = await existingBucket(ctx, services);
  const versionId = ctx.query.get('versionId');
  if (versionId !== undefined && versionId !== 'null') {
    throw invalidArgument('Invalid version id specified', 'versionId', versionId);
  }
  return bucket.name;
}

/** Shared by GET and HEAD: conditions, range, headers. Returns the range to send, if any. */
function prepareRead(ctx: RequestContext, record: ObjectRecord): { start: number; end: number } | 'done' {
  const outcome = evaluateReadConditions(
    {
      ifMatch: header(ctx, 'if-match'),
      ifNoneMatch: header(ctx, 'if-none-match'),
      ifModifiedSince: header(ctx, 'if-modified-since'),
      ifUnmodifiedSince: header(ctx, 'if-unmodified-since'),
    },
    record.etag,
    record.lastModified,
  );
  if (outcome !== 'proceed' && 'failed' in outcome) throw preconditionFailed(outcome.failed);
  if (outcome !== 'proceed') {
    ctx.res.writeHead(304, { ETag: record.etag, 'Last-Modified': record.lastModified.toUTCString() });
    ctx.res.end();
    return 'done';
  }
  const part = partRange(ctx, record);
  const range = part?.range ?? resolveRange(header(ctx, 'range'), record.size);
  const checksumMode = header(ctx, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
  // A checksum describes the whole object, so a ranged read does not carry it; a part read
  // carries the part's own checksum (below).
  const headers = objectHeaders(ctx, record, checksumMode && range === undefined);
  if (part) headers['x-amz-mp-parts-count'] = String(part.count);
  if (checksumMode && part?.checksums) Object.assign(headers, checksumHeaders(part.checksums));
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${record.size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
    ctx.res.writeHead(206, headers);
    return range;
  }
  headers['Content-Length'] = String(record.size);
  ctx.res.writeHead(200, headers);
  return { start: 0, end: record.size - 1 };
}

/**
 * `?partNumber=N`: the bytes of part N of a multipart object (any other object is one part).
 * Answers with a range (and the part's checksum), or no range when the whole object is that part.
 *
 * A part read answers the part's own checksum, so a client downloading by part can validate
 * each part ("Checking object integrity in Amazon S3", Amazon S3 User Guide:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html, on
 * part-level checksums; and the JS SDK's flexible-checksums middleware, which validates a
 * checksum without a `-N` suffix against the bytes returned, here the part's).
 * `x-amz-checksum-type` is the object's type.
 */
function partRange(
  ctx: RequestContext,
  record: ObjectRecord,
):
  | {
      range?: { start: number; end: number };
      count: number;
      checksums?: Pick<ObjectRecord, 'checksums' | 'checksumType'>;
    }
  | undefined {
  const value = ctx.query.get('partNumber');
  if (value === undefined) return undefined;
  if (ctx.req.headers.range !== undefined) {
    throw invalidRequest('Cannot specify both Range header and partNumber query parameter.');
  }
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n < 1 || n > MAX_PART_NUMBER) {
    throw invalidArgument(
      'Part number must be an integer between 1 and 10000, inclusive',
      'partNumber',
      value,
    );
  }
  const count = record.multipart ? record.segments.length : 1;
  if (n > count) throw new S3Error('InvalidPartNumber');
  if (!record.multipart) return { count };
  let start = 0;
  for (const segment of record.segments.slice(0, n - 1)) start += segment.size;
  const segment = record.segments[n - 1]!;
  return {
    range: { start, end: start + segment.size - 1 },
    count,
    ...(segment.checksums === undefined
      ? {}
      : {
          checksums: {
            checksums: partChecksums(record, segment.checksums),
            checksumType: record.checksumType,
          },
        }),
  };
}

/** A part's checksums in the object's algorithm(s); the part's own if the object names none of them. */
function partChecksums(record: ObjectRecord, part: ObjectChecksums): ObjectChecksums {
  const algs = Object.keys(record.checksums) as (keyof ObjectChecksums)[];
  const chosen: ObjectChecksums = {};
  for (const alg of algs) if (part[alg] !== undefined) chosen[alg] = part[alg];
  return Object.keys(chosen).length > 0 ? chosen : part;
}

export async function getObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  rejectWriteEncryptionHeaders(ctx);
  const bucket = await readableBucket(ctx, services);
  const pinned = await services.store.openObject(bucket, ctx.target.key!);
  if (!pinned) throw noSuchKey(ctx.target.key!);
  try {
    const range = prepareRead(ctx, pinned.record);
    if (range === 'done') return;
    const bytes = pinned.read(pinned.record.size === 0 ? undefined : range);
    if (Buffer.isBuffer(bytes)) ctx.res.end(bytes);
    else await pipeline(bytes, ctx.res);
  } finally {
    pinned.release();
  }
}

export async function headObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  rejectWriteEncryptionHeaders(ctx);
  const bucket = await readableBucket(ctx, services);
  const record = await services.store.getObject(bucket, ctx.target.key!);
  if (!record) throw noSuchKey(ctx.target.key!);
  if (prepareRead(ctx, record) !== 'done') ctx.res.end();
}

export async function deleteObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const versionId = ctx.query.get('versionId');
  if (versionId !== undefined && versionId !== 'null') {
    throw invalidArgument('Invalid version id specified', 'versionId', versionId);
  }
  // Implicit directories are derived from keys, so they vanish with their last object.
  await services.store.deleteObject(bucket.name, ctx.target.key!, deleteConditionFrom(ctx));
  sendEmpty(ctx, 204);
}

/** `If-Match` plus the directory-bucket-only `x-amz-if-match-last-modified-time`/`-size`. */
function deleteConditionFrom(ctx: RequestContext): DeleteCondition {
  const condition: DeleteCondition = { ifMatch: header(ctx, 'if-match') };
  const time = header(ctx, 'x-amz-if-match-last-modified-time');
  if (time !== undefined) {
    const date = new Date(time);
    if (Number.isNaN(date.getTime())) {
      throw invalidArgument(
        'Invalid x-amz-if-match-last-modified-time',
        'x-amz-if-match-last-modified-time',
        time,
      );
    }
    condition.ifMatchLastModifiedTime = date;
  }
  const size = header(ctx, 'x-amz-if-match-size');
  if (size !== undefined) {
    if (!/^\d{1,16}$/.test(size))
      throw invalidArgument('Invalid x-amz-if-match-size', 'x-amz-if-match-size', size);
    condition.ifMatchSize = Number(size);
  }
  return condition;
}
