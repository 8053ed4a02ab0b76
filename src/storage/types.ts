/**
 * The storage contract: what operation handlers may ask of a backend. It knows nothing
 * about HTTP, signatures or XML; names are S3's, values are plain data.
 */
import type { ChecksumType, ObjectChecksums } from '../protocol/checksums.js';
import type { LocationType } from '../protocol/bucket-names.js';
import type { ServerSideEncryption } from '../protocol/encryption.js';

export type { ChecksumType, ObjectChecksums } from '../protocol/checksums.js';
export type { LocationType } from '../protocol/bucket-names.js';
export type { ServerSideEncryption } from '../protocol/encryption.js';

export interface BucketRecord {
  name: string;
  /** Zone id parsed from the name, e.g. `usw2-az1`. */
  zoneId: string;
  locationType: LocationType;
  region: string;
  /** Owning account id (12 digits). */
  ownerAccountId: string;
  createdAt: Date;
  /**
   * Random id given at CreateBucket: a bucket deleted and created again under the same name is
   * a new incarnation, and sessions of the old one do not reach it (docs/SECURITY.md).
   */
  incarnation: string;
  /** Bucket policy JSON as stored (validated by the access layer), if any. */
  policy?: string;
  /** Default encryption (PutBucketEncryption; bucket keys are always on); absent means SSE-S3. */
  encryption?: ServerSideEncryption;
  /**
   * Bucket configurations as the operations layer stored them (opaque JSON to the store):
   * the lifecycle configuration, the inventory configurations and the metrics configurations.
   */
  lifecycle?: string;
  inventory?: string;
  metrics?: string;
  /** Resource tags (CreateBucketConfiguration, S3 Control TagResource); absent means none. */
  tags?: ResourceTag[];
}

/** A resource tag (S3 Control `Tag`): at most 50 per resource, keys unique. */
export interface ResourceTag {
  key: string;
  value: string;
}

/**
 * An access point's scope ("Manage the scope of your access points for directory buckets"):
 * key prefixes and S3 Control `ScopePermission` names; an empty list restricts nothing.
 */
export interface AccessPointScope {
  prefixes: string[];
  permissions: string[];
}

/** An access point for a directory bucket (`<name>--<zone-id>--xa-s3`), bound to one bucket. */
export interface AccessPointRecord {
  name: string;
  /** The bucket it is attached to, and that bucket's incarnation and owner at creation. */
  bucket: string;
  bucketIncarnation: string;
  bucketOwnerAccountId: string;
  /** The account that owns the access point. */
  ownerAccountId: string;
  region: string;
  zoneId: string;
  createdAt: Date;
  policy?: string;
  scope?: AccessPointScope;
  tags?: ResourceTag[];
}

/** What `updateAccessPoint` changes: each field present replaces (null removes). */
export interface AccessPointChange {
  policy?: string | null;
  scope?: AccessPointScope | null;
  tags?: ResourceTag[];
}

export interface AccessPointListPage {
  accessPoints: AccessPointRecord[];
  /** Name of the last access point returned, set when more remain. */
  lastReturned?: string;
}

/** The bucket configurations `updateBucketConfiguration` keeps (fields of BucketRecord). */
export type BucketConfigurationKind = 'lifecycle' | 'inventory' | 'metrics';

/** Content headers stored with an object and returned on GET/HEAD. */
export interface ContentHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  /** The raw `Expires` header value as the client sent it. */
  expires?: string;
}

/**
 * A run of an object's bytes held in one blob (a file, or inline in the metadata). A simple PUT has one segment; a completed
 * multipart upload has one per part; each append adds one. A blob belongs to one segment.
 */
export interface Segment {
  /** Id of the blob holding the bytes. Never derived from the key. */
  blobId: string;
  size: number;
  /** For multipart parts: the part's ETag (quoted). */
  etag?: string;
  /** For multipart parts and appends: the checksum of this segment's bytes. */
  checksums?: ObjectChecksums;
  /** The bytes are inline in the metadata store, not in the blob store. */
  inline?: true;
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  size: number;
  /** Quoted, opaque ETag, e.g. `"5f0c…"`. */
  etag: string;
  lastModified: Date;
  content: ContentHeaders;
  /** User metadata, names lower-cased without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  /** The object's checksum (one algorithm); for COMPOSITE, the checksum of part checksums. */
  checksums: ObjectChecksums;
  checksumType: ChecksumType;
  /** True for objects made by CompleteMultipartUpload (they expose parts). */
  multipart: boolean;
  /** Server-side encryption the object was written with. */
  encryption: ServerSideEncryption;
  /** The bytes, in order. Sizes add up to `size`; empty objects have no segments. */
  segments: Segment[];
  /**
   * The upload CompleteMultipartUpload made this object from, so a repeated completion (a
   * retry whose answer was lost) can be answered as the first was. Any write that replaces or
   * changes the object drops it; a rename keeps it (the object is the same).
   */
  uploadId?: string;
}

/** What a writer knows before the bytes arrive. */
export interface NewObject {
  bucket: string;
  key: string;
  content: ContentHeaders;
  metadata: Record<string, string>;
}

/**
 * Precondition checked atomically with the commit of a write, against the object that is
 * current at commit time. Throws `PreconditionFailed` (412) when it does not hold.
 */
export interface WriteCondition {
  /** `If-None-Match: *`: the key must not exist. */
  ifNoneMatchStar?: boolean;
  /** `If-Match`: the current ETag must equal this (quoted or not). */
  ifMatch?: string;
}

export interface ListObjectsQuery {
  bucket: string;
  prefix: string;
  /** Only `/` or undefined. */
  delimiter?: string;
  /** Return entries strictly after this key or common prefix. */
  after?: string;
  maxKeys: number;
}

/** An object as listings show it: everything but its segments (not read for listings). */
export type ObjectSummary = Omit<ObjectRecord, 'segments'>;

export interface ListObjectsPage {
  objects: ObjectSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned; resume after it. Set when truncated. */
  lastReturned?: string;
}

export interface BucketListPage {
  buckets: BucketRecord[];
  /** Name of the last bucket returned, set when more remain. */
  lastReturned?: string;
}

/** A multipart upload in progress. */
export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  content: ContentHeaders;
  metadata: Record<string, string>;
  /** `x-amz-checksum-algorithm` of CreateMultipartUpload, lower-case key of ObjectChecksums. */
  checksumAlgorithm?: keyof ObjectChecksums;
  /** `x-amz-checksum-type` of CreateMultipartUpload. */
  checksumType?: ChecksumType;
  encryption: ServerSideEncryption;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  blobId: string;
  size: number;
  /** Quoted ETag. */
  etag: string;
  checksums: ObjectChecksums;
  lastModified: Date;
  /** The bytes are inline in the metadata store, not in the blob store. */
  inline?: true;
}

export interface PartListPage {
  parts: PartRecord[];
  isTruncated: boolean;
  /** Part number of the last part returned, set when truncated. */
  nextPartNumberMarker?: number;
}

export interface ListUploadsQuery {
  bucket: string;
  prefix: string;
  delimiter?: string;
  /** Opaque position returned as `lastReturned` by the previous page. */
  after?: string;
  maxUploads: number;
}

export interface UploadListPage {
  uploads: UploadRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Opaque position to resume after (encodes key and upload id, or a common prefix). */
  lastReturned?: string;
}
