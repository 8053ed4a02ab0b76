import crypto from 'node:crypto';
import { etagMatches } from '../protocol/conditional.js';
import { decodeComponent } from '../protocol/query.js';
import { header, type RequestContext } from '../http/request-context.js';
import { checkKeyLength } from '../protocol/limits.js';
import { sendEmpty } from '../http/respond.js';
import {
  accessDenied,
  invalidArgument,
  invalidRequest,
  noSuchKey,
  notImplemented,
  preconditionFailed,
  S3Error,
} from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { ObjectRecord } from '../storage/types.js';
import { accessPointOf, existingBucket } from './lookups.js';
import { scopeAllows } from '../access/access-points.js';

/** The conditional headers of RenameObject, in the order they enter the fingerprint. */
const CONDITION_HEADERS = [
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'x-amz-rename-source-if-match',
  'x-amz-rename-source-if-none-match',
  'x-amz-rename-source-if-modified-since',
  'x-amz-rename-source-if-unmodified-since',
] as const;

interface RenameConditions {
  ifMatch?: string;
  ifNoneMatchStar: boolean;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
  sourceIfMatch?: string;
  sourceIfNoneMatch?: string;
  sourceIfModifiedSince?: Date;
  sourceIfUnmodifiedSince?: Date;
}

function dateHeader(ctx: RequestContext, name: string): Date | undefined {
  const raw = header(ctx, name);
  if (raw === undefined) return undefined;
  const date = new Date(raw);
  // A condition that cannot be read must not be skipped silently: a rename is destructive.
  if (Number.isNaN(date.getTime())) throw invalidArgument(`Invalid date in ${name}`, name, raw);
  return date;
}

function conditionsFrom(ctx: RequestContext): RenameConditions {
  const ifNoneMatch = header(ctx, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw notImplemented('If-None-Match on RenameObject only supports "*".');
  }
  return {
    ifMatch: header(ctx, 'if-match'),
    ifNoneMatchStar: ifNoneMatch !== undefined,
    ifModifiedSince: dateHeader(ctx, 'if-modified-since'),
    ifUnmodifiedSince: dateHeader(ctx, 'if-unmodified-since'),
    sourceIfMatch: header(ctx, 'x-amz-rename-source-if-match'),
    sourceIfNoneMatch: header(ctx, 'x-amz-rename-source-if-none-match'),
    sourceIfModifiedSince: dateHeader(ctx, 'x-amz-rename-source-if-modified-since'),
    sourceIfUnmodifiedSince: dateHeader(ctx, 'x-amz-rename-source-if-unmodified-since'),
  };
}

/** HTTP dates have second precision; compare at that precision. */
const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** Every source condition must hold (no RFC 7232 precedence between them). */
function checkSource(source: ObjectRecord, c: RenameConditions): void {
  if (c.sourceIfMatch !== undefined && !etagMatches(c.sourceIfMatch, source.etag)) {
    throw preconditionFailed('x-amz-rename-source-If-Match');
  }
  if (c.sourceIfNoneMatch !== undefined && etagMatches(c.sourceIfNoneMatch, source.etag, 'weak')) {
    throw preconditionFailed('x-amz-rename-source-If-None-Match');
  }
  if (c.sourceIfModifiedSince && seconds(source.lastModified) <= seconds(c.sourceIfModifiedSince)) {
    throw preconditionFailed('x-amz-rename-source-If-Modified-Since');
  }
  if (c.sourceIfUnmodifiedSince && seconds(source.lastModified) > seconds(c.sourceIfUnmodifiedSince)) {
    throw preconditionFailed('x-amz-rename-source-If-Unmodified-Since');
  }
}

/**
 * Destination conditions. If-Match on a missing destination is 404 NoSuchKey, as for
 * conditional PutObject; If-Modified-Since requires the destination to exist; a missing
 * destination satisfies If-Unmodified-Since.
 */
