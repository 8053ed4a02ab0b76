/**
 * Fuzzing the aws-chunked decoder directly: random payloads, chunkings, trailers and input
 * splits, signed and unsigned; then the same bodies corrupted, and plain noise. Invariants:
 * - a valid framing decodes to exactly the original payload and trailers, however it is split;
 * - anything else settles quickly, failing only with an S3Error;
 * - a body that fails never ends: the decoder errors before 'end' (consumers commit only on a
 *   clean end; bytes of a chunk pass before its signature is checked);
 * - signed bodies: a corrupted body that ends cleanly decodes to exactly the original payload and
 *   trailers, and noise never ends cleanly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';

import { AwsChunkedDecoder, type AwsChunkedOptions } from '../../src/protocol/aws-chunked.js';
import { S3Error } from '../../src/errors/s3-error.js';
import { asciiText, latin1Text } from './arbitraries.js';
import { deriveSigningKey, encodeChunked, type ChunkSigning } from './chunked-body.js';
import { fuzzAsync, isClientError } from './fuzz-runner.js';

const SIGNING: ChunkSigning = {
  signingKey: deriveSigningKey('fuzz-secret', '20260301', 'us-east-1', 's3express'),
  amzDate: '20260301T120000Z',
  scope: '20260301/us-east-1/s3express/aws4_request',
  seedSignature: 'c'.repeat(64),
};
const MAX_CHUNK = 4096;

interface Decoded {
  data: Buffer;
  trailers: Map<string, string>;
  error?: unknown;
  /** The decoder emitted 'end' (the body ended cleanly). */
  ended: boolean;
}

/** Feeds `pieces` through a decoder; never throws, returns what passed and any error. */
async function decode(pieces: Buffer[], opts: AwsChunkedOptions): Promise<Decoded> {
  const decoder = new AwsChunkedDecoder(opts);
  let ended = false;
  decoder.once('end', () => (ended = true));
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  try {
    await pipeline(Readable.from(pieces, { objectMode: false }), decoder, sink);
    return { data: Buffer.concat(out), trailers: decoder.trailers, ended };
  } catch (error) {
    return { data: Buffer.concat(out), trailers: decoder.trailers, error, ended };
  }
}

/** Cuts a buffer at the given points (positions modulo its length). */
function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  if (buf.length === 0) return [buf];
  const points = [...new Set(cuts.map((c) => c % buf.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(buf.subarray(from, p));
    from = p;
  }
  pieces.push(buf.subarray(from));
  return pieces;
}

const TRAILER_NAMES = ['x-amz-checksum-crc32', 'x-amz-checksum-sha256', 'x-amz-meta-t', 'x-custom'];

/** A random valid aws-chunked request: payload, chunking, trailers, spelling and options. */
const validBody = fc
  .record({
    chunks: fc.array(fc.uint8Array({ minLength: 1, maxLength: 700 }), { maxLength: 6 }),
    signed: fc.boolean(),
    trailers: fc.uniqueArray(
      fc.tuple(
        fc.constantFrom(...TRAILER_NAMES),
        asciiText(30).map((v) => v.trim()),
      ),
      {
        maxLength: 2,
        selector: ([n]) => (n.startsWith('x-amz-checksum-') ? 'checksum' : n),
      },
    ),
    withTrailer: fc.boolean(),
    declareLength: fc.boolean(),
    leadingZeros: fc.nat(6),
    upperHex: fc.boolean(),
    finalCrlf: fc.boolean(),
    cuts: fc.array(fc.nat(), { maxLength: 8 }),
  })
  .map((r) => {
    const chunks = r.chunks.map((c) => Buffer.from(c));
    const withTrailer = r.signed ? r.withTrailer : true;
    const trailers = withTrailer ? r.trailers : [];
    const body = encodeChunked({
      chunks,
      signing: r.signed ? SIGNING : null,
      trailers,
      withTrailer,
      leadingZeros: r.leadingZeros,
      upperHex: r.upperHex,
      finalCrlf: r.finalCrlf,
    });
    const payload = Buffer.concat(chunks);
    const opts: AwsChunkedOptions = {
      signing: r.signed ? SIGNING : null,
      declaredTrailers: trailers.map(([n]) => n),
      expectTrailer: withTrailer,
      maxChunkSize: MAX_CHUNK,
      ...(r.declareLength ? { decodedContentLength: payload.length } : {}),
    };
    return { body, payload, trailers, opts, cuts: r.cuts, signed: r.signed };
  });

/** Byte-level corruption: flip, insert, delete, duplicate or truncate at random places. */
const corruption = fc.array(
  fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('flip', 'insert', 'delete', 'duplicate', 'truncate'),
    bytes: fc.constantFrom(
      '\r',
      '\n',
      '\r\n',
      ';',
      '0',
      'f',
      'F',
      ':',
      ' ',
      '\u0000',
      ';chunk-signature=',
      'x-amz-trailer-signature:',
      'ffffffffffffffff',
      '-1',
    ),
    len: fc.integer({ min: 1, max: 40 }),
  }),
  { minLength: 1, maxLength: 3 },
);

