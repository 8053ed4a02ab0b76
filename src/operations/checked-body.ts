import {
  algorithmFromApiName,
  algorithmFromHeaderName,
  CHECKSUM_API_NAME,
  CHECKSUM_HEADER,
  ChecksumTransform,
  isWellFormedChecksum,
  type ChecksumAlgorithm,
} from '../protocol/checksums.js';
import type { Readable } from 'node:stream';
import { chain } from '../util/chain.js';
import { MAX_PAYLOAD_BYTES } from '../protocol/limits.js';
import { ByteLimit, requestPayload, type Payload } from '../http/request-body.js';
import { header, type RequestContext } from '../http/request-context.js';
import { badDigest, invalidRequest, S3Error } from '../errors/s3-error.js';

/** The checksum a client sent (or will send in a trailer) for a request payload. */
export interface ExpectedChecksum {
  /** Explicitly chosen by the client (header, trailer or x-amz-sdk-checksum-algorithm). */
  algorithm?: ChecksumAlgorithm;
  /** The value, when it came in a header. */
  value?: string;
  /** True when the value arrives in an aws-chunked trailer. */
  fromTrailer: boolean;
}

/**
 * Reads which checksum the client sent for the payload: an `x-amz-checksum-*` header, a
 * declared `x-amz-trailer`, or `x-amz-sdk-checksum-algorithm`. At most one algorithm.
 */
export function expectedChecksum(ctx: RequestContext): ExpectedChecksum {
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
  const algorithm = headerAlg ?? trailerAlg ?? declared;
  if (declared && declared !== algorithm) {
    throw invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }
  if (headerAlg) {
    const value = header(ctx, CHECKSUM_HEADER[headerAlg])!;
    if (!isWellFormedChecksum(headerAlg, value)) {
      throw invalidRequest(`Value for ${CHECKSUM_HEADER[headerAlg]} header is invalid.`);
    }
    return { algorithm, value, fromTrailer: false };
  }
  return { algorithm, fromTrailer: trailerAlg !== undefined };
}

/** Checks the client's checksum (header, or trailer once the payload ended) against ours. */
export function verifyChecksum(
  expected: ExpectedChecksum,
  algorithm: ChecksumAlgorithm,
  computed: string,
  payload: Payload,
): void {
  if (expected.algorithm === undefined) return;
  const name = CHECKSUM_HEADER[algorithm];
  const value = expected.fromTrailer ? payload.trailers().get(name) : expected.value;
  if (value === undefined) return;
  if (!isWellFormedChecksum(algorithm, value))
    throw invalidRequest(`Value for ${name} trailing header is invalid.`);
  if (value !== computed) {
    throw badDigest(
      `The ${CHECKSUM_API_NAME[algorithm]} you specified did not match the calculated checksum.`,
    );
  }
}

/** A write's body as the store should consume it, checksummed on the way. */
export interface CheckedBody {
  stream: Readable;
  /**
   * Base64 checksum of the bytes with the chosen algorithm, once the stream has ended; checks
   * the client's value (a header, or a trailer that has arrived by then) and throws BadDigest
   * on a mismatch.
   */
  checksum(): string;
}

/**
 * 400 EntityTooLarge: "Your proposed upload exceeds the maximum allowed object size" (AWS S3
 * API Reference, "Error responses"); one PUT or UploadPart carries at most 5 GiB (Amazon S3
 * User Guide, "Uploading objects").
 */
function entityTooLarge(limit: number, proposed: number | undefined): S3Error {
  return new S3Error('EntityTooLarge', undefined, {
    ...(proposed === undefined ? {} : { ProposedSize: String(proposed) }),
    MaxSizeAllowed: String(limit),
  });
}

/**
 * The request payload as a write's body: computes `algorithm` while the store reads it, and
 * checks the client's checksum when `checksum()` is called (from the write's `build`, after
 * the body has been stored and before it becomes visible). More than `limit` bytes
 * (MAX_PAYLOAD_BYTES; smaller only in tests) fail the body with EntityTooLarge, whether the
 * client declared its length or not, so the write stores nothing.
 */
export function checkedBody(
  ctx: RequestContext,
  algorithm: ChecksumAlgorithm,
  expected: ExpectedChecksum,
  limit: number = MAX_PAYLOAD_BYTES,
): CheckedBody {
  if (expected.algorithm !== undefined && expected.algorithm !== algorithm) {
    throw invalidRequest(
      `Checksum Type mismatch occurred, expected checksum Type: ${algorithm}, actual checksum Type: ${expected.algorithm}`,
    );
  }
  const payload = requestPayload(ctx);
  if (payload.declaredLength !== undefined && payload.declaredLength > limit) {
    throw entityTooLarge(limit, payload.declaredLength);
  }
  const bounded = new ByteLimit(limit, () => entityTooLarge(limit, undefined));
  const hasher = new ChecksumTransform([algorithm]);
  // chain() carries a payload failure (bad signature, digest, abort, too many bytes) into the
  // hasher, so the store sees it and the S3 error is what the write rejects with.
  chain(payload.stream, bounded, hasher);
  return {
    stream: hasher,
    checksum: () => {
      const checksum = hasher.checksums()[algorithm]!;
      verifyChecksum(expected, algorithm, checksum, payload);
      return checksum;
    },
  };
}
