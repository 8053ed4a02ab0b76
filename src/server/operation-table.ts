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
  { op: 'GetBucketInventoryConfiguration', method: 'GET', target: 'bucket', query: ['inventory', 'id'] },
  { op: 'ListBucketInventoryConfigurations', method: 'GET', target: 'bucket', query: ['inventory'] },
  { op: 'PutBucketInventoryConfiguration', method: 'PUT', target: 'bucket', query: ['inventory'] },
  { op: 'DeleteBucketInventoryConfiguration', method: 'DELETE', target: 'bucket', query: ['inventory'] },
  { op: 'GetBucketMetricsConfiguration', method: 'GET', target: 'bucket', query: ['metrics', 'id'] },
  { op: 'ListBucketMetricsConfigurations', method: 'GET', target: 'bucket', query: ['metrics'] },
  { op: 'PutBucketMetricsConfiguration', method: 'PUT', target: 'bucket', query: ['metrics'] },
  { op: 'DeleteBucketMetricsConfiguration', method: 'DELETE', target: 'bucket', query: ['metrics'] },
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
  'legal-hold',
  'location',
  'logging',
  'metadataConfiguration',
  'metadataTable',
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

/**
 * `GET /` is ListBuckets or ListDirectoryBuckets: on AWS they go to different endpoints
 * (general purpose and Regional), here to one. The JS SDK names it (`x-id`); botocore and the
 * AWS CLI sign ListBuckets for `s3` and ListDirectoryBuckets for `s3express`. A request with
 * neither sign is ListDirectoryBuckets, as before.
 */
function isListBuckets(
  query: ReadonlyMap<string, string>,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): boolean {
  const xId = query.get('x-id');
  if (xId !== undefined) return xId === 'ListBuckets';
  if (query.has('max-directory-buckets')) return false;
  const credential = query.get('X-Amz-Credential') ?? headers['authorization'];
  return typeof credential === 'string' && /\/s3\/aws4_request\b/.test(credential);
}

export function operationFor(
  method: string,
  target: { bucket?: string; key?: string },
  query: ReadonlyMap<string, string>,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): OperationName | undefined {
  for (const name of query.keys()) if (UNSUPPORTED_SUBRESOURCES.has(name)) return 'Unsupported';
  const kind: Target =
    target.bucket === undefined ? 'service' : target.key === undefined ? 'bucket' : 'object';
  if (kind === 'service' && method === 'GET' && isListBuckets(query, headers)) return 'ListBuckets';
  for (const route of ROUTES) {
    if (route.method !== method || route.target !== kind) continue;
    if (route.query && !route.query.every((q) => query.has(q))) continue;
    if (route.header && headers[route.header] === undefined) continue;
    return route.op;
  }
  return undefined;
}

type Methods = Partial<Record<'GET' | 'PUT' | 'POST' | 'DELETE', string>>;

/**
 * The S3 operation a request for an unsupported sub-resource names, by sub-resource, target
 * and method (operation names from the Amazon S3 API Reference, "Actions",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html).
 * A `GET` of a configuration collection without `id` is its List operation.
 */
