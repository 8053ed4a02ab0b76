/**
 * CRC combination: from crc(A), crc(B) and len(B) alone, crc(A‖B) — what an append needs for
 * the object's new full CRC, and a multipart FULL_OBJECT checksum for the whole object out of
 * its parts' CRCs, without reading any bytes again.
 *
 * Method (zlib's crc32_combine since 1.2.12): for a reflected CRC whose initial value equals
 * its final XOR (all three here use all ones),
 *   crc(A‖B) = crc(A) · x^(8·len(B)) mod P  ⊕  crc(B)
 * in GF(2)[x]. x^(8·n) mod P is the product of precomputed x^(2^k) mod P over the set bits k of
 * 8·n, so a combine costs one multiplication per set bit of the length: microseconds, whatever
 * the size (up to 2^64 − 1 bytes; S3 objects stop at 5 TiB). Measured worst case (lengths near
 * 5 TiB with ~41 bits set): ~10 µs for the 32-bit CRCs, ~22 µs for CRC64NVME, so 10,000 parts
 * combine in about 0.1-0.2 s; part sizes that are round numbers of MiB take a fraction of that.
 *
 * Polynomials are held reflected, as in the CRC registers: the coefficient of x^i is bit
 * (width − 1 − i). 64-bit values are two unsigned 32-bit halves, so no BigInt arithmetic runs in
 * the loops; BigInt appears only at the interface.
 */
/**
 * Functions below take any checksum algorithm, so callers need not narrow first, and throw a
 * RangeError for SHA-1/SHA-256, which cannot be combined.
 */
type Algorithm = 'crc32' | 'crc32c' | 'crc64nvme' | 'sha1' | 'sha256';

/** The checksum algorithms that are CRCs, and so can be combined. */
export type CrcAlgorithm = Extract<Algorithm, 'crc32' | 'crc32c' | 'crc64nvme'>;

interface CrcModel {
  width: 32 | 64;
  /** Reversed polynomial, high and low halves (high is 0 for 32-bit CRCs). */
  polyHi: number;
  polyLo: number;
  /** x^(2^k) mod P for k = 0…66, computed on first use. */
  powers?: Pair[];
}

/** [high 32 bits, low 32 bits]; 32-bit CRCs live in the low half. */
type Pair = [number, number];

const MODELS: Record<CrcAlgorithm, CrcModel> = {
  crc32: { width: 32, polyHi: 0, polyLo: 0xedb88320 },
  crc32c: { width: 32, polyHi: 0, polyLo: 0x82f63b78 },
  crc64nvme: { width: 64, polyHi: 0x9a6c9329, polyLo: 0xac4bc9b5 },
};

export function isCrcAlgorithm(alg: string): alg is CrcAlgorithm {
  return Object.hasOwn(MODELS, alg);
}

/** Callers may pass any checksum algorithm; only CRCs can be combined. */
function modelOf(alg: Algorithm): CrcModel {
  if (!isCrcAlgorithm(alg)) throw new RangeError(`${alg} checksums cannot be combined; only CRCs can`);
  return MODELS[alg];
}

/** a·b mod P: walk a's coefficients from x^0 (the top bit) down, multiplying b by x each step. */
function multModP(model: CrcModel, a: Pair, b: Pair): Pair {
  return model.width === 64 ? mult64(model, a, b) : [0, mult32(model.polyLo, a[1], b[1])];
}

function mult32(poly: number, a: number, b: number): number {
  let p = 0;
  while (a !== 0) {
    if (a & 0x80000000) p ^= b;
    a <<= 1;
    b = b & 1 ? (b >>> 1) ^ poly : b >>> 1;
  }
  return p >>> 0;
}

function mult64({ polyHi, polyLo }: CrcModel, [aHi, aLo]: Pair, [bHi, bLo]: Pair): Pair {
  let pHi = 0;
  let pLo = 0;
  while ((aHi | aLo) !== 0) {
    if (aHi & 0x80000000) {
      pHi ^= bHi;
      pLo ^= bLo;
    }
    aHi = (aHi << 1) | (aLo >>> 31);
    aLo <<= 1;
    const carry = bLo & 1;
    bLo = (bLo >>> 1) | (bHi << 31);
    bHi >>>= 1;
    if (carry) {
      bHi ^= polyHi;
      bLo ^= polyLo;
    }
  }
  return [pHi >>> 0, pLo >>> 0];
}

