import type { Principal } from '../auth/authenticate.js';
import { READ_ONLY_OPERATIONS, type OperationName } from '../server/operation-table.js';
import { accessDenied } from '../server/s3-error.js';

/**
 * Per-request authorization. A session was authorized once, at CreateSession, so a session
 * request only needs its bucket, and for ReadOnly sessions the operation, checked: O(1).
 * IAM principals are today only account roots, which may do everything in their account.
 */
export function authorizeRequest(principal: Principal, op: OperationName, bucket: string | undefined): void {
  if (principal.kind === 'iam') return;
  const { claims } = principal;
  if (bucket === undefined || bucket !== claims.bucket) throw accessDenied();
  if (claims.mode === 'ReadOnly' && !READ_ONLY_OPERATIONS.has(op)) throw accessDenied();
}

/**
 * CopyObject/UploadPartCopy read a second bucket, which must be authorized on its own
 * (security checklist §5): a session reaches only its own bucket, an IAM principal only the
 * buckets of its account.
 */
export function authorizeSourceBucket(
  principal: Principal,
  source: { name: string; ownerAccountId: string },
): void {
  if (principal.kind === 'session') {
    if (principal.claims.bucket !== source.name) throw accessDenied();
    return;
  }
  if (principal.identity.accountId !== source.ownerAccountId) throw accessDenied();
}
