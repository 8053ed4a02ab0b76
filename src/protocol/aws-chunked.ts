/**
 * Streaming decoder for `Content-Encoding: aws-chunked` request bodies, signed
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) or unsigned (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
 *
 *   unsigned: <hex-size>\r\n<data>\r\n … 0\r\n<name:value\r\n>…\r\n
 *   signed:   <hex-size>;chunk-signature=<sig>\r\n<data>\r\n … 0;chunk-signature=<sig>\r\n
 *             then, with a trailer: <name:value\r\n>… x-amz-trailer-signature:<sig>\r\n \r\n
 *
 * Data is passed on as it arrives, signed or not; a signed chunk's bytes are hashed on the way
 * and its signature is checked when the chunk ends (AWS chains each chunk's signature from the
 * previous one: "Signature Calculations for the Authorization Header: Transferring Payload in
 * Multiple Chunks (Chunked Upload)", Amazon S3 API Reference). A bad signature fails the stream
 * (SignatureDoesNotMatch) before it passes any later byte and before 'end'. So the decoder holds
 * no chunk: its memory is one size or trailer line (≤ 16 KiB), whatever the chunk size.
 *
 * The contract is Sha256Verifier's (http/request-body.ts): bytes flow through unverified, and
 * the stream errors instead of ending. It is safe because nothing acts on a body before its
 * stream has ended cleanly:
 * - writes (PutObject, UploadPart, AppendObject) go through checkedBody (operations/
 *   checked-body.ts) into SegmentStore (storage/segment-store.ts), which stages the bytes (in
 *   memory when small, else a temp file) and commits only once the stream has ended: readHead
 *   resolves inline bytes on 'end' only, and the blob store's pipeline to the file resolves only
 *   on a clean end; an error rejects the write and removes the staged blob, and the checksum
 *   check (`checksum()`, from `build`) runs only after the body ended;
 * - XML bodies (readBounded in http/request-body.ts, through readSmallBody and DeleteObjects)
 *   are parsed only after the loop over the stream finished, which an error ends by throwing.
 * No other code reads a request payload (requestPayload's callers). A new consumer must also
 * act only on 'end': before it, the bytes are unverified.
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

import { S3Error, incompleteBody, signatureDoesNotMatch } from '../errors/s3-error.js';

export interface ChunkSignatureContext {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export interface AwsChunkedOptions {
  /** null for STREAMING-UNSIGNED-PAYLOAD-TRAILER (no chunk signatures), a context for STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]. */
  signing: ChunkSignatureContext | null;
  /** Trailer header names declared in x-amz-trailer (lower-case), [] when none. */
  declaredTrailers: string[];
  /** x-amz-decoded-content-length if sent; the decoded byte count must equal it. */
  decodedContentLength?: number;
  /** Max size of one chunk (default 16 MiB). */
  maxChunkSize?: number;
  /** Max size of the trailer section (default 16 KiB). */
  maxTrailerSize?: number;
  /**
   * Whether a trailer section follows the final chunk. Defaults to true for unsigned bodies
   * (always the -TRAILER variant) and, for signed ones, to whether any trailer is declared.
   * Pass it explicitly from the x-amz-content-sha256 value when known.
   */
  expectTrailer?: boolean;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SIGNATURE_PREFIX = ';chunk-signature=';
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';
const CHECKSUM_PREFIX = 'x-amz-checksum-';
const DEFAULT_MAX_CHUNK = 16 * 1024 * 1024;
const DEFAULT_MAX_TRAILER = 16 * 1024;
/** Longest chunk-size line: 16 hex digits + ";chunk-signature=" + 64 hex, with room to spare. */
const MAX_SIZE_LINE = 256;
const HEX64 = /^[0-9a-f]{64}$/;
const TRAILER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const CR = 0x0d;
const LF = 0x0a;

type State =
  | 'size' // reading a chunk-size line
  | 'data' // reading chunk data
  | 'data-end' // reading the CRLF after chunk data
  | 'after-final' // signed, no trailer: an optional CRLF after the final chunk
  | 'trailer' // reading trailer lines
  | 'trailer-end' // signed trailer verified: reading the closing empty line
  | 'done';

const invalidChunk = (message: string): S3Error => new S3Error('InvalidChunkSizeError', message);
const malformedTrailer = (): S3Error => new S3Error('MalformedTrailerError');

