/** S3's protocol limits, shared by routing, authentication and the operations. */
import { S3Error } from '../errors/s3-error.js';

/** S3's maximum key length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** 400 KeyTooLongError for a key over MAX_KEY_BYTES, else undefined (DeleteObjects reports it per key). */
export function keyLengthError(key: string): S3Error | undefined {
  return Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES ? new S3Error('KeyTooLongError') : undefined;
}

/** Throws 400 KeyTooLongError for a key over MAX_KEY_BYTES: URL paths, copy and rename sources. */
export function checkKeyLength(key: string): void {
  const error = keyLengthError(key);
  if (error) throw error;
}

/**
 * The largest request head (request line and headers) accepted, in bytes. AWS documents 8 KB;
 * Zonal keeps Node's 16 KiB so that a 1,024-byte key percent-encoded in both the URL and
 * `x-amz-copy-source`, 2 KiB of metadata and a session token still fit.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Parts of a multipart upload, and segments (appends) of an object. */
export const MAX_PART_NUMBER = 10_000;

/** S3's limit for one PUT, UploadPart or append. */
export const MAX_PAYLOAD_BYTES = 5 * 1024 ** 3;
