/**
 * Failures of an S3-compatible blob tier, worded for an operator: which endpoint and bucket,
 * which operation, what the upstream said. Never the secret key (it is never in these
 * messages: the SDK's errors carry only codes, messages and request ids). A transient one
 * carries UPSTREAM_UNAVAILABLE, which the S3 layer answers with 503 ServiceUnavailable.
 */

import { UPSTREAM_UNAVAILABLE } from '../../errors/s3-error.js';

/** The `code` of any other blob-tier failure (refused credentials, missing bucket, bad reply). */
export const UPSTREAM_FAILED = 'EUPSTREAM_FAILED';

export class BlobTierError extends Error {
  readonly code: string;

  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BlobTierError';
    this.code = transient ? UPSTREAM_UNAVAILABLE : UPSTREAM_FAILED;
  }
}

/** What the SDK tells about a failed call: an S3 error code and status, or a network error. */
interface SdkFailure {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** The HTTP status of a failed call, when the upstream answered at all. */
export function statusOf(err: unknown): number | undefined {
  return (err as SdkFailure | undefined)?.$metadata?.httpStatusCode;
}

/** The S3 error code (or the network error's code) of a failed call. */
export function codeOf(err: unknown): string {
  const e = err as SdkFailure | undefined;
  return e?.name && e.name !== 'Error' ? e.name : (e?.code ?? 'Error');
}

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
]);

/** True when the upstream refused who we are (403, or an auth error code). */
export function isCredentialFailure(err: unknown): boolean {
  return CREDENTIAL_CODES.has(codeOf(err)) || statusOf(err) === 403;
}

/** True when the upstream says the bucket does not exist. */
export function isMissingBucket(err: unknown): boolean {
  return codeOf(err) === 'NoSuchBucket';
}

/** True when the upstream never answered (connection refused, DNS, timeout) or answered 5xx/429. */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status === undefined) return true;
  return status >= 500 || status === 429 || codeOf(err) === 'SlowDown';
}

/** A BlobTierError for `operation` on `where` (e.g. "http://rgw:7480 bucket zonal-blobs"). */
export function upstreamError(where: string, operation: string, err: unknown): BlobTierError {
  if (err instanceof BlobTierError) return err;
  const status = statusOf(err);
  const said = `${codeOf(err)}${status === undefined ? '' : ` (HTTP ${status})`}: ${(err as Error)?.message ?? String(err)}`;
  return new BlobTierError(`blob tier ${where}: ${operation} failed: ${said}`, isTransient(err), {
    cause: err,
  });
}