/** Lower-case hex SHA-256. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hexEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'latin1');
  const bb = Buffer.from(b, 'latin1');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export class AwsChunkedDecoder extends Transform {
  /** Trailer headers (lower-case name → value) once the stream has ended. */
  readonly trailers = new Map<string, string>();

  private readonly signing: ChunkSignatureContext | null;
  private readonly declared: Set<string>;
  private readonly expectedLength: number | undefined;
  private readonly maxChunkSize: number;
  private readonly maxTrailerSize: number;
  private readonly expectTrailer: boolean;

  private state: State = 'size';
  /** Bytes of a line not yet terminated by LF. */
  private pendingLine: Buffer[] = [];
  private pendingLineLength = 0;
  /** Data bytes still expected in the current chunk. */
  private remaining = 0;
  /** Signature claimed for the current chunk (signed mode). */
  private chunkSignature = '';
  /** Running hash of the current signed chunk's data. */
  private chunkHash: Hash | null = null;
  private previousSignature: string;
  private decodedBytes = 0;
  private trailerBytes = 0;
  private trailerHash: Hash | null = null;

  constructor(opts: AwsChunkedOptions) {
    super();
    this.signing = opts.signing;
    this.declared = new Set(opts.declaredTrailers.map((t) => t.trim().toLowerCase()));
    this.expectedLength = opts.decodedContentLength;
    this.maxChunkSize = opts.maxChunkSize ?? DEFAULT_MAX_CHUNK;
    this.maxTrailerSize = opts.maxTrailerSize ?? DEFAULT_MAX_TRAILER;
    this.expectTrailer = opts.expectTrailer ?? (opts.signing === null || opts.declaredTrailers.length > 0);
    this.previousSignature = opts.signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    const cleanEnd = this.pendingLineLength === 0 && (this.state === 'done' || this.state === 'after-final');
    callback(cleanEnd ? null : incompleteBody());
  }

  /** Runs the state machine over one input buffer. */
  private consume(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.state === 'data') {
        pos = this.consumeData(buf, pos);
        continue;
      }
      if (this.state === 'done') throw invalidChunk('Unexpected data after the end of the aws-chunked body.');
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        this.holdPartialLine(buf.subarray(pos));
        return;
      }
      const line = this.takeLine(buf.subarray(pos, lf + 1));
      pos = lf + 1;
      this.onLine(line);
    }
  }

  private lineLimit(): number {
    if (this.state === 'size') return MAX_SIZE_LINE;
    if (this.state === 'trailer') return this.maxTrailerSize - this.trailerBytes;
    return 2; // an empty line: just CRLF
  }

  private lineTooLong(): S3Error {
    if (this.state === 'size') return invalidChunk('The chunk size line is too long.');
    if (this.state === 'trailer' || this.state === 'trailer-end') return malformedTrailer();
    return this.state === 'data-end'
      ? invalidChunk('Chunk data is longer than its declared size.')
      : invalidChunk('Unexpected data after the final chunk.');
  }

  private holdPartialLine(part: Buffer): void {
    this.pendingLineLength += part.length;
    if (this.pendingLineLength > this.lineLimit()) throw this.lineTooLong();
    this.pendingLine.push(part);
  }

  /** Completes a line with its LF-terminated tail; returns its text without the CRLF. */
  private takeLine(tail: Buffer): string {
    const length = this.pendingLineLength + tail.length;
    if (length > this.lineLimit()) throw this.lineTooLong();
    const whole = this.pendingLine.length === 0 ? tail : Buffer.concat([...this.pendingLine, tail], length);
    this.pendingLine = [];
    this.pendingLineLength = 0;
    if (this.state === 'trailer') this.trailerBytes += length;
    if (length < 2 || whole[length - 2] !== CR) {
      throw this.state === 'trailer' ? malformedTrailer() : invalidChunk('Lines must end with CRLF.');
    }
    return whole.toString('latin1', 0, length - 2);
  }

  private onLine(line: string): void {
    switch (this.state) {
      case 'size':
        return this.onSizeLine(line);
      case 'data-end':
        if (line !== '') throw invalidChunk('Chunk data is longer than its declared size.');
        this.state = 'size';
        return;
      case 'after-final':
      case 'trailer-end':
        if (line !== '')
          throw this.state === 'trailer-end'
            ? malformedTrailer()
            : invalidChunk('Unexpected data after the final chunk.');
        this.state = 'done';
        return;
      case 'trailer':
        return this.onTrailerLine(line);
      default:
        throw invalidChunk('Unexpected aws-chunked state.');
    }
  }

  // --- chunk framing -------------------------------------------------------------------------

  private onSizeLine(line: string): void {
    const semi = line.indexOf(';');
    const sizeText = semi < 0 ? line : line.slice(0, semi);
    const size = this.parseSize(sizeText);
    if (this.signing !== null) {
      const ext = semi < 0 ? '' : line.slice(semi);
      if (!ext.startsWith(SIGNATURE_PREFIX))
        throw invalidChunk('Missing chunk-signature in the chunk size line.');
      const sig = ext.slice(SIGNATURE_PREFIX.length);
      if (!HEX64.test(sig)) throw invalidChunk('Malformed chunk-signature.');
      this.chunkSignature = sig;
      this.chunkHash = createHash('sha256');
    } else if (semi >= 0) {
      throw invalidChunk('Unexpected chunk extension in an unsigned aws-chunked body.');
    }
    if (this.expectedLength !== undefined && this.decodedBytes + size > this.expectedLength)
      throw incompleteBody();
    if (size === 0) return this.onFinalChunk();
    this.remaining = size;
    this.state = 'data';
  }

  private parseSize(text: string): number {
    if (text.length === 0 || text.length > 16) throw invalidChunk('Invalid chunk size.');
    let size = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) throw invalidChunk('Invalid chunk size.');
      size = size * 16 + d;
      // Checked per digit, so huge values never lose precision.
      if (size > this.maxChunkSize) throw invalidChunk('Chunk size exceeds the maximum allowed.');
    }
    return size;
  }

  private consumeData(buf: Buffer, pos: number): number {
    const n = Math.min(this.remaining, buf.length - pos);
    const piece = buf.subarray(pos, pos + n);
    this.remaining -= n;
    this.decodedBytes += n;
    this.chunkHash?.update(piece);
    this.push(piece);
    if (this.remaining === 0) {
      // Throws before anything after this chunk is passed on (see the module comment).
      if (this.signing !== null) this.verifyChunkSignature(this.chunkHash!.digest('hex'));
      this.state = 'data-end';
    }
    return pos + n;
  }

  private verifyChunkSignature(dataHash: string): void {
    const s = this.signing!;
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${this.previousSignature}\n${EMPTY_SHA256}\n${dataHash}`;
    const expected = createHmac('sha256', s.signingKey).update(toSign).digest('hex');
    if (!hexEqual(expected, this.chunkSignature)) throw signatureDoesNotMatch();
    this.previousSignature = this.chunkSignature;
    this.chunkHash = null;
  }

  private onFinalChunk(): void {
    if (this.expectedLength !== undefined && this.decodedBytes !== this.expectedLength)
      throw incompleteBody();
    if (this.signing !== null) this.verifyChunkSignature(EMPTY_SHA256);
    if (this.expectTrailer) {
      this.state = 'trailer';
      if (this.signing !== null) this.trailerHash = createHash('sha256');
    } else {
      this.state = 'after-final';
    }
  }

  // --- trailer --------------------------------------------------------------------------------

  private onTrailerLine(line: string): void {
    if (line === '') {
      // Signed trailers must end with their signature line, not an empty line.
      if (this.signing !== null) throw malformedTrailer();
      this.finishTrailers();
      this.state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedTrailer();
    const rawName = line.slice(0, colon);
    if (!TRAILER_NAME.test(rawName)) throw malformedTrailer();
    const name = rawName.toLowerCase();
    const value = line.slice(colon + 1).trim();

    if (name === TRAILER_SIGNATURE) {
      if (this.signing === null) throw malformedTrailer();
      this.verifyTrailerSignature(value);
      this.finishTrailers();
      this.state = 'trailer-end';
      return;
    }
    if (!this.declared.has(name) || this.trailers.has(name)) throw malformedTrailer();
    if (
      name.startsWith(CHECKSUM_PREFIX) &&
      [...this.trailers.keys()].some((k) => k.startsWith(CHECKSUM_PREFIX))
    ) {
      throw malformedTrailer();
    }
    this.trailers.set(name, value);
    // The trailer signature covers the lines exactly as sent, each terminated by '\n'.
    this.trailerHash?.update(line + '\n', 'latin1');
  }

  private verifyTrailerSignature(signature: string): void {
    if (!HEX64.test(signature)) throw malformedTrailer();
    const s = this.signing!;
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${this.previousSignature}\n${this.trailerHash!.digest('hex')}`;
    const expected = createHmac('sha256', s.signingKey).update(toSign).digest('hex');
    if (!hexEqual(expected, signature)) throw signatureDoesNotMatch();
    this.previousSignature = signature;
  }

  /** Every declared trailer must have arrived. */
  private finishTrailers(): void {
    for (const name of this.declared) if (!this.trailers.has(name)) throw malformedTrailer();
  }
}
