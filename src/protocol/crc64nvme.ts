/**
 * CRC-64/NVME (the `CRC64NVME` checksum of S3): reflected, polynomial 0xAD93D23594C93659
 * (reversed 0x9A6C9329AC4BC9B5), initial value and final XOR all ones; check value of
 * "123456789" is 0xAE8B14860A799888.
 *
 * No maintained npm package computes it natively without heavy baggage (`@aws-sdk/crc64-nvme-crt`
 * pulls in the whole AWS CRT with an install script), so the hot loop is a slice-by-16 table
 * kernel in WebAssembly, whose 64-bit integers avoid the two-halves dance JavaScript needs. The
 * module's bytes are emitted below from readable instructions rather than shipped as a blob.
 * Where WebAssembly is unavailable (`node --jitless`) a slice-by-8 JavaScript loop on 32-bit
 * halves takes over.
 *
 * Measured on 64 MiB of random bytes, Node 20.20, x86_64 (2 cores), best of 3 (one call, and
 * in 64 KiB chunks as a stream feeds it):
 *   WebAssembly slice-by-16 (this kernel)             ~1,400-1,800 MiB/s
 *   JavaScript slice-by-8, 32-bit halves (fallback)     ~450-500 MiB/s
 *   @aws-sdk/crc64-nvme (pure JS, for reference)        ~350-480 MiB/s
 */

/** The reversed polynomial, as two 32-bit halves. */
const POLY_HI = 0x9a6c9329;
const POLY_LO = 0xac4bc9b5;
const MASK64 = (1n << 64n) - 1n;

/** Slices of the table: entry i of slice k is the CRC register after byte i and k zero bytes. */
const SLICES = 16;

interface Tables {
  hi: Uint32Array[];
  lo: Uint32Array[];
}

let tables: Tables | undefined;

function crcTables(): Tables {
  if (tables) return tables;
  const hi: Uint32Array[] = [];
  const lo: Uint32Array[] = [];
  const h0 = new Uint32Array(256);
  const l0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let h = 0;
    let l = i;
    for (let bit = 0; bit < 8; bit++) {
      const m = -(l & 1);
      l = ((l >>> 1) | (h << 31)) ^ (POLY_LO & m);
      h = (h >>> 1) ^ (POLY_HI & m);
    }
    h0[i] = h;
    l0[i] = l;
  }
  hi.push(h0);
  lo.push(l0);
  for (let k = 1; k < SLICES; k++) {
    const hp = hi[k - 1]!;
    const lp = lo[k - 1]!;
    const hk = new Uint32Array(256);
    const lk = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const h = hp[i]!;
      const l = lp[i]!;
      const idx = l & 0xff;
      lk[i] = ((l >>> 8) | (h << 24)) ^ l0[idx]!;
      hk[i] = (h >>> 8) ^ h0[idx]!;
    }
    hi.push(hk);
    lo.push(lk);
  }
  tables = { hi, lo };
  return tables;
}

// ---------------------------------------------------------------------------------------------
// WebAssembly kernel

/** Memory layout: the 16 tables (16 × 256 × 8 bytes), then the staging buffer for input. */
const TABLE_BYTES = SLICES * 256 * 8;
const STAGE_OFFSET = TABLE_BYTES;
const STAGE_BYTES = 1 << 20;
const PAGES = Math.ceil((TABLE_BYTES + STAGE_BYTES) / 65536);

/** The opcodes the kernel uses (WebAssembly core specification, binary format §5.4). */
const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i64Load: 0x29,
  i32Load8u: 0x2d,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  void: 0x40,
  i32: 0x7f,
  i64: 0x7e,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a non-negative 32-bit constant. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if (n === 0 && (byte & 0x40) === 0) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'ascii')];

// Locals: params crc (i64), p (i32), len (i32); then x, y (i64).
const CRC = 0;
const P = 1;
const LEN = 2;
const X = 3;
const Y = 4;

/** `i64.load` of slice `slice`, entry = byte `byte` (0 = least significant) of local `local`. */
function tableEntry(local: number, byte: number, slice: number): number[] {
  const code = [OP.localGet, local];
  if (byte > 0) code.push(OP.i64Const, ...sleb(8 * byte), OP.i64ShrU);
  code.push(OP.i32WrapI64);
  if (byte < 7) code.push(OP.i32Const, ...sleb(0xff), OP.i32And);
  code.push(OP.i32Const, 3, OP.i32Shl);
  code.push(OP.i64Load, 3, ...uleb(slice * 256 * 8));
  return code;
}

/**
 * `update(crc, p, len) -> crc`: the raw (un-inverted) register after the `len` bytes at `p`.
 * 16 bytes a round: x = crc ^ bytes[0..8], y = bytes[8..16]; crc = XOR of 16 table entries;
 * then one byte a round for the tail.
 */
