/**
 * Errors of the IAM and STS Query APIs, rendered as `<ErrorResponse>` documents with the codes
 * and HTTP statuses AWS uses (the SDK maps `Code` to its exception classes).
 */
import type { IdentityError, IdentityErrorCode } from '../identity/identity-error.js';
import type { S3Error } from '../errors/s3-error.js';

export class IamError extends Error {
  override name = 'IamError';

  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** `Sender` for the client's faults, `Receiver` for ours. */
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const validationError = (message: string): IamError => new IamError('ValidationError', message, 400);

export const accessDenied = (message: string): IamError => new IamError('AccessDenied', message, 403);

/**
 * 503 ServiceUnavailable, "The request has failed due to a temporary failure of the server"
 * (IAM API Reference, "Common Errors"); the SDKs retry it.
 */
export const serviceUnavailable = (): IamError =>
  new IamError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', 503);

export const internalFailure = (): IamError =>
  new IamError('InternalFailure', 'The request processing has failed because of an unknown error.', 500);

const IDENTITY_STATUS: Record<IdentityErrorCode, number> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  ValidationError: 400,
  ServiceFailure: 500,
};

export function fromIdentityError(err: IdentityError): IamError {
  return new IamError(err.code, err.message, IDENTITY_STATUS[err.code]);
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** The authentication layer speaks S3; IAM and STS clients expect these codes instead. */
export function fromAuthError(err: S3Error): IamError {
  switch (err.code) {
    case 'InvalidAccessKeyId':
    case 'InvalidToken':
    case 'ExpiredToken':
      return new IamError('InvalidClientTokenId', INVALID_TOKEN, 403);
    case 'SignatureDoesNotMatch':
      return new IamError('SignatureDoesNotMatch', BAD_SIGNATURE, 403);
    case 'RequestTimeTooSkewed':
      return new IamError('SignatureDoesNotMatch', `Signature expired: ${err.message}`, 403);
    case 'AuthorizationHeaderMalformed':
    case 'AuthorizationQueryParametersError':
      if (err.details.Region !== undefined) {
        return new IamError('SignatureDoesNotMatch', 'Credential should be scoped to a valid region.', 403);
      }
      return new IamError('IncompleteSignature', err.message, 400);
    case 'AccessDenied':
      return new IamError('AccessDenied', err.message, 403);
    default:
      return new IamError(
        err.status >= 500 ? 'InternalFailure' : 'InvalidParameterValue',
        err.message,
        err.status >= 500 ? 500 : 400,
      );
  }
}
