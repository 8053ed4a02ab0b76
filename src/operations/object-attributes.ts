import { CHECKSUM_API_NAME, type ChecksumAlgorithm } from '../protocol/checksums.js';
import { unquote } from '../protocol/conditional.js';
import { S3_XMLNS } from '../protocol/xml.js';
import { header, type RequestContext } from '../http/request-context.js';
import { sendXml } from '../http/respond.js';
import { invalidArgument, noSuchKey, notImplemented } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { ObjectChecksums, ObjectRecord } from '../storage/types.js';
import { existingBucket } from './lookups.js';
import { STORAGE_CLASS } from './object-headers.js';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
type Attribute = (typeof ATTRIBUTES)[number];

const MAX_PARTS = 1000;

function requestedAttributes(ctx: RequestContext): Set<Attribute> {
  const raw = header(ctx, 'x-amz-object-attributes');
  const names = (raw ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0) {
    throw invalidArgument(
      'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty',
      'x-amz-object-attributes',
      raw ?? '',
    );
  }
  for (const name of names) {
    if (!(ATTRIBUTES as readonly string[]).includes(name)) {
      throw invalidArgument('Invalid attribute name specified.', 'x-amz-object-attributes', name);
    }
  }
  return new Set(names as Attribute[]);
}

/** A non-negative integer header, or its default. */
function integerHeader(ctx: RequestContext, name: string, fallback: number): number {
  const raw = header(ctx, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw.trim())) {
    throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, raw);
  }
  return Number(raw.trim());
}

/** `ChecksumCRC32` etc. for each checksum present. */
function checksumElements(checksums: ObjectChecksums | undefined, suffix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [alg, value] of Object.entries(checksums ?? {}) as [ChecksumAlgorithm, string | undefined][]) {
    if (value !== undefined) out[`Checksum${CHECKSUM_API_NAME[alg]}`] = value + suffix;
  }
  return out;
}

/** The object checksum as S3 shows it: a composite one carries `-<part count>`. */
function objectChecksum(record: ObjectRecord): Record<string, string> {
  const composite = record.checksumType === 'COMPOSITE';
  const values = Object.values(record.checksums).filter((v) => v !== undefined);
  const suffix = composite && !values.some((v) => v.includes('-')) ? `-${record.segments.length}` : '';
  const elements = checksumElements(record.checksums, suffix);
  if (Object.keys(elements).length === 0) return {};
  return { ...elements, ChecksumType: record.checksumType };
}

function objectParts(record: ObjectRecord, maxParts: number, marker: number): Record<string, unknown> {
  const parts = record.segments
    .map((segment, i) => ({ segment, partNumber: i + 1 }))
    .filter((p) => p.partNumber > marker);
  const page = parts.slice(0, maxParts);
  const isTruncated = parts.length > page.length;
  const last = page[page.length - 1];
  const result: Record<string, unknown> = {
    PartsCount: record.segments.length,
    PartNumberMarker: marker,
  };
  if (last) result['NextPartNumberMarker'] = last.partNumber;
  result['MaxParts'] = maxParts;
  result['IsTruncated'] = isTruncated;
  result['Part'] = page.map((p) => ({
    PartNumber: p.partNumber,
    Size: p.segment.size,
    ...checksumElements(p.segment.checksums),
  }));
  return result;
}

/**
 * GetObjectAttributes: `GET /key?attributes`. Only the attributes named in
 * `x-amz-object-attributes` are returned; the ETag is unquoted in this API.
 */
export async function getObjectAttributes(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  for (const name of Object.keys(ctx.req.headers)) {
    if (name.startsWith('x-amz-server-side-encryption-customer-')) {
      throw notImplemented('SSE-C is not supported for directory buckets.');
    }
  }
  if (ctx.req.headers['x-amz-request-payer'] !== undefined) {
    throw notImplemented('Requester Pays is not supported for directory buckets.');
  }
  const versionId = ctx.query.get('versionId');
  if (versionId !== undefined && versionId !== 'null') {
    throw invalidArgument('Invalid version id specified', 'versionId', versionId);
  }
  const attributes = requestedAttributes(ctx);
  const maxParts = Math.min(integerHeader(ctx, 'x-amz-max-parts', MAX_PARTS), MAX_PARTS);
  const marker = integerHeader(ctx, 'x-amz-part-number-marker', 0);
  const record = await services.store.getObject(bucket.name, ctx.target.key!);
  if (!record) throw noSuchKey(ctx.target.key!);

  const body: Record<string, unknown> = { '@_xmlns': S3_XMLNS };
  if (attributes.has('ETag')) body['ETag'] = unquote(record.etag);
  if (attributes.has('Checksum')) {
    const checksum = objectChecksum(record);
    if (Object.keys(checksum).length > 0) body['Checksum'] = checksum;
  }
  if (attributes.has('ObjectParts') && record.multipart) {
    body['ObjectParts'] = objectParts(record, maxParts, marker);
  }
  if (attributes.has('StorageClass')) body['StorageClass'] = STORAGE_CLASS;
  if (attributes.has('ObjectSize')) body['ObjectSize'] = record.size;
  ctx.res.setHeader('Last-Modified', record.lastModified.toUTCString());
  sendXml(ctx, 200, { GetObjectAttributesResponse: body });
}
