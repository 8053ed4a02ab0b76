/**
 * aws-chunked decoder: the SDK's unsigned-with-trailer shape, signed chunks and trailers built
 * here with node:crypto (plus the AWS documentation example), arbitrary input splitting, and
 * every framing / signature / trailer error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as tick } from 'node:timers/promises';

import {
  AwsChunkedDecoder,
  type AwsChunkedOptions,
  type ChunkSignatureContext,
} from '../../src/protocol/aws-chunked.js';
import { S3Error } from '../../src/errors/s3-error.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const sha256 = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');
const hmacHex = (key: Buffer, s: string): string => createHmac('sha256', key).update(s).digest('hex');
const EMPTY = sha256('');

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return [date, region, service, 'aws4_request'].reduce<Buffer>(
    (k, part) => createHmac('sha256', k).update(part).digest(),
    Buffer.from('AWS4' + secret),
  );
}

const CTX: ChunkSignatureContext = {
  signingKey: signingKey('sessionSecret', '20260301', 'us-east-1', 's3express'),
  amzDate: '20260301T120000Z',
  scope: '20260301/us-east-1/s3express/aws4_request',
  seedSignature: 'a'.repeat(64),
};

const chunkSig = (ctx: ChunkSignatureContext, prev: string, data: Buffer): string =>
  hmacHex(
    ctx.signingKey,
    `AWS4-HMAC-SHA256-PAYLOAD\n${ctx.amzDate}\n${ctx.scope}\n${prev}\n${EMPTY}\n${sha256(data)}`,
  );

interface SignedBodyOptions {
  trailers?: Array<[string, string]>;
  /** Replace the computed signature of chunk i (the final chunk is index data.length). */
  tamper?: (i: number, sig: string) => string;
  tamperTrailerSig?: (sig: string) => string;
  finalCrlf?: boolean;
}

