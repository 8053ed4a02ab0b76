/**
 * An S3 error: the code, message and HTTP status AWS uses. Every failure a client can cause
 * is thrown as one of these and rendered as the standard `<Error>` document.
 */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Extra children of the `<Error>` element (e.g. `Key`, `BucketName`). */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export const accessDenied = (message = 'Access Denied'): S3Error => new S3Error('AccessDenied', message, 403);

export const invalidRequest = (message: string): S3Error => new S3Error('InvalidRequest', message, 400);

export const invalidArgument = (message: string, name?: string, value?: string): S3Error =>
  new S3Error(
    'InvalidArgument',
    message,
    400,
    name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' },
  );

export const notImplemented = (
  message = 'A header you provided implies functionality that is not implemented.',
): S3Error => new S3Error('NotImplemented', message, 501);

export const signatureDoesNotMatch = (): S3Error =>
  new S3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    403,
  );

export const authorizationHeaderMalformed = (message: string): S3Error =>
  new S3Error('AuthorizationHeaderMalformed', message, 400);

export const authorizationQueryParametersError = (message: string): S3Error =>
  new S3Error('AuthorizationQueryParametersError', message, 400);

export const noSuchBucket = (bucket: string): S3Error =>
  new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });

export const noSuchKey = (key: string): S3Error =>
  new S3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });

export const preconditionFailed = (condition: string): S3Error =>
  new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, {
    Condition: condition,
  });

export const badDigest = (message: string): S3Error => new S3Error('BadDigest', message, 400);

export const incompleteBody = (): S3Error =>
  new S3Error(
    'IncompleteBody',
    'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    400,
  );

export const internalError = (): S3Error =>
  new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);

export const noSuchUpload = (uploadId: string): S3Error =>
  new S3Error(
    'NoSuchUpload',
    'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.',
    404,
    { UploadId: uploadId },
  );

/** Error codes (errno, SQLite) that mean the filesystem or the quota is full. */
const OUT_OF_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** True for a failure caused by a full disk or an exhausted quota. */
export function isOutOfSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && OUT_OF_SPACE_CODES.has(code);
}

/**
 * A full disk. S3 has no such error; 503 ServiceUnavailable is the S3 code for "cannot take
 * this now, retry later", which SDKs retry with backoff (docs/COMPATIBILITY.md).
 */
export const outOfSpace = (): S3Error =>
  new S3Error(
    'ServiceUnavailable',
    'The server has no storage space left for this request. Delete objects or free space and try again.',
    503,
  );

/** The S3 error to send for any failure: its own, 503 for a full disk, else 500 InternalError. */
export function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  return isOutOfSpace(err) ? outOfSpace() : internalError();
}
