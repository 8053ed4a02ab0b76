/**
 * Access points for directory buckets ("Managing access to shared datasets in directory buckets
 * with access points", https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-directory-buckets.html):
 * which operations may go through one, and its scope, the prefixes and operations it restricts
 * requests to ("Manage the scope of your access points for directory buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-directory-buckets-manage-scope.html).
 */
import type { OperationName } from '../protocol/operations.js';
import { accessDenied, S3Error } from '../errors/s3-error.js';
import type { AccessPointRecord, AccessPointScope } from '../storage/types.js';

/** The S3 Control `ScopePermission` values. */
export const SCOPE_PERMISSIONS: ReadonlySet<string> = new Set([
  'GetObject',
  'GetObjectAttributes',
  'ListMultipartUploadParts',
  'ListBucket',
  'ListBucketMultipartUploads',
  'PutObject',
  'DeleteObject',
  'AbortMultipartUpload',
]);

/** "the total length of characters of all prefixes must be less than 256 bytes" (Scope, S3 Control API). */
export const MAX_SCOPE_PREFIX_BYTES = 256;

/**
 * The scope permission each operation through an access point needs. HeadBucket and
 * CreateSession need none (a session's requests are checked one by one). Operations missing
 * here (bucket configuration, CreateBucket, DeleteBucket) are not served through access points.
 */
const PERMISSION_OF: Partial<Record<OperationName, string | null>> = {
  CreateSession: null,
  HeadBucket: null,
  GetObject: 'GetObject',
  HeadObject: 'GetObject',
  GetObjectAttributes: 'GetObjectAttributes',
  ListParts: 'ListMultipartUploadParts',
  ListObjectsV2: 'ListBucket',
  ListObjects: 'ListBucket',
  ListMultipartUploads: 'ListBucketMultipartUploads',
  PutObject: 'PutObject',
  CopyObject: 'PutObject',
  CreateMultipartUpload: 'PutObject',
  UploadPart: 'PutObject',
  UploadPartCopy: 'PutObject',
  CompleteMultipartUpload: 'PutObject',
  RenameObject: 'PutObject',
  DeleteObject: 'DeleteObject',
  DeleteObjects: 'DeleteObject',
  AbortMultipartUpload: 'AbortMultipartUpload',
};

/** 400 for an operation an access point does not serve (bucket configuration, CreateBucket, …). */
export function checkAccessPointOperation(op: OperationName): void {
  if (!(op in PERMISSION_OF)) {
    throw new S3Error('InvalidRequest', `${op} is not supported through an access point.`);
  }
}

/**
 * A key is within a scope prefix when it starts with it; a trailing `*` is accepted and means
 * the same (Zonal's reading of the prefixes, docs/COMPATIBILITY.md).
 */
function withinPrefixes(prefixes: readonly string[], key: string): boolean {
  if (prefixes.length === 0) return true;
  return prefixes.some((p) => key.startsWith(p.endsWith('*') ? p.slice(0, -1) : p));
}

/** True when `scope` lets operation `op` reach `key` (for listings: the listing prefix). */
export function scopeAllows(
  scope: AccessPointScope | undefined,
  op: OperationName,
  key: string | undefined,
): boolean {
  const permission = PERMISSION_OF[op];
  if (permission === undefined) return false;
  if (permission === null || scope === undefined) return true;
  if (scope.permissions.length > 0 && !scope.permissions.includes(permission)) return false;
  if (key === undefined) return scope.prefixes.length === 0;
  return withinPrefixes(scope.prefixes, key);
}

/**
 * The key an operation through an access point touches, as the scope sees it: the object key,
 * or a listing's `prefix`. DeleteObjects names its keys in the body: here only its permission
 * counts, and the handler checks each key (a key outside the prefixes is that key's AccessDenied).
 */
export function scopedKeyOf(
  op: OperationName,
  objectKey: string | undefined,
  query: ReadonlyMap<string, string>,
): string | undefined {
  if (op === 'ListObjectsV2' || op === 'ListObjects' || op === 'ListMultipartUploads') {
    return query.get('prefix') ?? '';
  }
  return objectKey;
}

/** Throws AccessDenied unless the access point's scope admits the request. */
export function checkScope(
  accessPoint: AccessPointRecord,
  op: OperationName,
  objectKey: string | undefined,
  query: ReadonlyMap<string, string>,
): void {
  const scope = accessPoint.scope;
  const allowed =
    op === 'DeleteObjects'
      ? scopeAllows(scope && { prefixes: [], permissions: scope.permissions }, op, undefined)
      : scopeAllows(scope, op, scopedKeyOf(op, objectKey, query));
  if (!allowed) {
    throw accessDenied('The request is outside the scope of the access point.');
  }
}