/** A signed aws-chunked body, signatures chained from the seed, built independently of the decoder. */
function signedBody(data: Buffer[], ctx: ChunkSignatureContext = CTX, opts: SignedBodyOptions = {}): Buffer {
  const out: Buffer[] = [];
  let prev = ctx.seedSignature;
  [...data, Buffer.alloc(0)].forEach((chunk, i) => {
    const computed = chunkSig(ctx, prev, chunk);
    const sig = opts.tamper ? opts.tamper(i, computed) : computed;
    out.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`), chunk);
    if (chunk.length > 0) out.push(Buffer.from('\r\n'));
    prev = computed;
  });
  if (opts.trailers) {
    const lines = opts.trailers.map(([n, v]) => `${n}:${v}`);
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${ctx.amzDate}\n${ctx.scope}\n${prev}\n${sha256(lines.map((l) => l + '\n').join(''))}`;
    const computed = hmacHex(ctx.signingKey, toSign);
    const sig = opts.tamperTrailerSig ? opts.tamperTrailerSig(computed) : computed;
    out.push(Buffer.from(lines.map((l) => l + '\r\n').join('') + `x-amz-trailer-signature:${sig}\r\n\r\n`));
  } else if (opts.finalCrlf !== false) {
    out.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(out);
}

function unsignedBody(data: Buffer[], trailers: Array<[string, string]> = []): Buffer {
  const parts = data.map((d) =>
    Buffer.concat([Buffer.from(`${d.length.toString(16)}\r\n`), d, Buffer.from('\r\n')]),
  );
  const tail = '0\r\n' + trailers.map(([n, v]) => `${n}:${v}\r\n`).join('') + '\r\n';
  return Buffer.concat([...parts, Buffer.from(tail)]);
}

/** Deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Split = 'whole' | 'bytes' | number; // number = random split seed

function split(buf: Buffer, how: Split): Buffer[] {
  if (how === 'whole') return [buf];
  if (how === 'bytes') return [...buf].map((b) => Buffer.from([b]));
  const rand = prng(how);
  const pieces: Buffer[] = [];
  for (let pos = 0; pos < buf.length;) {
    const n = 1 + Math.floor(rand() * Math.min(97, buf.length - pos));
    pieces.push(buf.subarray(pos, pos + n));
    pos += n;
  }
  return pieces;
}

const SPLITS: Split[] = ['whole', 'bytes', 1, 2, 3, 42, 1234];

async function decode(
  body: Buffer,
  opts: AwsChunkedOptions,
  how: Split = 'whole',
): Promise<{ data: Buffer; trailers: Map<string, string> }> {
  const decoder = new AwsChunkedDecoder(opts);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  await pipeline(Readable.from(split(body, how)), decoder, sink);
  return { data: Buffer.concat(out), trailers: decoder.trailers };
}

/**
 * Decodes expecting failure: the stream must error, never end ('end' is "the body was
 * accepted"). Returns the S3 error and the bytes that got through before it.
 */
async function decodeError(
  body: Buffer,
  opts: AwsChunkedOptions,
  how: Split = 'whole',
): Promise<{ err: S3Error; passed: Buffer }> {
  const decoder = new AwsChunkedDecoder(opts);
  const out: Buffer[] = [];
  decoder.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<unknown>((resolve) => {
    decoder.on('error', resolve);
    decoder.on('end', () => resolve(new Error('the body was accepted')));
  });
  for (const piece of split(body, how)) {
    if (decoder.destroyed) break;
    decoder.write(piece);
  }
  if (!decoder.destroyed) decoder.end();
  const err = await done;
  assert.ok(err instanceof S3Error, `expected an S3Error, got ${String(err)}`);
  return { err, passed: Buffer.concat(out) };
}

const unsignedOpts = (
  declaredTrailers: string[] = ['x-amz-checksum-crc32'],
  extra: Partial<AwsChunkedOptions> = {},
): AwsChunkedOptions => ({
  signing: null,
  declaredTrailers,
  ...extra,
});
const signedOpts = (extra: Partial<AwsChunkedOptions> = {}): AwsChunkedOptions => ({
  signing: CTX,
  declaredTrailers: [],
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// Happy paths

test('unsigned with trailer: exactly what the AWS SDK for JavaScript sends', async () => {
  const body = Buffer.from('b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
  for (const how of SPLITS) {
    const { data, trailers } = await decode(
      body,
      unsignedOpts(['x-amz-checksum-crc32'], { decodedContentLength: 11 }),
      how,
    );
    assert.equal(data.toString(), 'hello world', String(how));
    assert.deepEqual([...trailers], [['x-amz-checksum-crc32', 'DUoRhQ==']]);
  }
});

test('unsigned: several chunks, empty trailer section, upper-case hex sizes', async () => {
  const payload = randomBytes(70_000);
  const body = unsignedBody([
    payload.subarray(0, 0x1000),
    payload.subarray(0x1000, 0x10000),
    payload.subarray(0x10000),
  ]);
  for (const how of SPLITS) {
    const { data, trailers } = await decode(
      body,
      unsignedOpts([], { decodedContentLength: payload.length }),
      how,
    );
    assert.ok(data.equals(payload), String(how));
    assert.equal(trailers.size, 0);
  }
  const upper = Buffer.from('A\r\n0123456789\r\n0\r\n\r\n');
  assert.equal((await decode(upper, unsignedOpts([]))).data.toString(), '0123456789');
});

test('signed: AWS documentation example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', async () => {
  // docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
  const ctx: ChunkSignatureContext = {
    signingKey: signingKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1', 's3'),
    amzDate: '20130524T000000Z',
    scope: '20130524/us-east-1/s3/aws4_request',
    seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  };
  const c1 = Buffer.alloc(65536, 'a');
  const c2 = Buffer.alloc(1024, 'a');
  const body = Buffer.concat([
    Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'),
    c1,
    Buffer.from(
      '\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n',
    ),
    c2,
    Buffer.from(
      '\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n',
    ),
  ]);
  for (const how of ['whole', 7, 8] as Split[]) {
    const { data } = await decode(
      body,
      { signing: ctx, declaredTrailers: [], decodedContentLength: 66560 },
      how,
    );
    assert.equal(data.length, 66560);
    assert.ok(data.equals(Buffer.concat([c1, c2])));
  }
  // Our own builder reproduces the documented signatures.
  assert.ok(signedBody([c1, c2], ctx).equals(body));
});

test('signed chunks, with and without the closing CRLF, any splitting', async () => {
  const chunks = [randomBytes(8192), randomBytes(8192), randomBytes(100)];
  const all = Buffer.concat(chunks);
  for (const finalCrlf of [true, false]) {
    const body = signedBody(chunks, CTX, { finalCrlf });
    for (const how of SPLITS) {
      const { data } = await decode(body, signedOpts({ decodedContentLength: all.length }), how);
      assert.ok(data.equals(all), `${finalCrlf} ${how}`);
    }
  }
  // An empty object: just the final chunk.
  assert.equal((await decode(signedBody([]), signedOpts({ decodedContentLength: 0 }))).data.length, 0);
});

test('signed chunks with a signed trailer', async () => {
  const chunks = [Buffer.from('hello '), Buffer.from('world')];
  const body = signedBody(chunks, CTX, { trailers: [['x-amz-checksum-crc32', 'DUoRhQ==']] });
  for (const how of SPLITS) {
    const { data, trailers } = await decode(
      body,
      signedOpts({ declaredTrailers: ['x-amz-checksum-crc32'] }),
      how,
    );
    assert.equal(data.toString(), 'hello world');
    assert.equal(trailers.get('x-amz-checksum-crc32'), 'DUoRhQ==');
  }
});

test('data is streamed as it arrives, signed or not; a signed chunk is checked when it ends', async () => {
  const unsigned = new AwsChunkedDecoder(unsignedOpts([]));
  const seen: Buffer[] = [];
  unsigned.on('data', (c: Buffer) => seen.push(c));
  unsigned.write(Buffer.from('10\r\n01234567'));
  await tick();
  assert.equal(Buffer.concat(seen).toString(), '01234567');
  unsigned.destroy();

  // A signed chunk's bytes pass before its signature is known: nothing holds the chunk.
  const c1 = Buffer.alloc(5000, 'x');
  const c2 = Buffer.alloc(5000, 'y');
  const headerLen = signedBody([c1, c2]).indexOf('\r\n') + 2;
  for (const tampered of [false, true]) {
    const body = signedBody([c1, c2], CTX, {
      tamper: (i, sig) => (tampered && i === 0 ? (sig[0] === '0' ? '1' : '0') + sig.slice(1) : sig),
    });
    const signed = new AwsChunkedDecoder(signedOpts());
    const got: Buffer[] = [];
    const events: string[] = [];
    signed.on('data', (c: Buffer) => got.push(c));
    signed.on('end', () => events.push('end'));
    signed.on('error', (err: S3Error) => events.push(err.code));
    signed.write(body.subarray(0, headerLen + 4999)); // all but the last byte of chunk 1
    await tick();
    assert.ok(Buffer.concat(got).equals(c1.subarray(0, 4999)), 'bytes pass as they arrive');
    assert.deepEqual(events, []);
    signed.write(body.subarray(headerLen + 4999)); // the rest of the body
    await tick();
    if (tampered) {
      // The bad signature fails the stream when chunk 1 ends: nothing of chunk 2 passes, no 'end'.
      assert.deepEqual(events, ['SignatureDoesNotMatch']);
      assert.ok(c1.subarray(0, Buffer.concat(got).length).equals(Buffer.concat(got)), 'only chunk 1 bytes');
      assert.ok(signed.destroyed);
    } else {
      signed.end();
      await tick();
      assert.deepEqual(events, ['end']);
      assert.ok(Buffer.concat(got).equals(Buffer.concat([c1, c2])));
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Framing errors

test('chunk-size line errors → InvalidChunkSizeError', async () => {
  const cases: Array<[string, string, AwsChunkedOptions]> = [
    ['bad hex', 'zz\r\nhello\r\n0\r\n\r\n', unsignedOpts([])],
    ['empty size', '\r\nhello\r\n0\r\n\r\n', unsignedOpts([])],
    ['negative', '-5\r\nhello\r\n0\r\n\r\n', unsignedOpts([])],
    ['plus sign', '+5\r\nhello\r\n0\r\n\r\n', unsignedOpts([])],
    ['overflow', 'fffffffffffffffffffff\r\n', unsignedOpts([])],
    ['2^53+1', '20000000000001\r\n', unsignedOpts([])],
    ['over maxChunkSize', '101\r\n', unsignedOpts([], { maxChunkSize: 256 })],
    ['size line too long', '5' + ' '.repeat(300), unsignedOpts([])],
    [
      'extension in unsigned body',
      '5;chunk-signature=' + 'a'.repeat(64) + '\r\nhello\r\n0\r\n\r\n',
      unsignedOpts([]),
    ],
    ['bare LF', '5\nhello\r\n0\r\n\r\n', unsignedOpts([])],
    ['garbage after data', '5\r\nhelloXX\r\n0\r\n\r\n', unsignedOpts([])],
    ['data longer than declared', '3\r\nhello\r\n0\r\n\r\n', unsignedOpts([])],
    ['CR without LF after data', '5\r\nhello\rX0\r\n\r\n', unsignedOpts([])],
    ['missing chunk-signature', '5\r\nhello\r\n', signedOpts()],
    ['other extension', '5;chunk-sig=' + 'a'.repeat(64) + '\r\nhello\r\n', signedOpts()],
    ['short signature', '5;chunk-signature=abc\r\nhello\r\n', signedOpts()],
    ['upper-case signature', '5;chunk-signature=' + 'A'.repeat(64) + '\r\nhello\r\n', signedOpts()],
    ['data after the end', '0\r\n\r\nextra', unsignedOpts([])],
  ];
  for (const [what, body, opts] of cases) {
    for (const how of ['whole', 'bytes'] as Split[]) {
      const { err } = await decodeError(Buffer.from(body), opts, how);
      assert.equal(err.code, 'InvalidChunkSizeError', `${what} (${how})`);
      assert.equal(err.status, 400);
    }
  }
  const afterSigned = Buffer.concat([signedBody([Buffer.from('hi')]), Buffer.from('more')]);
  assert.equal((await decodeError(afterSigned, signedOpts())).err.code, 'InvalidChunkSizeError');
});

test('truncated bodies → IncompleteBody', async () => {
  const unsigned = Buffer.from('b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
  const signed = signedBody([Buffer.from('hello world')], CTX, {
    trailers: [['x-amz-checksum-crc32', 'DUoRhQ==']],
  });
  const signedNoTrailer = signedBody([Buffer.from('hello world')], CTX, { finalCrlf: false });
  const cases: Array<[Buffer, AwsChunkedOptions, number]> = [
    [unsigned, unsignedOpts(), unsigned.length - 1], // every proper prefix
    [signed, signedOpts({ declaredTrailers: ['x-amz-checksum-crc32'] }), signed.length - 1],
    [signedNoTrailer, signedOpts(), signedNoTrailer.length - 1],
  ];
  for (const [body, opts, maxCut] of cases) {
    for (let cut = 0; cut <= maxCut; cut++) {
      const { err } = await decodeError(body.subarray(0, cut), opts);
      assert.equal(err.code, 'IncompleteBody', `cut ${cut}`);
    }
  }
  assert.equal((await decodeError(Buffer.alloc(0), unsignedOpts([]))).err.code, 'IncompleteBody');
});

test('x-amz-decoded-content-length mismatch in both directions → IncompleteBody', async () => {
  const body = Buffer.from('b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
  for (const n of [10, 12, 0, 1000]) {
    const { err } = await decodeError(
      body,
      unsignedOpts(['x-amz-checksum-crc32'], { decodedContentLength: n }),
    );
    assert.equal(err.code, 'IncompleteBody', String(n));
  }
  const signed = signedBody([Buffer.from('hello'), Buffer.from('world')]);
  for (const n of [9, 11]) {
    const { err } = await decodeError(signed, signedOpts({ decodedContentLength: n }));
    assert.equal(err.code, 'IncompleteBody', `signed ${n}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Signatures

test('bad, unchained or reordered chunk signatures → SignatureDoesNotMatch before anything after the bad chunk', async () => {
  const chunks = [Buffer.alloc(100, 'a'), Buffer.alloc(100, 'b'), Buffer.alloc(100, 'c')];
  const flip = (s: string): string => (s[0] === '0' ? '1' : '0') + s.slice(1);
  for (const bad of [0, 1, 2, 3]) {
    const body = signedBody(chunks, CTX, { tamper: (i, s) => (i === bad ? flip(s) : s) });
    // The bad chunk's own bytes may have passed (the stream fails instead of ending), no later one.
    const upToBad = Buffer.concat(chunks.slice(0, bad + 1));
    for (const how of ['whole', 'bytes', 5] as Split[]) {
      const { err, passed } = await decodeError(body, signedOpts(), how);
      assert.equal(err.code, 'SignatureDoesNotMatch', `chunk ${bad} (${how})`);
      assert.equal(err.status, 403);
      assert.ok(
        upToBad.subarray(0, passed.length).equals(passed),
        `nothing after the bad chunk passed (${bad}, ${how})`,
      );
    }
  }
  // Every chunk signed from the seed instead of the previous signature.
  const unchained = signedBody(chunks, CTX, {
    tamper: (i, s) => (i === 0 ? s : chunkSig(CTX, CTX.seedSignature, chunks[i] ?? Buffer.alloc(0))),
  });
  assert.equal((await decodeError(unchained, signedOpts())).err.code, 'SignatureDoesNotMatch');
  // Chunks swapped, each keeping its own (valid-in-place) signature.
  const a = signedBody(chunks);
  const lines = a.toString('latin1').split('\r\n');
  [lines[0], lines[1], lines[2], lines[3]] = [lines[2]!, lines[3]!, lines[0]!, lines[1]!];
  assert.equal(
    (await decodeError(Buffer.from(lines.join('\r\n'), 'latin1'), signedOpts())).err.code,
    'SignatureDoesNotMatch',
  );
  // Wrong seed / wrong key.
  assert.equal(
    (await decodeError(a, { ...signedOpts(), signing: { ...CTX, seedSignature: 'b'.repeat(64) } })).err.code,
    'SignatureDoesNotMatch',
  );
  assert.equal(
    (await decodeError(a, { ...signedOpts(), signing: { ...CTX, signingKey: Buffer.alloc(32) } })).err.code,
    'SignatureDoesNotMatch',
  );
});

test('trailer signature errors', async () => {
  const opts = signedOpts({ declaredTrailers: ['x-amz-checksum-crc32'] });
  const chunks = [Buffer.from('hello world')];
  const trailers: Array<[string, string]> = [['x-amz-checksum-crc32', 'DUoRhQ==']];
  const badSig = signedBody(chunks, CTX, {
    trailers,
    tamperTrailerSig: (s) => (s[0] === '0' ? '1' : '0') + s.slice(1),
  });
  assert.equal((await decodeError(badSig, opts)).err.code, 'SignatureDoesNotMatch');
  const good = signedBody(chunks, CTX, { trailers }).toString('latin1');
  const altered = Buffer.from(good.replace('DUoRhQ==', 'AAAAAA=='), 'latin1');
  assert.equal((await decodeError(altered, opts)).err.code, 'SignatureDoesNotMatch');
  const noSigLine = Buffer.from(good.replace(/x-amz-trailer-signature:[0-9a-f]{64}\r\n/, ''), 'latin1');
  assert.equal((await decodeError(noSigLine, opts)).err.code, 'MalformedTrailerError');
  const shortSig = Buffer.from(good.replace(/(x-amz-trailer-signature:)[0-9a-f]{64}/, '$1abc'), 'latin1');
  assert.equal((await decodeError(shortSig, opts)).err.code, 'MalformedTrailerError');
  const afterSig = Buffer.from(
    good.replace(/\r\n\r\n$/, '\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n'),
    'latin1',
  );
  assert.equal((await decodeError(afterSig, opts)).err.code, 'MalformedTrailerError');
});

// ---------------------------------------------------------------------------------------------
// Trailers

test('trailer errors → MalformedTrailerError', async () => {
  const crc = 'x-amz-checksum-crc32';
  const cases: Array<[string, Buffer, AwsChunkedOptions]> = [
    ['undeclared trailer', unsignedBody([Buffer.from('hi')], [[crc, 'AAAAAA==']]), unsignedOpts([])],
    [
      'different algorithm than declared',
      unsignedBody([Buffer.from('hi')], [['x-amz-checksum-crc32c', 'AAAAAA==']]),
      unsignedOpts([crc]),
    ],
    ['declared trailer missing', unsignedBody([Buffer.from('hi')]), unsignedOpts([crc])],
    [
      'two checksum trailers',
      unsignedBody(
        [Buffer.from('hi')],
        [
          [crc, 'AAAAAA=='],
          ['x-amz-checksum-sha256', 'x'],
        ],
      ),
      unsignedOpts([crc, 'x-amz-checksum-sha256']),
    ],
    [
      'duplicate trailer',
      unsignedBody(
        [Buffer.from('hi')],
        [
          [crc, 'AAAAAA=='],
          [crc, 'AAAAAA=='],
        ],
      ),
      unsignedOpts([crc]),
    ],
    ['no colon', Buffer.from('2\r\nhi\r\n0\r\nx-amz-checksum-crc32\r\n\r\n'), unsignedOpts([crc])],
    ['empty name', Buffer.from('2\r\nhi\r\n0\r\n:AAAAAA==\r\n\r\n'), unsignedOpts([crc])],
    ['bare LF', Buffer.from('2\r\nhi\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\n\r\n'), unsignedOpts([crc])],
    [
      'signature in an unsigned body',
      unsignedBody(
        [Buffer.from('hi')],
        [
          [crc, 'AAAAAA=='],
          ['x-amz-trailer-signature', 'a'.repeat(64)],
        ],
      ),
      unsignedOpts([crc]),
    ],
    [
      'trailer section too large',
      unsignedBody([Buffer.from('hi')], [[crc, 'A'.repeat(20_000)]]),
      unsignedOpts([crc]),
    ],
    [
      'undeclared signed trailer',
      signedBody([Buffer.from('hi')], CTX, { trailers: [['x-amz-checksum-sha1', 'x']] }),
      signedOpts({ declaredTrailers: [crc] }),
    ],
  ];
  for (const [what, body, opts] of cases) {
    for (const how of ['whole', 'bytes'] as Split[]) {
      const { err } = await decodeError(body, opts, how);
      assert.equal(err.code, 'MalformedTrailerError', `${what} (${how})`);
      assert.equal(err.status, 400);
      assert.equal(
        err.message,
        'The request contained trailing data that was not well-formed or did not conform to our published schema.',
      );
    }
  }
});

test('trailer names are case-insensitive and values trimmed', async () => {
  const body = Buffer.from('2\r\nhi\r\n0\r\nX-Amz-Checksum-CRC32: AAAAAA== \r\n\r\n');
  const { trailers } = await decode(body, unsignedOpts(['X-Amz-Checksum-Crc32']));
  assert.deepEqual([...trailers], [['x-amz-checksum-crc32', 'AAAAAA==']]);
});
