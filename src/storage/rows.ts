/**
 * Storage records as table rows, for the metadata stores (SQLite and PostgreSQL): JSON text
 * for structured fields, milliseconds for times, short keys for segments. A key is a string
 * here; a store that keeps keys as bytes converts at its edge.
 */
import type {
  AccessPointRecord,
  AccessPointScope,
  ResourceTag,
  BucketRecord,
  ChecksumType,
  ContentHeaders,
  LocationType,
  ObjectChecksums,
  ObjectRecord,
  ObjectSummary,
  PartRecord,
  Segment,
  ServerSideEncryption,
  UploadRecord,
} from './types.js';

export interface BucketRow {
  name: string;
  zone_id: string;
  location_type: string;
  region: string;
  owner_account_id: string;
  created_at: number;
  policy: string | null;
  encryption: string | null;
  incarnation: string;
  lifecycle: string | null;
  inventory: string | null;
  metrics: string | null;
  tags: string | null;
}

export interface AccessPointRow {
  name: string;
  bucket: string;
  bucket_incarnation: string;
  bucket_owner_account_id: string;
  owner_account_id: string;
  region: string;
  zone_id: string;
  created_at: number;
  policy: string | null;
  scope: string | null;
  tags: string | null;
}

/** An object row without its segments: what listings read. */
export interface ObjectSummaryRow {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  last_modified: number;
  content: string;
  metadata: string;
  checksums: string;
  checksum_type: string;
  multipart: number;
  encryption: string;
  upload_id: string | null;
}

export interface ObjectRow extends ObjectSummaryRow {
  segments: string;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  content: string;
  metadata: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  encryption: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  blob_id: string;
  size: number;
  etag: string;
  checksums: string;
  last_modified: number;
  inline: number;
}

export interface ClientTokenRow {
  bucket: string;
  token: string;
  fingerprint: string;
  created_at: number;
}

// --- row <-> record mapping -------------------------------------------------------------

export function bucketToRow(b: BucketRecord): BucketRow {
  return {
    name: b.name,
    zone_id: b.zoneId,
    location_type: b.locationType,
    region: b.region,
    owner_account_id: b.ownerAccountId,
    created_at: b.createdAt.getTime(),
    policy: b.policy ?? null,
    encryption: b.encryption === undefined ? null : JSON.stringify(b.encryption),
    incarnation: b.incarnation,
    lifecycle: b.lifecycle ?? null,
    inventory: b.inventory ?? null,
    metrics: b.metrics ?? null,
    tags: tagsToColumn(b.tags),
  };
}

/** Tags as stored: NULL for none. */
export function tagsToColumn(tags: readonly ResourceTag[] | undefined): string | null {
  return tags === undefined || tags.length === 0 ? null : JSON.stringify(tags);
}

export function accessPointToRow(a: AccessPointRecord): AccessPointRow {
  return {
    name: a.name,
    bucket: a.bucket,
    bucket_incarnation: a.bucketIncarnation,
    bucket_owner_account_id: a.bucketOwnerAccountId,
    owner_account_id: a.ownerAccountId,
    region: a.region,
    zone_id: a.zoneId,
    created_at: a.createdAt.getTime(),
    policy: a.policy ?? null,
    scope: a.scope === undefined ? null : JSON.stringify(a.scope),
    tags: tagsToColumn(a.tags),
  };
}

export function rowToAccessPoint(r: AccessPointRow): AccessPointRecord {
  return {
    name: r.name,
    bucket: r.bucket,
    bucketIncarnation: r.bucket_incarnation,
    bucketOwnerAccountId: r.bucket_owner_account_id,
    ownerAccountId: r.owner_account_id,
    region: r.region,
    zoneId: r.zone_id,
    createdAt: new Date(r.created_at),
    ...(r.policy === null ? {} : { policy: r.policy }),
    ...(r.scope === null ? {} : { scope: JSON.parse(r.scope) as AccessPointScope }),
    ...(r.tags === null ? {} : { tags: JSON.parse(r.tags) as ResourceTag[] }),
  };
}

export function rowToBucket(r: BucketRow): BucketRecord {
  return {
    name: r.name,
    zoneId: r.zone_id,
    locationType: r.location_type as LocationType,
    region: r.region,
    ownerAccountId: r.owner_account_id,
    createdAt: new Date(r.created_at),
    incarnation: r.incarnation,
    ...(r.policy === null ? {} : { policy: r.policy }),
    ...(r.encryption === null ? {} : { encryption: JSON.parse(r.encryption) as ServerSideEncryption }),
    ...(r.lifecycle === null ? {} : { lifecycle: r.lifecycle }),
    ...(r.inventory === null ? {} : { inventory: r.inventory }),
    ...(r.metrics === null ? {} : { metrics: r.metrics }),
    ...(r.tags === null ? {} : { tags: JSON.parse(r.tags) as ResourceTag[] }),
  };
}

