import crypto from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { credentialScope } from '../auth/sigv4.js';
import { AwsChunkedDecoder } from '../protocol/aws-chunked.js';
import type { BodyBudget } from './body-budget.js';
import type { RequestContext } from './request-context.js';
import { header } from './request-context.js';
import { incompleteBody, invalidArgument, S3Error } from '../errors/s3-error.js';

const STREAMING_PREFIX = 'STREAMING-';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The decoded request payload and, once it has ended, any aws-chunked trailers. */
export interface Payload {
  stream: Readable;
  trailers(): ReadonlyMap<string, string>;
  /** Size the client declared for the decoded payload, when it did. */
  declaredLength?: number;
}

const contentSha256Mismatch = (): S3Error => new S3Error('XAmzContentSHA256Mismatch');

/** Passes bytes through while hashing; fails at the end if the digest is not the signed one. */
class Sha256Verifier extends Transform {
  private readonly hash = crypto.createHash('sha256');

  constructor(private readonly expectedHex: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(this.hash.digest('hex') === this.expectedHex ? null : contentSha256Mismatch());
  }
}

/**
 * Passes at most `limit` bytes and fails with `tooLarge()` on the first byte beyond it. A
 * declared length is checked before reading; this counts what actually arrives, so a body
 * without one (`Transfer-Encoding: chunked`, aws-chunked without a decoded length) is bounded too.
 */
export class ByteLimit extends Transform {
  private received = 0;

  constructor(
    private readonly limit: number,
    private readonly tooLarge: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.limit) done(this.tooLarge());
    else done(null, chunk);
  }
}

function declaredLength(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value)) throw invalidArgument(`Invalid ${name}`, name, value);
  return Number(value);
}

/**
 * The request body as the handler should see it: aws-chunked framing removed and verified,
 * the signed payload hash checked. Bytes flow through; nothing is buffered whole.
 */
export function requestPayload(ctx: RequestContext): Payload {
  const { sigv4, signingKey } = ctx.auth;
  const hash = sigv4.payloadHash;
  if (hash.startsWith(STREAMING_PREFIX)) {
    const decodedLength = declaredLength(
      header(ctx, 'x-amz-decoded-content-length'),
      'x-amz-decoded-content-length',
    );
    const signed = hash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const decoder = new AwsChunkedDecoder({
      signing: signed
        ? {
            signingKey,
            amzDate: sigv4.amzDate,
            scope: credentialScope(sigv4),
            seedSignature: sigv4.signature,
          }
        : null,
      declaredTrailers: (header(ctx, 'x-amz-trailer') ?? '')
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter((t) => t !== ''),
      decodedContentLength: decodedLength,
      expectTrailer: hash.endsWith('-TRAILER'),
    });
    return connect(ctx.req, decoder, () => decoder.trailers, decodedLength);
  }
  const length = declaredLength(header(ctx, 'content-length'), 'Content-Length');
  const noTrailers = (): ReadonlyMap<string, string> => new Map();
  if (SHA256_HEX.test(hash)) return connect(ctx.req, new Sha256Verifier(hash), noTrailers, length);
  return connect(ctx.req, new PassThrough(), noTrailers, length);
}

function connect(
  source: Readable,
  stage: Transform,
  trailers: () => ReadonlyMap<string, string>,
  declared: number | undefined,
): Payload {
  // Not pipeline(): a failing stage must not destroy the request, or the socket would go
  // with it before the error response is written. A client abort still fails the stage.
  const abort = (): void => {
    if (!stage.destroyed) stage.destroy(incompleteBody());
  };
  source.once('aborted', abort);
  source.once('error', abort);
  source.pipe(stage);
  return { stream: stage, trailers, declaredLength: declared };
}

/** What readBounded needs besides the stream. */
export interface BoundedRead {
  /** Most bytes this body may have. */
  limit: number;
  /** The length the client declared, when it did. */
  declaredLength: number | undefined;
  /** The protocol's error for a body over `limit`. */
  tooLarge: () => Error;
  /** The server's budget for bytes held this way (body-budget.ts). */
  budget: BodyBudget;
  /** The protocol's error for a body that would go over the budget. */
  busy: () => Error;
}

/**
 * Reads `stream` whole, refusing more than `limit` bytes with `tooLarge()` (each protocol has
 * its own error): before reading when the declared length already exceeds it, else as soon as
 * the count does. Every byte held is reserved from `budget` as it arrives and released when
 * the read ends; a chunk that does not fit fails the read with `busy()`. Leaving the loop
 * early destroys the stream, which stops the rest of the body; the caller's error response
 * then reads and drops the rest (src/http/unread-body.ts).
 */
export async function readBounded(stream: Readable, read: BoundedRead): Promise<Buffer> {
  const { limit, declaredLength, tooLarge, budget, busy } = read;
  if (declaredLength !== undefined && declaredLength > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size + chunk.length > limit) throw tooLarge();
      if (!budget.tryReserve(chunk.length)) throw busy();
      size += chunk.length;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  } finally {
    budget.release(size);
  }
}

/**
 * Reads a small S3 body (XML documents) fully: over `limit` bytes → MaxMessageLengthExceeded,
 * over the server's budget → 503 SlowDown.
 */
export async function readSmallBody(ctx: RequestContext, limit: number, budget: BodyBudget): Promise<Buffer> {
  const payload = requestPayload(ctx);
  return readBounded(payload.stream, {
    limit,
    declaredLength: payload.declaredLength,
    tooLarge: maxMessageLengthExceeded,
    budget,
    busy: slowDown,
  });
}

const maxMessageLengthExceeded = (): S3Error => new S3Error('MaxMessageLengthExceeded');
const slowDown = (): S3Error => new S3Error('SlowDown');