/** The polynomial 1 (x^0) in reflected form. */
const one = (model: CrcModel): Pair => (model.width === 64 ? [0x80000000, 0] : [0, 0x80000000]);

function powers(model: CrcModel): Pair[] {
  if (model.powers) return model.powers;
  // x^1 is the bit just below x^0.
  const list: Pair[] = [model.width === 64 ? [0x40000000, 0] : [0, 0x40000000]];
  // Lengths below 2^64 bytes are below 2^67 bits: 67 squarings suffice.
  for (let k = 1; k < 67; k++) list.push(multModP(model, list[k - 1]!, list[k - 1]!));
  model.powers = list;
  return list;
}

/** x^(8·length) mod P. */
function shiftOperator(model: CrcModel, length: number | bigint): Pair {
  const n = BigInt(length);
  if (n < 0n || n >= 1n << 64n) throw new RangeError(`CRC combine length out of range: ${length}`);
  const table = powers(model);
  let result = one(model);
  // The length's bits, 32 at a time (BigInt only to split it).
  const words = [Number(n & 0xffffffffn), Number(n >> 32n)];
  for (let w = 0; w < 2; w++) {
    for (let bit = 0, word = words[w]!; word !== 0; bit++, word >>>= 1) {
      if (word & 1) result = multModP(model, table[3 + 32 * w + bit]!, result);
    }
  }
  return result;
}

const toPair = (value: bigint): Pair => [Number((value >> 32n) & 0xffffffffn), Number(value & 0xffffffffn)];
const fromPair = ([hi, lo]: Pair): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/**
 * crc(A‖B) from crc(A), crc(B) and the length of B in bytes; values are the checksums as
 * unsigned integers (as S3 shows them, big-endian, in base64).
 */
export function crcCombine(alg: Algorithm, crcA: bigint, crcB: bigint, lengthB: number | bigint): bigint {
  const model = modelOf(alg);
  const [hi, lo] = multModP(model, shiftOperator(model, lengthB), toPair(crcA));
  const [bHi, bLo] = toPair(crcB);
  return fromPair([(hi ^ bHi) >>> 0, (lo ^ bLo) >>> 0]);
}

/** The CRC in a base64 checksum value (big-endian bytes, as in `x-amz-checksum-*`). */
export function crcFromBase64(alg: Algorithm, value: string): bigint {
  const bytes = Buffer.from(value, 'base64');
  const size = modelOf(alg).width / 8;
  if (bytes.length !== size) throw new RangeError(`Not a ${size}-byte checksum: ${value}`);
  return size === 8 ? bytes.readBigUInt64BE(0) : BigInt(bytes.readUInt32BE(0));
}

/** The base64 checksum value of a CRC. */
export function crcToBase64(alg: Algorithm, crc: bigint): string {
  const size = modelOf(alg).width / 8;
  const out = Buffer.alloc(size);
  if (size === 8) out.writeBigUInt64BE(BigInt.asUintN(64, crc));
  else out.writeUInt32BE(Number(BigInt.asUintN(32, crc)));
  return out.toString('base64');
}

/** checksum(A‖B) from base64 checksum(A), checksum(B) and the length of B. */
export function combineChecksums(
  alg: Algorithm,
  checksumA: string,
  checksumB: string,
  lengthB: number | bigint,
): string {
  return crcToBase64(
    alg,
    crcCombine(alg, crcFromBase64(alg, checksumA), crcFromBase64(alg, checksumB), lengthB),
  );
}

export const crc32Combine = (a: string, b: string, lengthB: number | bigint): string =>
  combineChecksums('crc32', a, b, lengthB);
export const crc32cCombine = (a: string, b: string, lengthB: number | bigint): string =>
  combineChecksums('crc32c', a, b, lengthB);
export const crc64nvmeCombine = (a: string, b: string, lengthB: number | bigint): string =>
  combineChecksums('crc64nvme', a, b, lengthB);

/**
 * The CRC of the concatenation of pieces, from each piece's base64 checksum and size, in order
 * (e.g. a multipart FULL_OBJECT checksum from the parts). No pieces: the CRC of nothing.
 */
export function combineChecksumList(
  alg: Algorithm,
  pieces: readonly { checksum: string; size: number | bigint }[],
): string {
  let crc = 0n;
  for (const piece of pieces) crc = crcCombine(alg, crc, crcFromBase64(alg, piece.checksum), piece.size);
  return crcToBase64(alg, crc);
}
