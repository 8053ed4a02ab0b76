/** S3's protocol limits, shared by routing, authentication and the operations. */

/** S3's maximum key length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

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
