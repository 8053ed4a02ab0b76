import {
  CHECKSUM_API_NAME,
  CHECKSUM_HEADER,
  combineChecksums,
  compositeChecksum,
  isCombinable,
  type ChecksumAlgorithm,
} from '../protocol/checksums.js';
import { unquote } from '../protocol/conditional.js';
import { malformedXml, parseXml, S3_XMLNS } from '../protocol/xml.js';
import { header, type RequestContext } from '../http/request-context.js';
import { readSmallBody } from '../http/request-body.js';
import { sendXml } from '../http/respond.js';
import { badDigest, invalidRequest, notImplemented, S3Error } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { ObjectRecord, PartRecord, UploadRecord } from '../storage/types.js';
import { newEtag } from './etag.js';
import { encryptionHeaders } from './object-headers.js';
import { writeConditionFrom } from './write-conditions.js';
import { MAX_PART_NUMBER } from '../protocol/limits.js';
import { uploadOf } from './lookups.js';

/** S3's minimum size of every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** 10,000 parts of ~200 bytes of XML each, with room to spare. */
const MAX_COMPLETE_BODY_BYTES = 4 * 1024 * 1024;

/** A part as the client listed it in CompleteMultipartUpload. */
interface RequestedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

const invalidPart = (): S3Error => new S3Error('InvalidPart');

function parseRequestedParts(xml: string): RequestedPart[] {
  const root = parseXml(xml).CompleteMultipartUpload;
  if (typeof root !== 'object' || root === null) throw malformedXml();
  const raw = (root as Record<string, unknown>).Part;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0 || list.length > MAX_PART_NUMBER) throw malformedXml();
  return list.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) throw malformedXml();
    const p = entry as Record<string, unknown>;
    const partNumber = Number(p.PartNumber);
    if (typeof p.PartNumber !== 'string' || !/^\d{1,5}$/.test(p.PartNumber) || typeof p.ETag !== 'string') {
      throw malformedXml();
    }
    const checksums: RequestedPart['checksums'] = {};
    for (const alg of Object.keys(CHECKSUM_API_NAME) as ChecksumAlgorithm[]) {
      const value = p[`Checksum${CHECKSUM_API_NAME[alg]}`];
      if (typeof value === 'string') checksums[alg] = value;
    }
    return { partNumber, etag: p.ETag, checksums };
  });
}

/**
 * Directory buckets need parts 1..N, in order, with no gaps ("CompletedPart",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompletedPart.html).
 */
function checkPartOrder(parts: RequestedPart[]): void {
  parts.forEach((part, i) => {
    if (i > 0 && part.partNumber <= parts[i - 1]!.partNumber) {
      throw new S3Error('InvalidPartOrder');
    }
  });
  parts.forEach((part, i) => {
    if (part.partNumber !== i + 1) {
      throw new S3Error(
        'InvalidPart',
        'Part numbers must start at 1 and be consecutive for directory buckets.',
      );
    }
  });
}

/** Matches the requested parts to the stored ones; every listed part must exist as described. */
function usedParts(requested: RequestedPart[], stored: readonly PartRecord[]): PartRecord[] {
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
  return requested.map((req, i) => {
    const part = byNumber.get(req.partNumber);
    if (!part || unquote(req.etag.trim()) !== unquote(part.etag)) throw invalidPart();
    for (const [alg, value] of Object.entries(req.checksums) as [ChecksumAlgorithm, string][]) {
      if (part.checksums[alg] !== value) throw invalidPart();
    }
    if (i < requested.length - 1 && part.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', undefined, {
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(part.partNumber),
      });
    }
    return part;
  });
}

/**
 * The object's checksum: for FULL_OBJECT the CRC of all bytes (combined from the parts'
 * CRCs, no re-read), for COMPOSITE the checksum of the part checksums with a `-N` suffix.
 */
