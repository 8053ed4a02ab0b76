import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import {
  algorithmFromApiName,
  algorithmFromHeaderName,
  CHECKSUM_API_NAME,
  CHECKSUM_HEADER,
  ChecksumTransform,
  isWellFormedChecksum,
  requireComputable,
  type ChecksumAlgorithm,
} from '../protocol/checksums.js';
import { evaluateReadConditions } from '../protocol/conditional.js';
import { resolveRange } from '../protocol/range.js';
import { header, type RequestContext } from '../server/request-context.js';
import { requestPayload, type Payload } from '../server/request-body.js';
import { sendEmpty } from '../server/respond.js';
import {
  badDigest,
  invalidArgument,
  invalidRequest,
  noSuchKey,
  notImplemented,
  preconditionFailed,
  S3Error,
} from '../server/s3-error.js';
import type { ZonalServices } from '../server/zonal-server.js';
import type { ObjectRecord, WriteCondition } from '../storage/types.js';
import { existingBucket } from './buckets.js';
import {
  checksumHeaders,
  contentHeadersFrom,
  encryptionOf,
  objectHeaders,
  rejectUnsupportedWriteHeaders,
  userMetadataFrom,
} from './object-headers.js';

/** S3's limit for a single PUT. */
const MAX_PUT_BYTES = 5 * 1024 ** 3;

/** ETags are opaque in directory buckets: random, unique per write (spec §5.4). */
export const newEtag = (): string => `"${crypto.randomBytes(16).toString('hex')}"`;

/** Where the client's expected checksum comes from: a header now, or a trailer after the body. */
interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  value?: string;
  fromTrailer: boolean;
}

/**
 * The checksum the client asked for (header value, declared trailer, or
 * x-amz-sdk-checksum-algorithm), or CRC32, which Zonal always computes by default.
 */
function expectedChecksum(ctx: RequestContext): ExpectedChecksum {
  const headerAlgs = (Object.keys(CHECKSUM_HEADER) as ChecksumAlgorithm[]).filter(
    (alg) => ctx.req.headers[CHECKSUM_HEADER[alg]] !== undefined,
  );
  const trailerName = header(ctx, 'x-amz-trailer')?.trim().toLowerCase();
  const trailerAlg = trailerName ? algorithmFromHeaderName(trailerName) : undefined;
  if (trailerName && !trailerAlg) throw invalidRequest(`The trailer ${trailerName} is not supported.`);
  if (headerAlgs.length + (trailerAlg ? 1 : 0) > 1) {
    throw invalidRequest(
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  }
  const sdkAlgorithm = header(ctx, 'x-amz-sdk-checksum-algorithm');
  const declared = sdkAlgorithm === undefined ? undefined : algorithmFromApiName(sdkAlgorithm);
  const [headerAlg] = headerAlgs;
  const algorithm = headerAlg ?? trailerAlg ?? declared ?? 'crc32';
  if (declared && declared !== algorithm) {
    throw invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }
  requireComputable(algorithm);
  if (headerAlg) {
    const value = header(ctx, CHECKSUM_HEADER[headerAlg])!;
    if (!isWellFormedChecksum(headerAlg, value)) {
      throw invalidRequest(`Value for ${CHECKSUM_HEADER[headerAlg]} header is invalid.`);
    }
    return { algorithm, value, fromTrailer: false };
  }
  return { algorithm, fromTrailer: trailerAlg !== undefined };
}

function verifyChecksum(expected: ExpectedChecksum, computed: string, payload: Payload): void {
  const name = CHECKSUM_HEADER[expected.algorithm];
  const value = expected.fromTrailer ? payload.trailers().get(name) : expected.value;
  if (value === undefined) return;
  if (!isWellFormedChecksum(expected.algorithm, value))
    throw invalidRequest(`Value for ${name} trailing header is invalid.`);
  if (value !== computed) {
    throw badDigest(
      `The ${CHECKSUM_API_NAME[expected.algorithm]} you specified did not match the calculated checksum.`,
    );
  }
}

function writeConditionFrom(ctx: RequestContext): WriteCondition {
  const ifNoneMatch = header(ctx, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw notImplemented('If-None-Match on writes only supports "*".');
  }
  return { ifNoneMatchStar: ifNoneMatch !== undefined, ifMatch: header(ctx, 'if-match') };
}

export async function putObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = existingBucket(ctx, services);
  rejectUnsupportedWriteHeaders(ctx);
  if (ctx.req.headers['x-amz-write-offset-bytes'] !== undefined) {
    throw notImplemented('Appending to objects (x-amz-write-offset-bytes) is not implemented yet.');
  }
  const condition = writeConditionFrom(ctx);
  const content = contentHeadersFrom(ctx);
  const metadata = userMetadataFrom(ctx);
  const expected = expectedChecksum(ctx);
  const payload = requestPayload(ctx);
  if (payload.declaredLength !== undefined && payload.declaredLength > MAX_PUT_BYTES) {
    throw new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
      ProposedSize: String(payload.declaredLength),
      MaxSizeAllowed: String(MAX_PUT_BYTES),
    });
  }

  const hasher = new ChecksumTransform([expected.algorithm]);
  // pipeline() carries a payload failure (bad signature, digest, abort) into the hasher, so
  // writeBlob sees it, removes the partial blob and rethrows the S3 error.
  pipeline(payload.stream, hasher).catch(() => undefined);
  const blob = await services.store.writeBlob(hasher);
  let record: ObjectRecord;
  try {
    const checksum = hasher.checksums()[expected.algorithm]!;
    verifyChecksum(expected, checksum, payload);
    record = services.store.commitObject(
      {
        bucket: bucket.name,
        key: ctx.target.key!,
        size: blob.size,
        etag: newEtag(),
        lastModified: new Date(),
        content,
        metadata,
        checksums: { [expected.algorithm]: checksum },
        blobId: blob.blobId,
      },
      condition,
    );
  } catch (err) {
    services.store.discardBlob(blob.blobId);
    throw err;
  }
  sendEmpty(ctx, 200, {
    ETag: record.etag,
    'x-amz-server-side-encryption': encryptionOf(ctx),
    'x-amz-storage-class': 'EXPRESS_ONEZONE',
    ...checksumHeaders(record),
  });
}

