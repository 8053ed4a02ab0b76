import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { S3Error } from '../errors/s3-error.js';
import { crcToBase64, isCrcAlgorithm, type CrcAlgorithm } from './crc-combine.js';
import { crc32c } from './crc32c.js';
import { crc64nvme } from './crc64nvme.js';

/** Checksums of the whole object, base64 of the big-endian digest, keyed by algorithm. */
export interface ObjectChecksums {
  crc32?: string;
  crc32c?: string;
  crc64nvme?: string;
  sha1?: string;
  sha256?: string;
}

/** How an object's checksum relates to its bytes (S3's ChecksumType). */
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export {
  combineChecksumList,
  combineChecksums,
  crc32cCombine,
  crc32Combine,
  crc64nvmeCombine,
  crcCombine,
  crcFromBase64,
  crcToBase64,
  isCrcAlgorithm,
  type CrcAlgorithm,
} from './crc-combine.js';

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

const ALGORITHMS = Object.keys(CHECKSUM_HEADER) as ChecksumAlgorithm[];

export function algorithmFromApiName(name: string): ChecksumAlgorithm {
  const found = ALGORITHMS.find((alg) => CHECKSUM_API_NAME[alg] === name.toUpperCase());
  if (!found) throw new S3Error('InvalidRequest', `Checksum algorithm ${name} is not supported.`);
  return found;
}

export function algorithmFromHeaderName(name: string): ChecksumAlgorithm | undefined {
  return ALGORITHMS.find((alg) => CHECKSUM_HEADER[alg] === name);
}

/** A base64 checksum value must decode to exactly the digest size of its algorithm. */
export function isWellFormedChecksum(alg: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === DIGEST_BYTES[alg];
}

/**
 * Whether checksums of this algorithm can be combined from pieces (appends, multipart
 * FULL_OBJECT): only the CRCs; SHA-1 and SHA-256 are COMPOSITE only, per AWS.
 */
export function isCombinable(alg: ChecksumAlgorithm): alg is CrcAlgorithm {
  return isCrcAlgorithm(alg);
}

// ---------------------------------------------------------------------------------------------
// Incremental checksums

/** An incremental checksum of one algorithm. */
export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Bytes fed so far. */
  readonly length: number;
  update(data: Uint8Array): this;
  /** The big-endian digest. For SHA, the first call finalises: no update after it. */
  digest(): Buffer;
  /** The digest in base64, as in `x-amz-checksum-*` headers. */
  base64(): string;
}

/** A CRC also exposes its value as a number (what `crcCombine` takes). */
export interface CrcChecksum extends Checksum {
  readonly algorithm: CrcAlgorithm;
  /** The CRC of the bytes so far, as an unsigned integer (big-endian digest = this value). */
  value(): bigint;
}

/** One CRC, from a `(data, previous) => crc` function like zlib's. */
abstract class CrcBase<V extends number | bigint> implements CrcChecksum {
  length = 0;
  protected crc: V;

  constructor(
    readonly algorithm: CrcAlgorithm,
    initial: V,
  ) {
    this.crc = initial;
  }

  protected abstract step(data: Uint8Array, previous: V): V;

  update(data: Uint8Array): this {
    this.crc = this.step(data, this.crc);
    this.length += data.length;
    return this;
  }

  value(): bigint {
    return BigInt(this.crc);
  }

  digest(): Buffer {
    return Buffer.from(this.base64(), 'base64');
  }

  base64(): string {
    return crcToBase64(this.algorithm, this.value());
  }
}

class Crc32Checksum extends CrcBase<number> {
  constructor() {
    super('crc32', 0);
  }
  protected step(data: Uint8Array, previous: number): number {
    return zlib.crc32(data, previous);
  }
}

class Crc32cChecksum extends CrcBase<number> {
  constructor() {
    super('crc32c', 0);
  }
  protected step(data: Uint8Array, previous: number): number {
    return crc32c(data, previous);
  }
}