interface Edit {
  at: number;
  kind: string;
  bytes: string;
  len: number;
}

function corrupt(body: Buffer, edits: Edit[]): Buffer {
  let b = body;
  for (const e of edits) {
    const i = b.length === 0 ? 0 : e.at % b.length;
    switch (e.kind) {
      case 'flip':
        if (b.length > 0)
          b = Buffer.concat([
            b.subarray(0, i),
            Buffer.from([b[i]! ^ (1 + (e.len % 255))]),
            b.subarray(i + 1),
          ]);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, i), Buffer.from(e.bytes, 'latin1'), b.subarray(i)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, i), b.subarray(i + e.len)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, i + e.len), b.subarray(i, i + e.len), b.subarray(i + e.len)]);
        break;
      default:
        b = b.subarray(0, i);
    }
  }
  return b;
}

function assertClientError(error: unknown): void {
  assert.ok(
    isClientError(error),
    `expected an S3Error, got ${(error as Error)?.constructor?.name}: ${String(error)}`,
  );
}

describe('fuzz: aws-chunked decoder', () => {
  test('valid framings decode to the original payload and trailers, however split', async (t) => {
    await fuzzAsync(
      t,
      'aws-chunked/valid',
      1500,
      fc.asyncProperty(validBody, async ({ body, payload, trailers, opts, cuts }) => {
        const r = await decode(splitAt(body, cuts), opts);
        assert.equal(r.error, undefined, String(r.error));
        assert.ok(r.ended, 'the body ended');
        assert.ok(r.data.equals(payload), 'payload differs');
        assert.deepEqual([...r.trailers], trailers);
      }),
      { timeout: 5_000 },
    );
  });

  test('corrupted framings: an S3Error before the end or, if signed, exactly the original payload', async (t) => {
    await fuzzAsync(
      t,
      'aws-chunked/corrupted',
      2500,
      fc.asyncProperty(
        validBody,
        corruption,
        async ({ body, payload, trailers, opts, cuts, signed }, edits) => {
          const r = await decode(splitAt(corrupt(body, edits), cuts), opts);
          if (r.error !== undefined) {
            assertClientError(r.error);
            assert.ok(!r.ended, 'a failed body must not end');
          } else if (signed) {
            assert.ok(r.ended, 'the body ended');
            assert.ok(r.data.equals(payload), 'a corrupted signed body decoded to other bytes');
            assert.deepEqual([...r.trailers], trailers);
          } else if (r.error === undefined && opts.decodedContentLength !== undefined) {
            assert.equal(r.data.length, opts.decodedContentLength);
          }
        },
      ),
      { timeout: 5_000 },
    );
  });

  test('a wrong x-amz-decoded-content-length is IncompleteBody', async (t) => {
    await fuzzAsync(
      t,
      'aws-chunked/declared-length',
      500,
      fc.asyncProperty(
        validBody,
        fc.integer({ min: -50, max: 50 }).filter((d) => d !== 0),
        async (v, delta) => {
          const declared = v.payload.length + delta;
          if (declared < 0) return;
          const r = await decode(splitAt(v.body, v.cuts), { ...v.opts, decodedContentLength: declared });
          assert.ok(r.error instanceof S3Error && r.error.code === 'IncompleteBody', String(r.error));
          assert.ok(!r.ended, 'a failed body must not end');
        },
      ),
      { timeout: 5_000 },
    );
  });

  test('noise: random bytes and random lines only ever fail with an S3Error', async (t) => {
    const line = fc.oneof(
      fc.constantFrom(
        '0',
        '5',
        'ffffffffffffffffff',
        '-1',
        '0x5',
        ' 5',
        '5 ',
        '5;',
        '5;chunk-signature=',
        `5;chunk-signature=${'a'.repeat(64)}`,
        'x-amz-checksum-crc32:AAAAAA==',
        'x-amz-trailer-signature:' + 'b'.repeat(64),
        ':',
        '',
        'hello',
      ),
      latin1Text(30),
    );
    const noise = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
      fc
        .array(line, { maxLength: 10 })
        .map((ls) => Buffer.from(ls.map((l) => l + '\r\n').join(''), 'latin1')),
      fc.integer({ min: 1, max: 200_000 }).map((n) => Buffer.alloc(n, 0x30)),
    );
    await fuzzAsync(
      t,
      'aws-chunked/noise',
      1500,
      fc.asyncProperty(
        noise,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.constantFrom(...TRAILER_NAMES), { maxLength: 2 }),
        async (bytes, signed, cuts, declared) => {
          const r = await decode(splitAt(bytes, cuts), {
            signing: signed ? SIGNING : null,
            declaredTrailers: declared,
            maxChunkSize: MAX_CHUNK,
          });
          if (r.error !== undefined) {
            assertClientError(r.error);
            assert.ok(!r.ended, 'a failed body must not end');
          }
          if (signed) assert.notEqual(r.error, undefined, 'noise ended cleanly through a signed decoder');
        },
      ),
      { timeout: 5_000 },
    );
  });
});
