import { S3_ERRORS, type S3ErrorCode } from './catalogue.js';

export type { S3ErrorCode } from './catalogue.js';

/**
 * An S3 error: a code from the catalogue (which gives its HTTP status and default message).
 * Every failure a client can cause is thrown as one of these and rendered as the standard
 * `<Error>` document.
 */
export class S3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: S3ErrorCode,
    message?: string,
    /** Extra children of the `<Error>` element (e.g. `Key`, `BucketName`). */
    readonly details: Record<string, string> = {},
  ) {
    const entry = S3_ERRORS[code];
    super(message ?? entry.message);
    this.name = 'S3Error';
    this.status = entry.status;
  }
}

export const accessDenied = (message?: string): S3Error => new S3Error('AccessDenied', message);

export const invalidRequest = (message: string): S3Error => new S3Error('InvalidRequest', message);

export const invalidArgument = (message: string, name?: string, value?: string): S3Error =>
  new S3Error(
    'InvalidArgument',
    message,
    name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' },
  );

export const notImplemented = (message?: string): S3Error => new S3Error('NotImplemented', message);

export const signatureDoesNotMatch = (): S3Error => new S3Error('SignatureDoesNotMatch');

export const authorizationHeaderMalformed = (message: string): S3Error =>
  new S3Error('AuthorizationHeaderMalformed', message);

export const authorizationQueryParametersError = (message: string): S3Error =>
  new S3Error('AuthorizationQueryParametersError', message);

export const noSuchBucket = (bucket: string): S3Error =>
  new S3Error('NoSuchBucket', undefined, { BucketName: bucket });

export const noSuchAccessPoint = (name: string): S3Error =>
  new S3Error('NoSuchAccessPoint', undefined, { AccessPointName: name });

export const noSuchKey = (key: string): S3Error => new S3Error('NoSuchKey', undefined, { Key: key });

export const preconditionFailed = (condition: string): S3Error =>
  new S3Error('PreconditionFailed', undefined, {
    Condition: condition,
  });

export const badDigest = (message: string): S3Error => new S3Error('BadDigest', message);

export const incompleteBody = (): S3Error => new S3Error('IncompleteBody');

export const internalError = (): S3Error => new S3Error('InternalError');

export const noSuchUpload = (uploadId: string): S3Error =>
  new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });

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
  );

/** The `code` of a failure of a storage upstream that may recover (5xx, throttling, network). */
export const UPSTREAM_UNAVAILABLE = 'EUPSTREAM_UNAVAILABLE';

/**
 * A storage upstream (an S3 blob tier) down or overloaded: 503, which SDKs retry with backoff,
 * as for a full disk.
 */
export const upstreamUnavailable = (): S3Error =>
  new S3Error('ServiceUnavailable', 'The storage behind this server is unavailable. Please try again.');

/**
 * The S3 error to send for any failure: its own, 503 for a full disk or an unavailable
 * upstream, else 500 InternalError.
 */
export function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (isOutOfSpace(err)) return outOfSpace();
  if ((err as { code?: unknown } | null | undefined)?.code === UPSTREAM_UNAVAILABLE)
    return upstreamUnavailable();
  return internalError();
}
