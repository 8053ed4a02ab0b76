import http from 'node:http';
import { newRequestId } from '../auth/random-ids.js';
import { MAX_HEADER_BYTES } from '../protocol/limits.js';
import { toXml } from '../protocol/xml.js';
import { S3Error } from '../errors/s3-error.js';

/** A client that stopped sending (headers or body) or stopped reading. */
export const requestTimeout = (): S3Error => new S3Error('RequestTimeout');

export const headerSectionTooLarge = (): S3Error =>
  new S3Error('RequestHeaderSectionTooLarge', undefined, {
    MaxSizeAllowed: String(MAX_HEADER_BYTES),
  });

/** Too many connections: the code SDKs back off and retry on. */
export const slowDown = (): S3Error => new S3Error('SlowDown');

/** Bytes that are not an HTTP/1.1 request (bad request line, header syntax, framing). */
export const badRequest = (): S3Error => new S3Error('BadRequest');

/**
 * A complete HTTP response carrying an S3 error document, for sockets whose request never
 * became an `IncomingMessage` (Node's parser refused it), so no `ServerResponse` exists.
 */
export function rawErrorResponse(err: S3Error): Buffer {
  const requestId = newRequestId();
  const body = toXml({
    Error: { Code: err.code, Message: err.message, ...err.details, RequestId: requestId, HostId: requestId },
  });
  const head = [
    `HTTP/1.1 ${err.status} ${http.STATUS_CODES[err.status] ?? 'Error'}`,
    `Date: ${new Date().toUTCString()}`,
    'Server: Zonal',
    `x-amz-request-id: ${requestId}`,
    `x-amz-id-2: ${requestId}`,
    'Content-Type: application/xml',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}
