import {
  CHECKSUM_HEADER,
  combineChecksums,
  isCombinable,
  type ChecksumAlgorithm,
} from '../protocol/checksums.js';
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
import type { ObjectRecord } from '../storage/types.js';
import { existingBucket } from './lookups.js';
import { etagMatches } from '../protocol/conditional.js';
import { newEtag } from './etag.js';
import {
  checksumHeaders,
  contentHeadersFrom,
  encryptionHeaders,
  userMetadataFrom,
  writeEncryption,
} from './object-headers.js';
import { checkedBody, expectedChecksum } from './checked-body.js';
import { MAX_PART_NUMBER } from '../protocol/limits.js';

const invalidWriteOffset = (): S3Error => new S3Error('InvalidWriteOffset');

const tooManyParts = (): S3Error =>
  new S3Error('TooManyParts', `An object can have at most ${MAX_PART_NUMBER} parts, including appends.`);

/**
 * The object's full CRC after appending bytes whose CRC is `appended`, combined without
 * re-reading the object (docs/COMPATIBILITY.md, Append).
 */
function fullChecksum(
  current: ObjectRecord,
  algorithm: ChecksumAlgorithm,
  appended: string,
  size: number,
): string {
  if (current.size === 0) return appended;
  if (current.checksumType === 'FULL_OBJECT' && current.checksums[algorithm] !== undefined) {
    return combineChecksums(algorithm, current.checksums[algorithm]!, appended, size);
  }
  // A COMPOSITE (multipart) object: fold its parts' CRCs into one full-object CRC first.
  let value: string | undefined;
  for (const segment of current.segments) {
    const part = segment.checksums?.[algorithm];
    if (part === undefined)
      throw invalidRequest('The existing object has no checksum that an append can extend.');
    value = value === undefined ? part : combineChecksums(algorithm, value, part, segment.size);
  }
  return value === undefined ? appended : combineChecksums(algorithm, value, appended, size);
}

/** The CRC algorithm an append uses: the object's own, which must be combinable. */
function appendAlgorithm(
  current: ObjectRecord | undefined,
  requested: ChecksumAlgorithm | undefined,
): ChecksumAlgorithm {
  const existing = current && (Object.keys(current.checksums)[0] as ChecksumAlgorithm | undefined);
  const algorithm = existing ?? requested ?? 'crc32';
  if (!isCombinable(algorithm)) {
    throw invalidRequest(
      'Appending is only supported for objects with a CRC checksum (CRC32, CRC32C, CRC64NVME).',
    );
  }
  return algorithm;
}

/**
 * PutObject with `x-amz-write-offset-bytes`: appends a segment when the offset equals the
 * current size (0 creates the object). The offset is checked again at commit, so of two racing
 * appends at the same offset exactly one wins.
 */
export async function appendObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const key = ctx.target.key!;
  const offsetText = header(ctx, 'x-amz-write-offset-bytes')!;
  if (!/^\d{1,16}$/.test(offsetText)) {
    throw invalidArgument(
      'x-amz-write-offset-bytes must be a non-negative integer.',
      'x-amz-write-offset-bytes',
      offsetText,
    );
  }
  const offset = Number(offsetText);
  const encryption = writeEncryption(ctx, bucket);
  const ifMatch = header(ctx, 'if-match');
  const before = await services.store.getObject(bucket.name, key);
  if (offset !== (before?.size ?? 0)) throw invalidWriteOffset();
  const expected = expectedChecksum(ctx);
  const algorithm = appendAlgorithm(before, expected.algorithm);
  const body = checkedBody(ctx, algorithm, expected, services.config.maxPayloadBytes);
  const record = await services.store.appendObject(bucket.name, key, body.stream, (current, received) => {
    const checksum = body.checksum();
    // Checked again here, at commit: of two appends at the same offset only one finds it.
    if (offset !== (current?.size ?? 0)) throw invalidWriteOffset();
    if (ifMatch !== undefined) {
      if (!current) throw noSuchKey(key);
      if (!etagMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match');
    }
    const appendedChecksums = { [algorithm]: checksum };
    if (!current) {
      return {
        appendedChecksums,
        object: {
          etag: newEtag(),
          lastModified: services.clock.now(),
          content: contentHeadersFrom(ctx),
          metadata: userMetadataFrom(ctx),
          checksums: appendedChecksums,
          checksumType: 'FULL_OBJECT',
          multipart: false,
          encryption,
        },
      };
    }
    if (current.segments.length + 1 > MAX_PART_NUMBER) throw tooManyParts();
    if (
      current.encryption.algorithm !== encryption.algorithm ||
      current.encryption.kmsKeyId !== encryption.kmsKeyId
    ) {
      throw new S3Error('EncryptionTypeMismatch');
    }
    // The appended object is no longer what its upload completed (ObjectRecord.uploadId).
    const { uploadId: _completedBy, ...unchanged } = current;
    return {
      appendedChecksums,
      object: {
        ...unchanged,
        etag: newEtag(),
        lastModified: services.clock.now(),
        checksums: { [algorithm]: fullChecksum(current, algorithm, checksum, received.size) },
        checksumType: 'FULL_OBJECT',
      },
    };
  });
  sendEmpty(ctx, 200, {
    ETag: record.etag,
    'x-amz-object-size': String(record.size),
    ...encryptionHeaders(record.encryption),
    ...checksumHeaders(record),
    [CHECKSUM_HEADER[algorithm]]: record.checksums[algorithm]!,
  });
}
