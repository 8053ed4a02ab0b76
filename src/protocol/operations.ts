/** The names of S3 operations: what routing returns and authorization, handlers, logs and metrics key on. */

export type OperationName =
  // service
  | 'ListDirectoryBuckets'
  | 'ListBuckets'
  // bucket
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'CreateSession'
  | 'ListObjectsV2'
  | 'ListObjects'
  | 'ListMultipartUploads'
  | 'DeleteObjects'
  | 'PutBucketPolicy'
  | 'GetBucketPolicy'
  | 'DeleteBucketPolicy'
  | 'PutBucketEncryption'
  | 'GetBucketEncryption'
  | 'DeleteBucketEncryption'
  | 'PutBucketLifecycleConfiguration'
  | 'GetBucketLifecycleConfiguration'
  | 'DeleteBucketLifecycle'
  | 'PutBucketInventoryConfiguration'
  | 'GetBucketInventoryConfiguration'
  | 'DeleteBucketInventoryConfiguration'
  | 'ListBucketInventoryConfigurations'
  | 'PutBucketMetricsConfiguration'
  | 'GetBucketMetricsConfiguration'
  | 'DeleteBucketMetricsConfiguration'
  | 'ListBucketMetricsConfigurations'
  // object
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'GetObjectAttributes'
  | 'RenameObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  // anything a directory bucket does not support
  | 'Unsupported';

/**
 * Zonal operations a ReadOnly session may call ("CreateSession",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html).
 */
export const READ_ONLY_OPERATIONS: ReadonlySet<OperationName> = new Set<OperationName>([
  'GetObject',
  'HeadObject',
  'ListObjectsV2',
  'GetObjectAttributes',
  'ListParts',
  'ListMultipartUploads',
  'HeadBucket',
]);
