/**
 * Checksums: check values of all five algorithms, cross-checks of CRC32C and CRC64NVME against
 * the AWS SDK's own JavaScript implementations (dev dependencies), the software fallbacks,
 * streaming with random chunking, CRC combination (random splits, zero-length pieces, 5 TiB
 * lengths), the composite multipart form, and value validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

import { crc32c as refCrc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme as RefCrc64Nvme } from '@aws-sdk/crc64-nvme';

import {
  algorithmFromApiName,
  algorithmFromHeaderName,
  CHECKSUM_API_NAME,
  CHECKSUM_HEADER,
  checksumForAlgorithm,
  ChecksumTransform,
  combineChecksumList,
  combineChecksums,
  compositeChecksum,
  computeChecksum,
  crc32cCombine,
  crc32Combine,
  crc64nvmeCombine,
  crcCombine,
  crcFromBase64,
  crcToBase64,
  isCombinable,
  isWellFormedChecksum,
  type ChecksumAlgorithm,
  type CrcAlgorithm,
} from '../../src/protocol/checksums.js';
import { crc32c, crc32cBackend, crc32cSoftware } from '../../src/protocol/crc32c.js';
import { crc64nvme, crc64nvmeBackend, crc64nvmeSoftware } from '../../src/protocol/crc64nvme.js';
import { S3Error } from '../../src/errors/s3-error.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const ALGORITHMS: ChecksumAlgorithm[] = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];
const CRCS: CrcAlgorithm[] = ['crc32', 'crc32c', 'crc64nvme'];

const hex = (alg: ChecksumAlgorithm, data: Uint8Array): string =>
  Buffer.from(computeChecksum(alg, data), 'base64').toString('hex');

/** The AWS SDK's pure-JS CRC64NVME, as an unsigned bigint. */
async function refCrc64(data: Uint8Array): Promise<bigint> {
  const c = new RefCrc64Nvme();
  c.update(data);
  return Buffer.from(await c.digest()).readBigUInt64BE(0);
}

/** An independent reference for each algorithm, as big-endian bytes. */
async function reference(alg: ChecksumAlgorithm, data: Uint8Array): Promise<Buffer> {
  const out = Buffer.alloc(alg === 'crc64nvme' ? 8 : 4);
  switch (alg) {
    case 'crc32':
      out.writeUInt32BE(zlib.crc32(data));
      return out;
    case 'crc32c':
      out.writeUInt32BE(refCrc32c(data));
      return out;
    case 'crc64nvme':
      out.writeBigUInt64BE(await refCrc64(data));
      return out;
    case 'sha1':
    case 'sha256':
      return createHash(alg).update(data).digest();
  }
}

/** Cut `data` into random pieces, some empty. */
function randomPieces(data: Buffer, maxPiece: number): Buffer[] {
  const pieces: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const size = randomInt(0, 8) === 0 ? 0 : randomInt(1, maxPiece + 1);
    pieces.push(data.subarray(offset, offset + size));
    offset += size;
  }
  if (randomInt(0, 2) === 0) pieces.push(Buffer.alloc(0));
  return pieces;
}

// ---------------------------------------------------------------------------------------------
// Known values

test('check values of "123456789"', () => {
  const check = Buffer.from('123456789');
  assert.equal(hex('crc32', check), 'cbf43926');
  assert.equal(hex('crc32c', check), 'e3069283');
  assert.equal(hex('crc64nvme', check), 'ae8b14860a799888');
  assert.equal(hex('sha1', check), 'f7c3bc1d808e04732adf679965ccc34ca7ae3441');
  assert.equal(hex('sha256', check), '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225');
});