function objectChecksum(
  upload: UploadRecord,
  parts: PartRecord[],
): { algorithm: ChecksumAlgorithm; value: string; type: ObjectRecord['checksumType'] } {
  const algorithm = upload.checksumAlgorithm ?? 'crc32';
  const partValues = parts.map((p) => {
    const value = p.checksums[algorithm];
    if (value === undefined) throw invalidPart();
    return value;
  });
  const type =
    upload.checksumType ??
    (upload.checksumAlgorithm === undefined || algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE');
  if (type === 'COMPOSITE') return { algorithm, value: compositeChecksum(algorithm, partValues), type };
  if (!isCombinable(algorithm))
    throw invalidRequest(
      `The FULL_OBJECT checksum type is not supported for ${CHECKSUM_API_NAME[algorithm]}.`,
    );
  let value = partValues[0]!;
  for (let i = 1; i < parts.length; i++)
    value = combineChecksums(algorithm, value, partValues[i]!, parts[i]!.size);
  return { algorithm, value, type };
}

/**
 * A completion repeated after it succeeded (an SDK retrying a Complete whose answer was lost)
 * finds its upload gone. S3 answers such a repeat with 200 and the object's result again, as
 * long as the object is still the one the upload made. "CompleteMultipartUpload" (Amazon S3 API
 * Reference, https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html)
 * says a completion can fail after its 200 and that the SDKs handle (retry) such answers; the
 * answer to the repeat is not documented, so its conditions here are Zonal's choice
 * (docs/COMPATIBILITY.md): the repeat must list the same parts (number and ETag) the object was
 * made of; anything else stays NoSuchUpload.
 */
async function alreadyCompleted(
  ctx: RequestContext,
  services: ZonalServices,
  uploadId: string,
  alreadyRead: RequestedPart[] | undefined,
): Promise<ObjectRecord | undefined> {
  const bucket = ctx.target.bucket;
  const key = ctx.target.key;
  if (uploadId === '' || bucket === undefined || key === undefined) return undefined;
  const record = await services.store.getObject(bucket, key);
  if (record?.uploadId !== uploadId) return undefined;
  const requested = alreadyRead ?? (await requestedParts(ctx, services));
  const same =
    requested.length === record.segments.length &&
    requested.every(
      (part, i) =>
        part.partNumber === i + 1 &&
        record.segments[i]!.etag !== undefined &&
        unquote(part.etag.trim()) === unquote(record.segments[i]!.etag),
    );
  return same ? record : undefined;
}

/** CompleteMultipartUpload: the parts become the object's segments, no bytes are copied. */
export async function completeMultipartUpload(ctx: RequestContext, services: ZonalServices): Promise<void> {
  // The parts listed, once read: a completion that loses a race to its own repeat has read them.
  const read: { parts?: RequestedPart[] } = {};
  try {
    await completeOnce(ctx, services, read);
  } catch (err) {
    if (!(err instanceof S3Error) || err.code !== 'NoSuchUpload' || ctx.res.headersSent) throw err;
    const record = await alreadyCompleted(ctx, services, ctx.query.get('uploadId') ?? '', read.parts);
    if (!record) throw err;
    sendResult(ctx, record);
  }
}

async function requestedParts(ctx: RequestContext, services: ZonalServices): Promise<RequestedPart[]> {
  const body = await readSmallBody(ctx, MAX_COMPLETE_BODY_BYTES, services.bodyBudget);
  return parseRequestedParts(body.toString('utf8'));
}

async function completeOnce(
  ctx: RequestContext,
  services: ZonalServices,
  read: { parts?: RequestedPart[] },
): Promise<void> {
  const upload = await uploadOf(ctx, services);
  const condition = writeConditionFrom(ctx);
  const requested = await requestedParts(ctx, services);
  read.parts = requested;
  checkPartOrder(requested);
  const declaredSize = header(ctx, 'x-amz-mp-object-size');
  if (declaredSize !== undefined && !/^\d{1,16}$/.test(declaredSize)) {
    throw invalidRequest('Value for x-amz-mp-object-size header is invalid.');
  }
  if (ctx.req.headers['x-amz-write-offset-bytes'] !== undefined) throw notImplemented();

  const record = await services.store.completeUpload(
    upload.uploadId,
    (current, stored) => {
      const parts = usedParts(requested, stored);
      const size = parts.reduce((n, p) => n + p.size, 0);
      if (declaredSize !== undefined && Number(declaredSize) !== size) {
        throw invalidRequest(
          `The provided x-amz-mp-object-size (${declaredSize}) does not match the object size (${size}).`,
        );
      }
      const result = objectChecksum(current, parts);
      const clientChecksum = header(ctx, CHECKSUM_HEADER[result.algorithm]);
      if (clientChecksum !== undefined && clientChecksum !== result.value) {
        throw badDigest(
          `The ${CHECKSUM_API_NAME[result.algorithm]} you specified did not match the calculated checksum.`,
        );
      }
      return {
        parts,
        object: {
          etag: newEtag(),
          lastModified: services.clock.now(),
          content: current.content,
          metadata: current.metadata,
          checksums: { [result.algorithm]: result.value },
          checksumType: result.type,
          multipart: true,
          encryption: current.encryption,
          uploadId: current.uploadId,
        },
      };
    },
    condition,
  );
  sendResult(ctx, record);
}

/** The result document, from the completed object (the first completion and its repeats alike). */
function sendResult(ctx: RequestContext, record: ObjectRecord): void {
  for (const [name, value] of Object.entries(encryptionHeaders(record.encryption)))
    ctx.res.setHeader(name, value);
  ctx.res.setHeader('x-amz-expiration', 'NotImplemented');
  const checksums: Record<string, string> = {};
  for (const [alg, value] of Object.entries(record.checksums) as [ChecksumAlgorithm, string | undefined][]) {
    if (value !== undefined) checksums[`Checksum${CHECKSUM_API_NAME[alg]}`] = value;
  }
  sendXml(ctx, 200, {
    CompleteMultipartUploadResult: {
      '@_xmlns': S3_XMLNS,
      Location: `/${record.bucket}/${encodeURIComponent(record.key)}`,
      Bucket: record.bucket,
      Key: record.key,
      ETag: record.etag,
      ...checksums,
      ChecksumType: record.checksumType,
    },
  });
}
