/**
 * Put/Get/Delete/ListBucketInventoryConfiguration(s) ("PutBucketInventoryConfiguration",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketInventoryConfiguration.html).
 * The reports themselves are written by inventory-runner.ts.
 *
 * Validation follows the model: Id, IsEnabled, Destination (bucket ARN, Format), Schedule
 * (Daily or Weekly) and IncludedObjectVersions are required; the optional fields directory
 * buckets support are "Size | LastModifiedDate | StorageClass | ETag | IsMultipartUploaded |
 * EncryptionStatus | BucketKeyStatus | ChecksumAlgorithm | LifecycleExpirationDate", and any
 * other "Throws MalformedXML error". Zonal's own limits: reports are CSV only (ORC and Parquet
 * → 501 NotImplemented), and a directory bucket has no versions, so IncludedObjectVersions
 * must be Current (All → 400 InvalidArgument).
 */
import { malformedXml, parseXml, S3_XMLNS } from '../protocol/xml.js';
import { parseDirectoryBucketName } from '../protocol/bucket-names.js';
import { readSmallBody } from '../http/request-body.js';
import type { RequestContext } from '../http/request-context.js';
import { sendEmpty, sendXml } from '../http/respond.js';
import { invalidArgument, notImplemented } from '../errors/s3-error.js';
import {
  checkBodyId,
  configurationId,
  deleteFromSet,
  findInSet,
  isNode,
  list,
  listPage,
  node,
  onlyElements,
  putInSet,
  text,
} from './configuration-sets.js';
import { existingBucket } from './lookups.js';
import type { ZonalServices } from './services.js';

const MAX_BODY_BYTES = 64 * 1024;

/** In the order the report's columns follow (after Bucket and Key). */
export const INVENTORY_OPTIONAL_FIELDS = [
  'Size',
  'LastModifiedDate',
  'StorageClass',
  'ETag',
  'IsMultipartUploaded',
  'EncryptionStatus',
  'BucketKeyStatus',
  'ChecksumAlgorithm',
  'LifecycleExpirationDate',
] as const;
export type InventoryField = (typeof INVENTORY_OPTIONAL_FIELDS)[number];

export interface InventoryDestination {
  /** As given: `arn:aws:s3:::<name>` or `arn:aws:s3express:<region>:<account>:bucket/<name>`. */
  bucketArn: string;
  /** The destination bucket's name (from the ARN). */
  bucket: string;
  accountId?: string;
  format: 'CSV';
  prefix?: string;
  encryption?: { kind: 'SSE-S3' } | { kind: 'SSE-KMS'; keyId: string };
}

/** One inventory configuration as stored (JSON in BucketRecord.inventory). */
export interface InventoryConfiguration {
  id: string;
  enabled: boolean;
  destination: InventoryDestination;
  filterPrefix?: string;
  includedObjectVersions: 'Current';
  optionalFields: InventoryField[];
  frequency: 'Daily' | 'Weekly';
  /** When the last report was written (ms, S3 clock); kept across a Put of the same id. */
  lastRunAt?: number;
}

function destinationBucketName(arn: string): string | undefined {
  const m =
    /^arn:aws:s3:::([^/:]+)$/.exec(arn) ?? /^arn:aws:s3express:[a-z0-9-]+:\d{12}:bucket\/([^/:]+)$/.exec(arn);
  if (!m || parseDirectoryBucketName(m[1]!) === undefined) return undefined;
  return m[1];
}

function parseDestination(root: Record<string, unknown>): InventoryDestination {
  const destination = node(root, 'Destination');
  onlyElements(destination, ['S3BucketDestination']);
  const s3 = node(destination, 'S3BucketDestination');
  onlyElements(s3, ['AccountId', 'Bucket', 'Format', 'Prefix', 'Encryption']);
  const bucketArn = text(s3, 'Bucket');
  if (bucketArn === undefined) throw malformedXml();
  const bucket = destinationBucketName(bucketArn);
  if (bucket === undefined) {
    throw invalidArgument('The destination must be the ARN of a directory bucket.', 'Bucket', bucketArn);
  }
  const format = text(s3, 'Format');
  if (format !== 'CSV' && format !== 'ORC' && format !== 'Parquet') throw malformedXml();
  if (format !== 'CSV') throw notImplemented(`Zonal writes CSV inventory reports only, not ${format}.`);
  const accountId = text(s3, 'AccountId');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) {
    throw invalidArgument('AccountId must be a 12-digit account id.', 'AccountId', accountId);
  }
  const prefix = text(s3, 'Prefix');
  const result: InventoryDestination = {
    bucketArn,
    bucket,
    format,
    ...(accountId === undefined ? {} : { accountId }),
    ...(prefix === undefined || prefix === '' ? {} : { prefix }),
  };
  const encryption = s3.Encryption;
  if (encryption !== undefined) {
    if (!isNode(encryption)) throw malformedXml();
    onlyElements(encryption, ['SSE-S3', 'SSE-KMS']);
    const kinds = Object.keys(encryption);
    if (kinds.length !== 1) throw malformedXml();
    if (kinds[0] === 'SSE-S3') result.encryption = { kind: 'SSE-S3' };
    else {
      const kms = node(encryption, 'SSE-KMS');
      const keyId = text(kms, 'KeyId');
      if (keyId === undefined || keyId === '') throw malformedXml();
      result.encryption = { kind: 'SSE-KMS', keyId };
    }
  }
  return result;
}