function checkDestination(dst: ObjectRecord | undefined, key: string, c: RenameConditions): void {
  if (c.ifNoneMatchStar && dst) throw preconditionFailed('If-None-Match');
  if (c.ifMatch !== undefined) {
    if (!dst) throw noSuchKey(key);
    if (!etagMatches(c.ifMatch, dst.etag)) throw preconditionFailed('If-Match');
  }
  if (c.ifModifiedSince && (!dst || seconds(dst.lastModified) <= seconds(c.ifModifiedSince))) {
    throw preconditionFailed('If-Modified-Since');
  }
  if (c.ifUnmodifiedSince && dst && seconds(dst.lastModified) > seconds(c.ifUnmodifiedSince)) {
    throw preconditionFailed('If-Unmodified-Since');
  }
}

const HEADER = 'x-amz-rename-source';

/**
 * Parses `x-amz-rename-source`: `/bucket/key` or `bucket/key`, URL-encoded, optionally with
 * `?versionId=null` (the only version a directory bucket has). Anything else is 400
 * InvalidArgument naming the header.
 */
function parseRenameSource(ctx: RequestContext): { bucket: string; key: string } {
  const raw = header(ctx, HEADER);
  const invalid = (message: string): S3Error => invalidArgument(message, HEADER, raw ?? '');
  const shape = `${HEADER} must name the source bucket and key: bucket/key`;
  if (raw === undefined || raw.trim() === '') throw invalid(shape);
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  if (q !== -1 && raw.slice(q + 1) !== 'versionId=null') throw invalid('Invalid version id specified');
  let decoded: string;
  try {
    decoded = decodeComponent(path);
  } catch {
    throw invalid(`${HEADER} is not correctly URL-encoded`);
  }
  const rest = decoded.startsWith('/') ? decoded.slice(1) : decoded;
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) throw invalid(shape);
  const key = rest.slice(slash + 1);
  checkKeyLength(key);
  return { bucket: rest.slice(0, slash), key };
}

function clientToken(ctx: RequestContext): string | undefined {
  const token = header(ctx, 'x-amz-client-token');
  if (token === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,64}$/.test(token)) {
    throw invalidArgument(
      'The client token must be 1 to 64 ASCII characters in the range 33-126.',
      'x-amz-client-token',
      token,
    );
  }
  return token;
}

/**
 * RenameObject: `PUT /dst?renameObject` with `x-amz-rename-source`. The destination takes the
 * source's record unchanged (bytes, ETag, checksums, metadata, Last-Modified) in the same
 * transaction that removes the source; no byte moves.
 */
export async function renameObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const dstKey = ctx.target.key!;
  const source = parseRenameSource(ctx);
  // Through an access point the source names it too; its key must be within the scope, as a
  // delete of the source (the destination was checked as a PutObject).
  const accessPoint = await accessPointOf(ctx, services);
  if (accessPoint) {
    if (source.bucket !== accessPoint.name) {
      throw invalidRequest('RenameObject through an access point names the access point as the source.');
    }
    if (!scopeAllows(accessPoint.scope, 'DeleteObject', source.key)) {
      throw accessDenied('The rename source is outside the scope of the access point.');
    }
  } else if (source.bucket !== bucket.name) {
    throw invalidRequest('RenameObject can only rename an object within the same directory bucket.');
  }
  if (source.key.endsWith('/') || dstKey.endsWith('/')) {
    throw invalidRequest('RenameObject does not rename objects whose key ends with a slash (/).');
  }
  const conditions = conditionsFrom(ctx);
  const token = clientToken(ctx);

  if (source.key === dstKey) {
    // Renaming onto itself changes nothing: check that the object exists and the conditions hold.
    const current = await services.store.getObject(bucket.name, dstKey);
    if (!current) throw noSuchKey(source.key);
    checkSource(current, conditions);
    checkDestination(current, dstKey, conditions);
    sendEmpty(ctx, 200);
    return;
  }

  const fingerprint = crypto
    .createHash('sha256')
    .update(
      JSON.stringify([bucket.name, source.key, dstKey, ...CONDITION_HEADERS.map((h) => header(ctx, h))]),
    )
    .digest('base64');
  await services.store.renameObject(
    bucket.name,
    source.key,
    dstKey,
    (src, dst) => {
      if (!src) throw noSuchKey(source.key);
      checkSource(src, conditions);
      checkDestination(dst, dstKey, conditions);
      return { ...src, key: dstKey };
    },
    token === undefined ? undefined : { token, fingerprint },
  );
  sendEmpty(ctx, 200);
}
