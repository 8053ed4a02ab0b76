import type { RequestContext } from '../server/request-context.js';
import type { OperationName } from '../server/operation-table.js';
import type { ZonalServices } from '../server/zonal-server.js';
import { createBucket, deleteBucket, headBucket, listDirectoryBuckets } from './buckets.js';
import { listObjectsV2 } from './list-objects.js';
import { abortMultipartUpload, createMultipartUpload } from './multipart.js';
import { deleteObject, getObject, headObject, putObject } from './objects.js';
import { createSession } from './session.js';

export type Handler = (ctx: RequestContext, services: ZonalServices) => void | Promise<void>;

/** Implemented operations. Anything routed but absent here is answered 501 NotImplemented. */
export const HANDLERS: Partial<Record<OperationName, Handler>> = {
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
  CreateMultipartUpload: createMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
};