export function parseInventoryConfiguration(ctx: RequestContext, xml: string): InventoryConfiguration {
  const root = parseXml(xml).InventoryConfiguration;
  if (!isNode(root)) throw malformedXml();
  onlyElements(root, [
    'Id',
    'IsEnabled',
    'Destination',
    'Filter',
    'IncludedObjectVersions',
    'OptionalFields',
    'Schedule',
  ]);
  const id = checkBodyId(ctx, text(root, 'Id'));
  const enabled = text(root, 'IsEnabled');
  if (enabled !== 'true' && enabled !== 'false') throw malformedXml();
  const destination = parseDestination(root);
  const versions = text(root, 'IncludedObjectVersions');
  if (versions !== 'All' && versions !== 'Current') throw malformedXml();
  if (versions === 'All') {
    throw invalidArgument(
      'Directory buckets have no object versions: IncludedObjectVersions must be Current.',
      'IncludedObjectVersions',
      versions,
    );
  }
  const schedule = node(root, 'Schedule');
  onlyElements(schedule, ['Frequency']);
  const frequency = text(schedule, 'Frequency');
  if (frequency !== 'Daily' && frequency !== 'Weekly') throw malformedXml();
  let filterPrefix: string | undefined;
  if (root.Filter !== undefined && root.Filter !== '') {
    const filter = node(root, 'Filter');
    onlyElements(filter, ['Prefix']);
    filterPrefix = text(filter, 'Prefix');
  }
  const optionalFields: InventoryField[] = [];
  if (root.OptionalFields !== undefined && root.OptionalFields !== '') {
    const fields = node(root, 'OptionalFields');
    onlyElements(fields, ['Field']);
    for (const field of list(fields.Field)) {
      if (typeof field !== 'string' || !(INVENTORY_OPTIONAL_FIELDS as readonly string[]).includes(field)) {
        throw malformedXml();
      }
      if (!optionalFields.includes(field as InventoryField)) optionalFields.push(field as InventoryField);
    }
  }
  return {
    id,
    enabled: enabled === 'true',
    destination,
    ...(filterPrefix === undefined || filterPrefix === '' ? {} : { filterPrefix }),
    includedObjectVersions: 'Current',
    optionalFields,
    frequency,
  };
}

export function renderInventoryConfiguration(c: InventoryConfiguration): Record<string, unknown> {
  const d = c.destination;
  return {
    Destination: {
      S3BucketDestination: {
        ...(d.accountId === undefined ? {} : { AccountId: d.accountId }),
        Bucket: d.bucketArn,
        Format: d.format,
        ...(d.prefix === undefined ? {} : { Prefix: d.prefix }),
        ...(d.encryption === undefined
          ? {}
          : {
              Encryption:
                d.encryption.kind === 'SSE-S3'
                  ? { 'SSE-S3': '' }
                  : { 'SSE-KMS': { KeyId: d.encryption.keyId } },
            }),
      },
    },
    IsEnabled: c.enabled,
    ...(c.filterPrefix === undefined ? {} : { Filter: { Prefix: c.filterPrefix } }),
    Id: c.id,
    IncludedObjectVersions: c.includedObjectVersions,
    ...(c.optionalFields.length === 0 ? {} : { OptionalFields: { Field: c.optionalFields } }),
    Schedule: { Frequency: c.frequency },
  };
}

export async function putBucketInventoryConfiguration(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const body = await readSmallBody(ctx, MAX_BODY_BYTES, services.bodyBudget);
  const configuration = parseInventoryConfiguration(ctx, body.toString('utf8'));
  await putInSet(services, bucket.name, 'inventory', configuration, (previous, next) =>
    previous?.lastRunAt === undefined ? next : { ...next, lastRunAt: previous.lastRunAt },
  );
  sendEmpty(ctx, 200);
}

export async function getBucketInventoryConfiguration(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const found = findInSet<InventoryConfiguration>(bucket.inventory, configurationId(ctx));
  sendXml(ctx, 200, {
    InventoryConfiguration: { '@_xmlns': S3_XMLNS, ...renderInventoryConfiguration(found) },
  });
}

export async function deleteBucketInventoryConfiguration(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  await deleteFromSet(services, bucket.name, 'inventory', configurationId(ctx));
  sendEmpty(ctx, 204);
}

export async function listBucketInventoryConfigurations(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const { items, fields } = listPage<InventoryConfiguration>(ctx, bucket.inventory);
  sendXml(ctx, 200, {
    ListInventoryConfigurationsResult: {
      '@_xmlns': S3_XMLNS,
      InventoryConfiguration: items.map(renderInventoryConfiguration),
      ...fields,
    },
  });
}