function kernelBody(): number[] {
  const terms: number[][] = [];
  for (let byte = 0; byte < 8; byte++) terms.push(tableEntry(X, byte, 15 - byte));
  for (let byte = 0; byte < 8; byte++) terms.push(tableEntry(Y, byte, 7 - byte));
  const sum = terms.flatMap((term, i) => (i === 0 ? term : [...term, OP.i64Xor]));
  const advance = (n: number): number[] => [
    ...[OP.localGet, P, OP.i32Const, ...sleb(n), OP.i32Add, OP.localSet, P],
    ...[OP.localGet, LEN, OP.i32Const, ...sleb(n), OP.i32Sub, OP.localSet, LEN],
  ];
  const code = [
    // while (len >= 16)
    ...[OP.block, OP.void, OP.loop, OP.void],
    ...[OP.localGet, LEN, OP.i32Const, 16, OP.i32LtU, OP.brIf, 1],
    ...[OP.localGet, CRC, OP.localGet, P, OP.i64Load, 3, 0, OP.i64Xor, OP.localSet, X],
    ...[OP.localGet, P, OP.i64Load, 3, 8, OP.localSet, Y],
    ...sum,
    ...[OP.localSet, CRC],
    ...advance(16),
    ...[OP.br, 0, OP.end, OP.end],
    // while (len > 0): crc = (crc >> 8) ^ T0[(crc ^ *p) & 0xff]
    ...[OP.block, OP.void, OP.loop, OP.void],
    ...[OP.localGet, LEN, OP.i32Eqz, OP.brIf, 1],
    ...[OP.localGet, CRC, OP.i64Const, 8, OP.i64ShrU],
    ...[OP.localGet, CRC, OP.i32WrapI64, OP.localGet, P, OP.i32Load8u, 0, 0, OP.i32Xor],
    ...[OP.i32Const, ...sleb(0xff), OP.i32And, OP.i32Const, 3, OP.i32Shl, OP.i64Load, 3, 0],
    ...[OP.i64Xor, OP.localSet, CRC],
    ...advance(1),
    ...[OP.br, 0, OP.end, OP.end],
    ...[OP.localGet, CRC, OP.end],
  ];
  const locals = vec([[2, OP.i64]]);
  return [...locals, ...code];
}

function kernelModule(): Uint8Array {
  const body = kernelBody();
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[OP.i64], [OP.i32], [OP.i32]]), ...vec([[OP.i64]])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(PAGES)]])),
    ...section(
      7,
      vec([
        [...name('memory'), 0x02, 0],
        [...name('update'), 0x00, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

interface Kernel {
  update(crc: bigint, p: number, len: number): bigint;
  stage: Uint8Array;
}

let kernel: Kernel | null | undefined;

function wasmKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(kernelModule()));
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    const { hi, lo } = crcTables();
    // Little-endian 64-bit entries, as i64.load reads them.
    const view = new DataView(memory.buffer);
    for (let k = 0; k < SLICES; k++) {
      for (let i = 0; i < 256; i++) {
        view.setUint32((k * 256 + i) * 8, lo[k]![i]!, true);
        view.setUint32((k * 256 + i) * 8 + 4, hi[k]![i]!, true);
      }
    }
    kernel = {
      update: instance.exports.update as Kernel['update'],
      stage: new Uint8Array(memory.buffer, STAGE_OFFSET, STAGE_BYTES),
    };
  } catch {
    kernel = null;
  }
  return kernel;
}

// ---------------------------------------------------------------------------------------------
// Public functions

/**
 * The CRC64NVME of `data`, continuing from `previous` (the CRC of the bytes before it, 0n for
 * none), like zlib's `crc32(data, value)`. Returns the unsigned 64-bit value.
 */
export function crc64nvme(data: Uint8Array, previous = 0n): bigint {
  const k = wasmKernel();
  if (!k) return crc64nvmeSoftware(data, previous);
  let crc = (previous ^ MASK64) & MASK64;
  for (let offset = 0; offset < data.length; offset += STAGE_BYTES) {
    const chunk = data.subarray(offset, offset + STAGE_BYTES);
    k.stage.set(chunk);
    crc = k.update(crc, STAGE_OFFSET, chunk.length);
  }
  return (crc ^ MASK64) & MASK64;
}

type Eight<T> = [T, T, T, T, T, T, T, T];

/** The JavaScript slice-by-8 path (used without WebAssembly; exported for tests). */
export function crc64nvmeSoftware(data: Uint8Array, previous = 0n): bigint {
  const { hi, lo } = crcTables();
  const [H0, H1, H2, H3, H4, H5, H6, H7] = hi as Eight<Uint32Array>;
  const [L0, L1, L2, L3, L4, L5, L6, L7] = lo as Eight<Uint32Array>;
  const start = previous ^ MASK64;
  let h = Number((start >> 32n) & 0xffffffffn) | 0;
  let l = Number(start & 0xffffffffn) | 0;
  const n = data.length;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const a = l ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const b = h ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
    const a0 = a & 0xff;
    const a1 = (a >>> 8) & 0xff;
    const a2 = (a >>> 16) & 0xff;
    const a3 = a >>> 24;
    const b0 = b & 0xff;
    const b1 = (b >>> 8) & 0xff;
    const b2 = (b >>> 16) & 0xff;
    const b3 = b >>> 24;
    l = L7[a0]! ^ L6[a1]! ^ L5[a2]! ^ L4[a3]! ^ L3[b0]! ^ L2[b1]! ^ L1[b2]! ^ L0[b3]!;
    h = H7[a0]! ^ H6[a1]! ^ H5[a2]! ^ H4[a3]! ^ H3[b0]! ^ H2[b1]! ^ H1[b2]! ^ H0[b3]!;
  }
  for (; i < n; i++) {
    const idx = (l ^ data[i]!) & 0xff;
    l = ((l >>> 8) | (h << 24)) ^ L0[idx]!;
    h = (h >>> 8) ^ H0[idx]!;
  }
  return ((BigInt(~h >>> 0) << 32n) | BigInt(~l >>> 0)) & MASK64;
}

/** Which implementation `crc64nvme` runs. */
export function crc64nvmeBackend(): 'wasm' | 'js' {
  return wasmKernel() ? 'wasm' : 'js';
}