test('empty input', () => {
  const empty = Buffer.alloc(0);
  assert.equal(computeChecksum('crc32', empty), 'AAAAAA==');
  assert.equal(computeChecksum('crc32c', empty), 'AAAAAA==');
  assert.equal(computeChecksum('crc64nvme', empty), 'AAAAAAAAAAA=');
  assert.equal(hex('sha1', empty), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(hex('sha256', empty), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('"hello world" agrees with the AWS SDK implementations', async () => {
  const data = Buffer.from('hello world');
  assert.equal(hex('crc32', data), '0d4a1185');
  assert.equal(hex('crc32c', data), 'c99465aa');
  assert.equal(hex('crc64nvme', data), '8d29d5c3f6ea8ebe');
  for (const alg of ALGORITHMS) {
    assert.equal(computeChecksum(alg, data), (await reference(alg, data)).toString('base64'), alg);
  }
});

test('the fast paths are in use: native CRC32C, WebAssembly CRC64NVME', () => {
  assert.equal(crc32cBackend(), 'native');
  assert.equal(crc64nvmeBackend(), 'wasm');
});

test('random inputs of awkward sizes agree with the references, fast and fallback paths', async () => {
  // Around the 8/16-byte unrolling, and past the 1 MiB WebAssembly staging buffer.
  const sizes = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 255, 4096 + 3, 65536 + 11, (1 << 20) - 1, (1 << 20) + 13];
  for (let i = 0; i < 10; i++) sizes.push(randomInt(0, 200_000));
  for (const size of sizes) {
    // An odd offset into a larger buffer, so word loads are unaligned.
    const data = randomBytes(size + 3).subarray(3);
    const c32c = refCrc32c(data);
    const c64 = await refCrc64(data);
    assert.equal(crc32c(data), c32c, `crc32c size ${size}`);
    assert.equal(crc32cSoftware(data), c32c, `crc32cSoftware size ${size}`);
    assert.equal(crc64nvme(data), c64, `crc64nvme size ${size}`);
    assert.equal(crc64nvmeSoftware(data), c64, `crc64nvmeSoftware size ${size}`);
    for (const alg of ALGORITHMS) {
      assert.equal(
        computeChecksum(alg, data),
        (await reference(alg, data)).toString('base64'),
        `${alg} ${size}`,
      );
    }
  }
});

test('continuing a CRC from a previous value equals one pass', () => {
  const data = randomBytes(50_000);
  for (let i = 0; i < 20; i++) {
    const cut = randomInt(0, data.length + 1);
    const [a, b] = [data.subarray(0, cut), data.subarray(cut)];
    assert.equal(crc32c(b, crc32c(a)), crc32c(data));
    assert.equal(crc32cSoftware(b, crc32cSoftware(a)), crc32c(data));
    assert.equal(crc64nvme(b, crc64nvme(a)), crc64nvme(data));
    assert.equal(crc64nvmeSoftware(b, crc64nvmeSoftware(a)), crc64nvme(data));
  }
});

// ---------------------------------------------------------------------------------------------
// Incremental and streaming

test('checksumForAlgorithm: incremental updates equal one-shot; lengths counted', () => {
  const data = randomBytes(100_000);
  for (const alg of ALGORITHMS) {
    const c = checksumForAlgorithm(alg);
    for (const piece of randomPieces(data, 9000)) c.update(piece);
    assert.equal(c.algorithm, alg);
    assert.equal(c.length, data.length);
    assert.equal(c.base64(), computeChecksum(alg, data), alg);
    assert.equal(c.base64(), c.digest().toString('base64'), `${alg}: digest twice`);
  }
});

test('CRC checksums expose their numeric value', () => {
  const data = randomBytes(1000);
  for (const alg of CRCS) {
    const c = checksumForAlgorithm(alg).update(data);
    assert.equal(c.value(), crcFromBase64(alg, c.base64()), alg);
    assert.equal(crcToBase64(alg, c.value()), c.base64(), alg);
  }
  assert.equal(
    checksumForAlgorithm('crc64nvme').update(Buffer.from('123456789')).value(),
    0xae8b14860a799888n,
  );
});

test('a SHA checksum cannot be updated after its digest', () => {
  const c = checksumForAlgorithm('sha256').update(Buffer.from('a'));
  c.digest();
  assert.throws(() => c.update(Buffer.from('b')));
});

test('ChecksumTransform: random chunking equals one-shot, bytes pass through unchanged', async () => {
  for (let round = 0; round < 5; round++) {
    const data = randomBytes(randomInt(0, 300_000));
    const hasher = new ChecksumTransform(ALGORITHMS);
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(randomPieces(data, 20_000).filter((p) => p.length > 0)),
      hasher,
      new Writable({
        write(chunk: Buffer, _enc, done) {
          out.push(chunk);
          done();
        },
      }),
    );
    assert.deepEqual(Buffer.concat(out), data);
    assert.equal(hasher.bytes, data.length);
    const sums = hasher.checksums();
    for (const alg of ALGORITHMS) assert.equal(sums[alg], computeChecksum(alg, data), alg);
    for (const alg of CRCS) assert.equal(hasher.crcValue(alg), crcFromBase64(alg, sums[alg]!), alg);
    assert.equal(hasher.crcValue('sha256'), undefined);
  }
});

test('ChecksumTransform computes only the algorithms asked for', async () => {
  const hasher = new ChecksumTransform(['crc64nvme']);
  await pipeline(
    Readable.from([Buffer.from('123456789')]),
    hasher,
    new Writable({ write: (_c, _e, d) => d() }),
  );
  assert.deepEqual(hasher.checksums(), { crc64nvme: 'rosUhgp5mIg=' });
  assert.equal(hasher.crcValue('crc64nvme'), 0xae8b14860a799888n);
  assert.equal(hasher.crcValue('crc32'), undefined);
});

// ---------------------------------------------------------------------------------------------
// Combination

test('combine: random splits (zero-length pieces included) equal direct computation', () => {
  for (const alg of CRCS) {
    for (let round = 0; round < 30; round++) {
      const data = randomBytes(randomInt(0, 20_000));
      const cut = randomInt(0, 4) === 0 ? (randomInt(0, 2) ? 0 : data.length) : randomInt(0, data.length + 1);
      const a = data.subarray(0, cut);
      const b = data.subarray(cut);
      const combined = combineChecksums(alg, computeChecksum(alg, a), computeChecksum(alg, b), b.length);
      assert.equal(combined, computeChecksum(alg, data), `${alg} cut ${cut}/${data.length}`);
    }
  }
});

test('combine: the per-algorithm shorthands and the numeric form', () => {
  const a = Buffer.from('hello ');
  const b = Buffer.from('world');
  const whole = Buffer.from('hello world');
  const cs = (alg: CrcAlgorithm, d: Buffer): string => computeChecksum(alg, d);
  assert.equal(crc32Combine(cs('crc32', a), cs('crc32', b), b.length), cs('crc32', whole));
  assert.equal(crc32cCombine(cs('crc32c', a), cs('crc32c', b), b.length), cs('crc32c', whole));
  assert.equal(
    crc64nvmeCombine(cs('crc64nvme', a), cs('crc64nvme', b), BigInt(b.length)),
    cs('crc64nvme', whole),
  );
  assert.equal(crcCombine('crc64nvme', crc64nvme(a), crc64nvme(b), b.length), crc64nvme(whole));
  assert.equal(crcCombine('crc32c', BigInt(crc32c(a)), BigInt(crc32c(b)), b.length), BigInt(crc32c(whole)));
});

test('combineChecksumList folds many pieces in order, like multipart FULL_OBJECT', () => {
  for (const alg of CRCS) {
    const data = randomBytes(150_000);
    const pieces = randomPieces(data, 10_000);
    const list = pieces.map((p) => ({ checksum: computeChecksum(alg, p), size: p.length }));
    assert.equal(combineChecksumList(alg, list), computeChecksum(alg, data), alg);
    assert.equal(combineChecksumList(alg, []), computeChecksum(alg, Buffer.alloc(0)));
  }
});

test('combine: appending zeros of a length computed directly', () => {
  const zeros = Buffer.alloc(3 * 1024 * 1024 + 5);
  const a = randomBytes(77);
  for (const alg of CRCS) {
    const direct = computeChecksum(alg, Buffer.concat([a, zeros]));
    assert.equal(
      combineChecksums(alg, computeChecksum(alg, a), computeChecksum(alg, zeros), zeros.length),
      direct,
    );
  }
});

test('combine: lengths up to 5 TiB compose consistently', () => {
  const TiB = 2 ** 40;
  for (const alg of CRCS) {
    const width = alg === 'crc64nvme' ? 64 : 32;
    const random = (): bigint => BigInt.asUintN(width, randomBytes(8).readBigUInt64BE(0));
    for (let round = 0; round < 20; round++) {
      const [a, b, c] = [random(), random(), random()];
      const lb = randomInt(0, 2 ** 47) % (5 * TiB);
      const lc = round === 0 ? 5 * TiB : randomInt(0, 2 ** 47) % (5 * TiB);
      // (A‖B)‖C = A‖(B‖C)
      const left = crcCombine(alg, crcCombine(alg, a, b, lb), c, lc);
      const right = crcCombine(alg, a, crcCombine(alg, b, c, lc), lb + lc);
      assert.equal(left, right, `${alg} ${lb} ${lc}`);
      // Shifting by lb then lc is shifting by lb + lc (bigint lengths too).
      assert.equal(
        crcCombine(alg, crcCombine(alg, a, 0n, lb), 0n, BigInt(lc)),
        crcCombine(alg, a, 0n, BigInt(lb) + BigInt(lc)),
      );
      // A zero-length B leaves A unchanged; an empty A gives B.
      assert.equal(crcCombine(alg, a, 0n, 0), a);
      assert.equal(crcCombine(alg, 0n, b, lb), b);
    }
  }
});

test('combine refuses SHA algorithms and bad lengths', () => {
  const sha = computeChecksum('sha256', Buffer.from('x'));
  assert.throws(() => combineChecksums('sha256', sha, sha, 1), RangeError);
  const crc = computeChecksum('crc32', Buffer.from('x'));
  assert.throws(() => crc32Combine(crc, crc, -1), RangeError);
  assert.throws(() => crcCombine('crc32', 0n, 0n, 1n << 64n), RangeError);
  assert.throws(() => crc32Combine(crc, computeChecksum('crc64nvme', Buffer.from('x')), 1), RangeError);
});

test('isCombinable: CRCs only', () => {
  for (const alg of CRCS) {
    assert.equal(isCombinable(alg), true);
    assert.equal(isCombinable(alg), true);
  }
  assert.equal(isCombinable('sha1'), false);
  assert.equal(isCombinable('sha256'), false);
});

// ---------------------------------------------------------------------------------------------
// Composite

test('compositeChecksum: digest of the concatenated part digests, then -<part count>', async () => {
  for (const alg of ALGORITHMS) {
    const parts = [randomBytes(1000), randomBytes(0), randomBytes(5000)];
    const partSums = parts.map((p) => computeChecksum(alg, p));
    const concatenated = Buffer.concat(partSums.map((s) => Buffer.from(s, 'base64')));
    const expected = `${(await reference(alg, concatenated)).toString('base64')}-3`;
    assert.equal(compositeChecksum(alg, partSums), expected, alg);
    assert.match(compositeChecksum(alg, [partSums[0]!]), /-1$/);
  }
});

test('compositeChecksum of CRC32 parts, worked by hand', () => {
  // Parts "hello " and "world": CRC32s 0xED81F9F6 and 0x3A771143; CRC32 of their 8 bytes.
  const parts = [
    computeChecksum('crc32', Buffer.from('hello ')),
    computeChecksum('crc32', Buffer.from('world')),
  ];
  assert.deepEqual(
    parts.map((p) => Buffer.from(p, 'base64').toString('hex')),
    ['ed81f9f6', '3a771143'],
  );
  const inner = Buffer.from('ed81f9f63a771143', 'hex');
  assert.equal(compositeChecksum('crc32', parts), `${computeChecksum('crc32', inner)}-2`);
});

test('compositeChecksum rejects malformed part values', () => {
  assert.throws(() => compositeChecksum('crc32', ['not base64!']), RangeError);
  assert.throws(() => compositeChecksum('sha256', [computeChecksum('sha1', Buffer.from('x'))]), RangeError);
});

// ---------------------------------------------------------------------------------------------
// Names and validation

test('isWellFormedChecksum for each algorithm', () => {
  for (const alg of ALGORITHMS) {
    const good = computeChecksum(alg, Buffer.from('abc'));
    assert.equal(isWellFormedChecksum(alg, good), true, alg);
    const bytes = Buffer.from(good, 'base64');
    assert.equal(
      isWellFormedChecksum(alg, Buffer.concat([bytes, Buffer.from([0])]).toString('base64')),
      false,
    );
    assert.equal(isWellFormedChecksum(alg, bytes.subarray(1).toString('base64')), false);
    assert.equal(isWellFormedChecksum(alg, ''), false);
    assert.equal(isWellFormedChecksum(alg, good.replace(/^./, '*')), false);
    assert.equal(isWellFormedChecksum(alg, `${good}-2`), false);
  }
  assert.equal(isWellFormedChecksum('crc32', 'AAAAAAAAAAA='), false);
  assert.equal(isWellFormedChecksum('crc64nvme', 'AAAAAAAAAAA='), true);
});

test('algorithm names: API names and header names map back to the algorithm', () => {
  for (const alg of ALGORITHMS) {
    assert.equal(algorithmFromHeaderName(CHECKSUM_HEADER[alg]), alg);
    assert.equal(algorithmFromApiName(CHECKSUM_API_NAME[alg]), alg);
  }
  assert.equal(algorithmFromApiName('CRC64NVME'), 'crc64nvme');
  assert.equal(algorithmFromApiName('crc32c'), 'crc32c');
  assert.equal(algorithmFromApiName('SHA256'), 'sha256');
  assert.equal(algorithmFromHeaderName('x-amz-checksum-md5'), undefined);
  assert.throws(
    () => algorithmFromApiName('MD5'),
    (err: unknown) => err instanceof S3Error && err.code === 'InvalidRequest' && err.status === 400,
  );
});
