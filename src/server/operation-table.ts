/**
 * The operation table: method + addressed resource + sub-resource query/header → operation
 * name. Authorization, handlers, logs and metrics all key on the name it returns.
 */

import type { OperationName } from '../protocol/operations.js';

type Target = 'service' | 'bucket' | 'object';

interface Route {
  op: OperationName;
  method: string;
  target: Target;
  /** Query parameters that must all be present. */
  query?: string[];
  /** A header that must be present. */
  header?: string;
}

/** More specific routes first: the first match wins. */
const ROUTES: Route[] = [
  { op: 'ListDirectoryBuckets', method: 'GET', target: 'service' },

  { op: 'CreateSession', method: 'GET', target: 'bucket', query: ['session'] },
  { op: 'ListObjectsV2', method: 'GET', target: 'bucket', query: ['list-type'] },
  { op: 'ListMultipartUploads', method: 'GET', target: 'bucket', query: ['uploads'] },
  { op: 'GetBucketPolicy', method: 'GET', target: 'bucket', query: ['policy'] },
  { op: 'PutBucketPolicy', method: 'PUT', target: 'bucket', query: ['policy'] },
  { op: 'DeleteBucketPolicy', method: 'DELETE', target: 'bucket', query: ['policy'] },
  { op: 'GetBucketEncryption', method: 'GET', target: 'bucket', query: ['encryption'] },
  { op: 'PutBucketEncryption', method: 'PUT', target: 'bucket', query: ['encryption'] },
  { op: 'DeleteBucketEncryption', method: 'DELETE', target: 'bucket', query: ['encryption'] },
  { op: 'GetBucketLifecycleConfiguration', method: 'GET', target: 'bucket', query: ['lifecycle'] },
  { op: 'PutBucketLifecycleConfiguration', method: 'PUT', target: 'bucket', query: ['lifecycle'] },
  { op: 'DeleteBucketLifecycle', method: 'DELETE', target: 'bucket', query: ['lifecycle'] },
  { op: 'DeleteObjects', method: 'POST', target: 'bucket', query: ['delete'] },
  { op: 'ListObjects', method: 'GET', target: 'bucket' },
  { op: 'HeadBucket', method: 'HEAD', target: 'bucket' },
  { op: 'CreateBucket', method: 'PUT', target: 'bucket' },
  { op: 'DeleteBucket', method: 'DELETE', target: 'bucket' },

  {
    op: 'UploadPartCopy',
    method: 'PUT',
    target: 'object',
    query: ['partNumber', 'uploadId'],
    header: 'x-amz-copy-source',
  },
  { op: 'UploadPart', method: 'PUT', target: 'object', query: ['partNumber', 'uploadId'] },
  { op: 'RenameObject', method: 'PUT', target: 'object', query: ['renameObject'] },
  { op: 'CopyObject', method: 'PUT', target: 'object', header: 'x-amz-copy-source' },
  { op: 'PutObject', method: 'PUT', target: 'object' },
  { op: 'CreateMultipartUpload', method: 'POST', target: 'object', query: ['uploads'] },
  { op: 'CompleteMultipartUpload', method: 'POST', target: 'object', query: ['uploadId'] },
  { op: 'AbortMultipartUpload', method: 'DELETE', target: 'object', query: ['uploadId'] },
  { op: 'ListParts', method: 'GET', target: 'object', query: ['uploadId'] },
  { op: 'GetObjectAttributes', method: 'GET', target: 'object', query: ['attributes'] },
  { op: 'GetObject', method: 'GET', target: 'object' },
  { op: 'HeadObject', method: 'HEAD', target: 'object' },
  { op: 'DeleteObject', method: 'DELETE', target: 'object' },
];

/**
 * Sub-resources of general purpose buckets and objects that directory buckets do not have
 * ("Directory bucket API operations",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-APIs.html): any request
 * naming one is answered 501 NotImplemented (docs/COMPATIBILITY.md).
 */
const UNSUPPORTED_SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'location',
  'logging',
  'metadataConfiguration',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'versioning',
  'versions',
  'website',
]);

export function operationFor(
  method: string,
  target: { bucket?: string; key?: string },
  query: ReadonlyMap<string, string>,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): OperationName | undefined {
  for (const name of query.keys()) if (UNSUPPORTED_SUBRESOURCES.has(name)) return 'Unsupported';
  const kind: Target =
    target.bucket === undefined ? 'service' : target.key === undefined ? 'bucket' : 'object';
  if (kind === 'service' && query.get('x-id') === 'ListBuckets') return 'ListBuckets';
  for (const route of ROUTES) {
    if (route.method !== method || route.target !== kind) continue;
    if (route.query && !route.query.every((q) => query.has(q))) continue;
    if (route.header && headers[route.header] === undefined) continue;
    return route.op;
  }
  return undefined;
}
