import type { RequestContext } from '../http/request-context.js';
import type { OperationName } from '../protocol/operations.js';
import type { ZonalServices } from './services.js';
import { deleteBucketEncryption, getBucketEncryption, putBucketEncryption } from './bucket-encryption.js';
import { deleteBucketPolicy, getBucketPolicy, putBucketPolicy } from './bucket-policy.js';
import { createBucket, deleteBucket, headBucket, listBuckets, listDirectoryBuckets } from './buckets.js';
import { copyObject } from './copy-object.js';
import { deleteObjects } from './delete-objects.js';
import { listObjectsV2 } from './list-objects.js';
import { completeMultipartUpload } from './complete-multipart.js';
import { listMultipartUploads, listParts } from './list-multipart.js';
import { abortMultipartUpload, createMultipartUpload } from './multipart.js';
import { uploadPart, uploadPartCopy } from './upload-part.js';
import { getObjectAttributes } from './object-attributes.js';
import { deleteObject, getObject, headObject, putObject } from './objects.js';
import { renameObject } from './rename-object.js';
import {
  deleteBucketInventoryConfiguration,
  getBucketInventoryConfiguration,
  listBucketInventoryConfigurations,
  putBucketInventoryConfiguration,
} from './inventory.js';
import {
  deleteBucketMetricsConfiguration,
  getBucketMetricsConfiguration,
  listBucketMetricsConfigurations,
  putBucketMetricsConfiguration,
} from './metrics-configurations.js';
import {
  deleteBucketLifecycle,
  getBucketLifecycleConfiguration,
  putBucketLifecycleConfiguration,
} from './lifecycle.js';
import { createSession } from './session.js';

export type Handler = (ctx: RequestContext, services: ZonalServices) => void | Promise<void>;

/** Implemented operations. Anything routed but absent here is answered 501 NotImplemented. */
export const HANDLERS: Partial<Record<OperationName, Handler>> = {
  ListBuckets: listBuckets,
  ListDirectoryBuckets: listDirectoryBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  CreateSession: createSession,
  ListObjectsV2: listObjectsV2,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
  CopyObject: copyObject,
  DeleteObjects: deleteObjects,
  GetObjectAttributes: getObjectAttributes,
  RenameObject: renameObject,
  CreateMultipartUpload: createMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  PutBucketEncryption: putBucketEncryption,
  GetBucketEncryption: getBucketEncryption,
  DeleteBucketEncryption: deleteBucketEncryption,
  PutBucketPolicy: putBucketPolicy,
  GetBucketPolicy: getBucketPolicy,
  DeleteBucketPolicy: deleteBucketPolicy,
  PutBucketLifecycleConfiguration: putBucketLifecycleConfiguration,
  GetBucketLifecycleConfiguration: getBucketLifecycleConfiguration,
  DeleteBucketLifecycle: deleteBucketLifecycle,
  PutBucketMetricsConfiguration: putBucketMetricsConfiguration,
  GetBucketMetricsConfiguration: getBucketMetricsConfiguration,
  DeleteBucketMetricsConfiguration: deleteBucketMetricsConfiguration,
  ListBucketMetricsConfigurations: listBucketMetricsConfigurations,
  PutBucketInventoryConfiguration: putBucketInventoryConfiguration,
  GetBucketInventoryConfiguration: getBucketInventoryConfiguration,
  DeleteBucketInventoryConfiguration: deleteBucketInventoryConfiguration,
  ListBucketInventoryConfigurations: listBucketInventoryConfigurations,
};