/** The object a GET/HEAD addresses; `versionId` may only be the literal `null`. */
function readableObject(ctx: RequestContext, services: ZonalServices): ObjectRecord {
  const bucket = existingBucket(ctx, services);
  const versionId = ctx.query.get('versionId');
  if (versionId !== undefined && versionId !== 'null') {
    throw invalidArgument('Invalid version id specified', 'versionId', versionId);
  }
  if (ctx.query.has('partNumber')) throw notImplemented('GetObject by partNumber is not implemented yet.');
  const record = services.store.getObject(bucket.name, ctx.target.key!);
  if (!record) throw noSuchKey(ctx.target.key!);
  return record;
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
  if (typeof outcome === 'object') throw preconditionFailed(outcome.failed);
  if (outcome === 'not-modified') {
    ctx.res.writeHead(304, { ETag: record.etag, 'Last-Modified': record.lastModified.toUTCString() });
    ctx.res.end();
    return 'done';
  }
  const range = resolveRange(header(ctx, 'range'), record.size);
  const checksumMode = header(ctx, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
  // A checksum describes the whole object, so a ranged read does not carry it.
  const headers = objectHeaders(ctx, record, checksumMode && range === undefined);
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

export async function getObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const record = readableObject(ctx, services);
  // Open the blob in the same tick as the lookup, before anything can replace it.
  const range = prepareRead(ctx, record);
  if (range === 'done') return;
  if (record.size === 0) {
    ctx.res.end();
    return;
  }
  await pipeline(services.store.openBlob(record.blobId, range), ctx.res);
}

export function headObject(ctx: RequestContext, services: ZonalServices): void {
  const record = readableObject(ctx, services);
  if (prepareRead(ctx, record) !== 'done') ctx.res.end();
}

export function deleteObject(ctx: RequestContext, services: ZonalServices): void {
  const bucket = existingBucket(ctx, services);
  for (const h of ['x-amz-if-match-last-modified-time', 'x-amz-if-match-size']) {
    if (ctx.req.headers[h] !== undefined) throw notImplemented(`${h} is not implemented yet.`);
  }
  const versionId = ctx.query.get('versionId');
  if (versionId !== undefined && versionId !== 'null') {
    throw invalidArgument('Invalid version id specified', 'versionId', versionId);
  }
  // Implicit directories are derived from keys, so they vanish with their last object.
  services.store.deleteObject(bucket.name, ctx.target.key!, { ifMatch: header(ctx, 'if-match') });
  sendEmpty(ctx, 204);
}
