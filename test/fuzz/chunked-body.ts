/**
 * An aws-chunked encoder written independently of the decoder (as the SDKs frame bodies):
 * unsigned `STREAMING-UNSIGNED-PAYLOAD-TRAILER` and signed
 * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`, signatures chained from the seed.
 */
import { createHash, createHmac } from 'node:crypto';

export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export interface ChunkedBodySpec {
  /** Payload split into non-empty chunks. */
  chunks: Buffer[];
  signing: ChunkSigning | null;
  /** Trailer lines (name, value) after the final chunk. */
  trailers: Array<[string, string]>;
  /** Whether a trailer section is sent (always for unsigned). */
  withTrailer: boolean;
  /** Chunk-size spelling: extra leading zeros, upper-case hex. */
  leadingZeros?: number;
  upperHex?: boolean;
  /** Signed without trailer: whether the optional CRLF after the final chunk is sent. */
  finalCrlf?: boolean;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const sha256 = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');
const hmacHex = (key: Buffer, s: string): string => createHmac('sha256', key).update(s).digest('hex');

/** The SigV4 signing key for a secret and scope. */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  return [date, region, service, 'aws4_request'].reduce<Buffer>(
    (k, part) => createHmac('sha256', k).update(part).digest(),
    Buffer.from('AWS4' + secret),
  );
}

function sizeLine(n: number, spec: ChunkedBodySpec): string {
  const hex = n.toString(16);
  const spelled = '0'.repeat(spec.leadingZeros ?? 0) + (spec.upperHex ? hex.toUpperCase() : hex);
  return spelled.slice(-16);
}

export function encodeChunked(spec: ChunkedBodySpec): Buffer {
  const out: Buffer[] = [];
  let prev = spec.signing?.seedSignature ?? '';
  for (const chunk of [...spec.chunks, Buffer.alloc(0)]) {
    let line = sizeLine(chunk.length, spec);
    if (spec.signing) {
      const s = spec.signing;
      const sig = hmacHex(
        s.signingKey,
        `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${prev}\n${EMPTY_SHA256}\n${sha256(chunk)}`,
      );
      line += `;chunk-signature=${sig}`;
      prev = sig;
    }
    out.push(Buffer.from(line + '\r\n'), chunk);
    if (chunk.length > 0) out.push(Buffer.from('\r\n'));
  }
  const lines = spec.trailers.map(([n, v]) => `${n}:${v}`);
  if (spec.signing === null) {
    out.push(Buffer.from(lines.map((l) => l + '\r\n').join('') + '\r\n'));
  } else if (spec.withTrailer) {
    const s = spec.signing;
    const sig = hmacHex(
      s.signingKey,
      `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${prev}\n${sha256(lines.map((l) => l + '\n').join(''))}`,
    );
    out.push(Buffer.from(lines.map((l) => l + '\r\n').join('') + `x-amz-trailer-signature:${sig}\r\n\r\n`));
  } else if (spec.finalCrlf !== false) {
    out.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(out);
}