const UNSUPPORTED_OPERATIONS: Record<string, { bucket?: Methods; object?: Methods; list?: string }> = {
  accelerate: {
    bucket: { GET: 'GetBucketAccelerateConfiguration', PUT: 'PutBucketAccelerateConfiguration' },
  },
  acl: {
    bucket: { GET: 'GetBucketAcl', PUT: 'PutBucketAcl' },
    object: { GET: 'GetObjectAcl', PUT: 'PutObjectAcl' },
  },
  analytics: {
    bucket: {
      GET: 'GetBucketAnalyticsConfiguration',
      PUT: 'PutBucketAnalyticsConfiguration',
      DELETE: 'DeleteBucketAnalyticsConfiguration',
    },
    list: 'ListBucketAnalyticsConfigurations',
  },
  cors: { bucket: { GET: 'GetBucketCors', PUT: 'PutBucketCors', DELETE: 'DeleteBucketCors' } },
  'intelligent-tiering': {
    bucket: {
      GET: 'GetBucketIntelligentTieringConfiguration',
      PUT: 'PutBucketIntelligentTieringConfiguration',
      DELETE: 'DeleteBucketIntelligentTieringConfiguration',
    },
    list: 'ListBucketIntelligentTieringConfigurations',
  },
  'legal-hold': { object: { GET: 'GetObjectLegalHold', PUT: 'PutObjectLegalHold' } },
  location: { bucket: { GET: 'GetBucketLocation' } },
  logging: { bucket: { GET: 'GetBucketLogging', PUT: 'PutBucketLogging' } },
  metadataConfiguration: {
    bucket: {
      GET: 'GetBucketMetadataConfiguration',
      POST: 'CreateBucketMetadataConfiguration',
      DELETE: 'DeleteBucketMetadataConfiguration',
    },
  },
  metadataTable: {
    bucket: {
      GET: 'GetBucketMetadataTableConfiguration',
      POST: 'CreateBucketMetadataTableConfiguration',
      DELETE: 'DeleteBucketMetadataTableConfiguration',
    },
  },
  notification: {
    bucket: { GET: 'GetBucketNotificationConfiguration', PUT: 'PutBucketNotificationConfiguration' },
  },
  'object-lock': {
    bucket: { GET: 'GetObjectLockConfiguration', PUT: 'PutObjectLockConfiguration' },
  },
  ownershipControls: {
    bucket: {
      GET: 'GetBucketOwnershipControls',
      PUT: 'PutBucketOwnershipControls',
      DELETE: 'DeleteBucketOwnershipControls',
    },
  },
  policyStatus: { bucket: { GET: 'GetBucketPolicyStatus' } },
  publicAccessBlock: {
    bucket: { GET: 'GetPublicAccessBlock', PUT: 'PutPublicAccessBlock', DELETE: 'DeletePublicAccessBlock' },
  },
  replication: {
    bucket: { GET: 'GetBucketReplication', PUT: 'PutBucketReplication', DELETE: 'DeleteBucketReplication' },
  },
  requestPayment: { bucket: { GET: 'GetBucketRequestPayment', PUT: 'PutBucketRequestPayment' } },
  restore: { object: { POST: 'RestoreObject' } },
  retention: { object: { GET: 'GetObjectRetention', PUT: 'PutObjectRetention' } },
  select: { object: { POST: 'SelectObjectContent' } },
  tagging: {
    bucket: { GET: 'GetBucketTagging', PUT: 'PutBucketTagging', DELETE: 'DeleteBucketTagging' },
    object: { GET: 'GetObjectTagging', PUT: 'PutObjectTagging', DELETE: 'DeleteObjectTagging' },
  },
  torrent: { object: { GET: 'GetObjectTorrent' } },
  versioning: { bucket: { GET: 'GetBucketVersioning', PUT: 'PutBucketVersioning' } },
  versions: { bucket: { GET: 'ListObjectVersions' } },
  website: { bucket: { GET: 'GetBucketWebsite', PUT: 'PutBucketWebsite', DELETE: 'DeleteBucketWebsite' } },
};

/**
 * What the 501 for an `Unsupported` request names: the S3 operation (`GetBucketVersioning`),
 * or, for a method and target no S3 operation has, the sub-resource (`the ?versioning
 * sub-resource`).
 */
export function unsupportedOperationName(
  method: string,
  target: { bucket?: string; key?: string },
  query: ReadonlyMap<string, string>,
): string {
  const kind = target.bucket === undefined ? undefined : target.key === undefined ? 'bucket' : 'object';
  let first: string | undefined;
  for (const name of query.keys()) {
    if (!UNSUPPORTED_SUBRESOURCES.has(name)) continue;
    first ??= name;
    const entry = UNSUPPORTED_OPERATIONS[name];
    const op = kind === undefined ? undefined : entry?.[kind]?.[method as keyof Methods];
    if (op === undefined) continue;
    return method === 'GET' && entry?.list !== undefined && !query.has('id') ? entry.list : op;
  }
  return `The ?${first ?? ''} sub-resource`;
}

/**
 * A browser-based upload (PostObject: `POST /<bucket>` with a `multipart/form-data` body whose
 * fields carry the policy and signature), which directory buckets do not support ("Directory
 * bucket API operations", https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-APIs.html).
 * Recognised before authentication, since such a request carries no SigV4 header or query
 * signature; it is only ever refused.
 */
export function isBrowserPostUpload(
  method: string,
  target: { bucket?: string; key?: string },
  headers: Readonly<Record<string, string | string[] | undefined>>,
): boolean {
  if (method !== 'POST' || target.bucket === undefined || target.key !== undefined) return false;
  const type = headers['content-type'];
  if (typeof type !== 'string') return false;
  return /^multipart\/form-data\s*(?:;|$)/i.test(type.trim());
}
