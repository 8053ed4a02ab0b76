import http from 'node:http';
import { newRequestId } from '../auth/random-ids.js';
import { toXml } from '../protocol/xml.js';
import { S3Error } from './s3-error.js';

/**
 * The largest request head (request line and headers) accepted, in bytes. AWS documents 8 KB;
 * Zonal keeps Node's 16 KiB so that a 1,024-byte key percent-encoded in both the URL and
 * `x-amz-copy-source`, 2 KiB of metadata and a session token still fit.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

/** A client that stopped sending (headers or body) or stopped reading. */
export const requestTimeout = (): S3Error =>
  new S3Error(
    'RequestTimeout',
    'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.',
    400,
  );

export const headerSectionTooLarge = (): S3Error =>
  new S3Error(
    'RequestHeaderSectionTooLarge',
    'Your request header section exceeds the maximum allowed size.',
    400,
    {
      MaxSizeAllowed: String(MAX_HEADER_BYTES),
    },
  );

/** Too many connections: the code SDKs back off and retry on. */
export const slowDown = (): S3Error => new S3Error('SlowDown', 'Please reduce your request rate.', 503);

/** Bytes that are not an HTTP/1.1 request (bad request line, header syntax, framing). */
export const badRequest = (): S3Error =>
  new S3Error('BadRequest', 'An error occurred when parsing the HTTP request.', 400);

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
