/**
 * Why an identity change was refused. The codes are IAM's (the IAM API renders them as they
 * are); the store itself knows nothing about HTTP.
 */
export type IdentityErrorCode =
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'DeleteConflict'
  | 'LimitExceeded'
  | 'ValidationError'
  | 'ServiceFailure';

export class IdentityError extends Error {
  override name = 'IdentityError';

  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
  }
}