class Crc64NvmeChecksum extends CrcBase<bigint> {
  constructor() {
    super('crc64nvme', 0n);
  }
  protected step(data: Uint8Array, previous: bigint): bigint {
    return crc64nvme(data, previous);
  }
}

class HashChecksum implements Checksum {
  length = 0;
  private readonly hash: crypto.Hash;
  private result: Buffer | undefined;

  constructor(readonly algorithm: 'sha1' | 'sha256') {
    this.hash = crypto.createHash(algorithm);
  }

  update(data: Uint8Array): this {
    if (this.result) throw new Error(`${this.algorithm} checksum already finalised`);
    this.hash.update(data);
    this.length += data.length;
    return this;
  }

  digest(): Buffer {
    this.result ??= this.hash.digest();
    return Buffer.from(this.result);
  }

  base64(): string {
    return this.digest().toString('base64');
  }
}

/** A fresh incremental checksum: `checksumForAlgorithm('crc32c').update(buf).base64()`. */
export function checksumForAlgorithm(alg: CrcAlgorithm): CrcChecksum;
export function checksumForAlgorithm(alg: ChecksumAlgorithm): Checksum;
export function checksumForAlgorithm(alg: ChecksumAlgorithm): Checksum {
  switch (alg) {
    case 'crc32':
      return new Crc32Checksum();
    case 'crc32c':
      return new Crc32cChecksum();
    case 'crc64nvme':
      return new Crc64NvmeChecksum();
    case 'sha1':
    case 'sha256':
      return new HashChecksum(alg);
  }
}

/** The base64 checksum of some bytes, in one call. */
export function computeChecksum(alg: ChecksumAlgorithm, data: Uint8Array): string {
  return checksumForAlgorithm(alg).update(data).base64();
}

/**
 * The COMPOSITE checksum of a multipart object: the algorithm's digest of the concatenated
 * binary part digests, base64, then `-` and the part count — the way S3 forms a multipart ETag
 * from part MD5s. Amazon S3 User Guide, "Checking object integrity", section "Using part-level
 * checksums for multipart uploads": "The checksum for the completed object is calculated in the
 * same way that Amazon S3 calculates the MD5 digest for the multipart upload" (concatenate the
 * part digests' bytes, digest that, add a dash with the number of parts).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#large-object-checksums
 * The `-n` suffix is how the value appears in `x-amz-checksum-*` response headers; strip it with
 * `value.split('-')[0]` where only the digest is wanted.
 */
export function compositeChecksum(alg: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const outer = checksumForAlgorithm(alg);
  for (const part of partChecksums) {
    if (!isWellFormedChecksum(alg, part)) {
      throw new RangeError(`Not a ${CHECKSUM_API_NAME[alg]} checksum value: ${part}`);
    }
    outer.update(Buffer.from(part, 'base64'));
  }
  return `${outer.base64()}-${partChecksums.length}`;
}

// ---------------------------------------------------------------------------------------------
// Stream

/** Passes bytes through while computing the checksums of the given algorithms. */
export class ChecksumTransform extends Transform {
  private readonly digests = new Map<ChecksumAlgorithm, Checksum>();
  private result: ObjectChecksums | undefined;
  /** Bytes passed through so far. */
  bytes = 0;

  constructor(algorithms: Iterable<ChecksumAlgorithm>) {
    super();
    for (const alg of algorithms) this.digests.set(alg, checksumForAlgorithm(alg));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    for (const digest of this.digests.values()) digest.update(chunk);
    this.bytes += chunk.length;
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

  /**
   * The CRC of the bytes so far as an unsigned integer, for `crcCombine`; undefined when `alg`
   * is not a CRC or was not asked for.
   */
  crcValue(alg: ChecksumAlgorithm): bigint | undefined {
    const digest = this.digests.get(alg);
    return digest && isCrcAlgorithm(alg) ? (digest as CrcChecksum).value() : undefined;
  }
}