/** A segment as stored: short keys, since a 10,000-part object stores 10,000 of them. */
interface StoredSegment {
  b: string;
  s: number;
  e?: string;
  c?: ObjectChecksums;
  /** 1: inline. */
  i?: 1;
}

function segmentToStored(g: Segment): StoredSegment {
  const stored: StoredSegment = { b: g.blobId, s: g.size };
  if (g.etag !== undefined) stored.e = g.etag;
  if (g.checksums !== undefined) stored.c = g.checksums;
  if (g.inline) stored.i = 1;
  return stored;
}

function storedToSegment(stored: StoredSegment): Segment {
  const g: Segment = { blobId: stored.b, size: stored.s };
  if (stored.e !== undefined) g.etag = stored.e;
  if (stored.c !== undefined) g.checksums = stored.c;
  if (stored.i === 1) g.inline = true;
  return g;
}

export function objectToRow(o: ObjectRecord): ObjectRow {
  return {
    bucket: o.bucket,
    key: o.key,
    size: o.size,
    etag: o.etag,
    last_modified: o.lastModified.getTime(),
    content: JSON.stringify(o.content),
    metadata: JSON.stringify(o.metadata),
    checksums: JSON.stringify(o.checksums),
    checksum_type: o.checksumType,
    multipart: o.multipart ? 1 : 0,
    encryption: JSON.stringify(o.encryption),
    upload_id: o.uploadId ?? null,
    segments: JSON.stringify(o.segments.map(segmentToStored)),
  };
}

export function rowToSummary(r: ObjectSummaryRow): ObjectSummary {
  return {
    bucket: r.bucket,
    key: r.key,
    size: r.size,
    etag: r.etag,
    lastModified: new Date(r.last_modified),
    content: JSON.parse(r.content) as ContentHeaders,
    metadata: JSON.parse(r.metadata) as Record<string, string>,
    checksums: JSON.parse(r.checksums) as ObjectChecksums,
    checksumType: r.checksum_type as ChecksumType,
    multipart: r.multipart !== 0,
    encryption: JSON.parse(r.encryption) as ServerSideEncryption,
    ...(r.upload_id === null ? {} : { uploadId: r.upload_id }),
  };
}

/** The segments of an object row, without parsing the rest (a write only needs what it frees). */
export function rowSegments(r: ObjectRow): Segment[] {
  return (JSON.parse(r.segments) as StoredSegment[]).map(storedToSegment);
}

export function rowToObject(r: ObjectRow): ObjectRecord {
  return { ...rowToSummary(r), segments: rowSegments(r) };
}

export function uploadToRow(u: UploadRecord): UploadRow {
  return {
    upload_id: u.uploadId,
    bucket: u.bucket,
    key: u.key,
    initiated: u.initiated.getTime(),
    content: JSON.stringify(u.content),
    metadata: JSON.stringify(u.metadata),
    checksum_algorithm: u.checksumAlgorithm ?? null,
    checksum_type: u.checksumType ?? null,
    encryption: JSON.stringify(u.encryption),
  };
}

export function rowToUpload(r: UploadRow): UploadRecord {
  const upload: UploadRecord = {
    uploadId: r.upload_id,
    bucket: r.bucket,
    key: r.key,
    initiated: new Date(r.initiated),
    content: JSON.parse(r.content) as ContentHeaders,
    metadata: JSON.parse(r.metadata) as Record<string, string>,
    encryption: JSON.parse(r.encryption) as ServerSideEncryption,
  };
  if (r.checksum_algorithm !== null) upload.checksumAlgorithm = r.checksum_algorithm as keyof ObjectChecksums;
  if (r.checksum_type !== null) upload.checksumType = r.checksum_type as ChecksumType;
  return upload;
}

export function partToRow(p: PartRecord): PartRow {
  return {
    upload_id: p.uploadId,
    part_number: p.partNumber,
    blob_id: p.blobId,
    size: p.size,
    etag: p.etag,
    checksums: JSON.stringify(p.checksums),
    last_modified: p.lastModified.getTime(),
    inline: p.inline ? 1 : 0,
  };
}

export function rowToPart(r: PartRow): PartRecord {
  const part: PartRecord = {
    uploadId: r.upload_id,
    partNumber: r.part_number,
    blobId: r.blob_id,
    size: r.size,
    etag: r.etag,
    checksums: JSON.parse(r.checksums) as ObjectChecksums,
    lastModified: new Date(r.last_modified),
  };
  if (r.inline === 1) part.inline = true;
  return part;
}
