import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { notImplemented, S3Error } from '../server/s3-error.js';
import type { ObjectChecksums } from '../storage/types.js';

export type ChecksumAlgorithm = keyof ObjectChecksums;

/** The `x-amz-checksum-*` header (and trailer) name of each algorithm. */
export const CHECKSUM_HEADER: Record<ChecksumAlgorithm, string> = {
  crc32: 'x-amz-checksum-crc32',
  crc32c: 'x-amz-checksum-crc32c',
  crc64nvme: 'x-amz-checksum-crc64nvme',
  sha1: 'x-amz-checksum-sha1',
  sha256: 'x-amz-checksum-sha256',
};

/** Digest sizes in bytes, to reject malformed checksum values up front. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = {
  crc32: 4,
  crc32c: 4,
  crc64nvme: 8,
  sha1: 20,
  sha256: 32,
};

/** What the S3 API calls each algorithm (`x-amz-sdk-checksum-algorithm`, XML). */
export const CHECKSUM_API_NAME: Record<ChecksumAlgorithm, string> = {
  crc32: 'CRC32',
  crc32c: 'CRC32C',
  crc64nvme: 'CRC64NVME',
  sha1: 'SHA1',
  sha256: 'SHA256',
};

/** Algorithms Zonal computes today; the others are refused with 501 until implemented. */
const COMPUTABLE = new Set<ChecksumAlgorithm>(['crc32', 'sha1', 'sha256']);

export function algorithmFromApiName(name: string): ChecksumAlgorithm {
  const found = (Object.keys(CHECKSUM_API_NAME) as ChecksumAlgorithm[]).find(
    (alg) => CHECKSUM_API_NAME[alg] === name.toUpperCase(),
  );
  if (!found) throw new S3Error('InvalidRequest', `Checksum algorithm ${name} is not supported.`, 400);
  return requireComputable(found);
}

export function algorithmFromHeaderName(name: string): ChecksumAlgorithm | undefined {
  return (Object.keys(CHECKSUM_HEADER) as ChecksumAlgorithm[]).find((alg) => CHECKSUM_HEADER[alg] === name);
}

export function requireComputable(alg: ChecksumAlgorithm): ChecksumAlgorithm {
  if (!COMPUTABLE.has(alg))
    throw notImplemented(`The ${CHECKSUM_API_NAME[alg]} checksum algorithm is not implemented yet.`);
  return alg;
}

/** A base64 checksum value must decode to exactly the digest size of its algorithm. */
export function isWellFormedChecksum(alg: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === DIGEST_BYTES[alg];
}

interface Digest {
  update(data: Buffer): void;
  base64(): string;
}

function crc32Digest(): Digest {
  let value = 0;
  return {
    update: (data) => (value = zlib.crc32(data, value)),
    base64: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(value >>> 0);
      return out.toString('base64');
    },
  };
}

function cryptoDigest(name: 'sha1' | 'sha256'): Digest {
  const hash = crypto.createHash(name);
  return { update: (data) => hash.update(data), base64: () => hash.digest('base64') };
}

function newDigest(alg: ChecksumAlgorithm): Digest {
  if (alg === 'crc32') return crc32Digest();
  if (alg === 'sha1' || alg === 'sha256') return cryptoDigest(alg);
  throw notImplemented(`The ${CHECKSUM_API_NAME[alg]} checksum algorithm is not implemented yet.`);
}

/** Passes bytes through while computing the checksums of the given algorithms. */
export class ChecksumTransform extends Transform {
  private readonly digests = new Map<ChecksumAlgorithm, Digest>();
  private result: ObjectChecksums | undefined;

  constructor(algorithms: Iterable<ChecksumAlgorithm>) {
    super();
    for (const alg of algorithms) this.digests.set(alg, newDigest(alg));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    for (const digest of this.digests.values()) digest.update(chunk);
    done(null, chunk);
  }

  /** The final checksums; call once the stream has finished. */
  checksums(): ObjectChecksums {
    if (!this.result) {
      this.result = {};
      for (const [alg, digest] of this.digests) this.result[alg] = digest.base64();
    }
    return this.result;
  }
}
