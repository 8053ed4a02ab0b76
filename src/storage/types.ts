/**
 * The storage contract: what operation handlers may ask of a backend. It knows nothing
 * about HTTP, signatures or XML; names are S3's, values are plain data.
 */

export type LocationType = 'AvailabilityZone' | 'LocalZone';

export interface BucketRecord {
  name: string;
  /** Zone id parsed from the name, e.g. `usw2-az1`. */
  zoneId: string;
  locationType: LocationType;
  region: string;
  /** Owning account id (12 digits). */
  ownerAccountId: string;
  createdAt: Date;
}

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

/** Checksums of the whole object, base64 of the big-endian digest, keyed by algorithm. */
export interface ObjectChecksums {
  crc32?: string;
  crc32c?: string;
  crc64nvme?: string;
  sha1?: string;
  sha256?: string;
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
  checksums: ObjectChecksums;
  /** Id of the blob holding the bytes. Never derived from the key. */
  blobId: string;
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

export interface ListObjectsPage {
  objects: ObjectRecord[];
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
