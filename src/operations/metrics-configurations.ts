/**
 * Put/Get/Delete/ListBucketMetricsConfiguration(s) ("PutBucketMetricsConfiguration",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketMetricsConfiguration.html).
 * AWS publishes request metrics of a configuration to CloudWatch; Zonal exports them at
 * `/metrics`, one series per configuration id (`zonal_bucket_requests_total` and the byte
 * counters, observability/), for the requests its filter selects. Tag filters are refused:
 * "Metrics configurations for directory buckets do not support tag filters".
 */
import { malformedXml, parseXml, S3_XMLNS } from '../protocol/xml.js';
import { readSmallBody } from '../http/request-body.js';
import type { RequestContext } from '../http/request-context.js';
import { sendEmpty, sendXml } from '../http/respond.js';
import { invalidRequest } from '../errors/s3-error.js';
import {
  checkBodyId,
  configurationId,
  deleteFromSet,
  findInSet,
  isNode,
  listPage,
  node,
  onlyElements,
  putInSet,
  readSet,
  text,
  type XmlNode,
} from './configuration-sets.js';
import { existingBucket } from './lookups.js';
import type { ZonalServices } from './services.js';

const MAX_BODY_BYTES = 64 * 1024;

/** One metrics configuration as stored (JSON in BucketRecord.metrics). */
export interface MetricsConfiguration {
  id: string;
  /** `prefix`, `accessPoint`, `and` (both) or absent: no filter, the whole bucket. */
  form?: 'prefix' | 'accessPoint' | 'and';
  prefix?: string;
  accessPointArn?: string;
}

const tagsUnsupported = () =>
  invalidRequest('Metrics configurations for directory buckets do not support tag filters.');

function parseFilter(filter: XmlNode): Omit<MetricsConfiguration, 'id'> {
  const present = Object.keys(filter);
  // "A filter must be a prefix, an object tag, an access point ARN, or a conjunction".
  if (present.length !== 1) throw malformedXml();
  const [kind] = present as [string];
  if (kind === 'Tag') throw tagsUnsupported();
  if (kind === 'Prefix') return { form: 'prefix', prefix: text(filter, 'Prefix') ?? '' };
  if (kind === 'AccessPointArn')
    return { form: 'accessPoint', accessPointArn: text(filter, 'AccessPointArn') ?? '' };
  if (kind !== 'And') throw malformedXml();
  const and = node(filter, 'And');
  if (and.Tag !== undefined || and.Tags !== undefined) throw tagsUnsupported();
  onlyElements(and, ['Prefix', 'AccessPointArn']);
  const prefix = text(and, 'Prefix');
  const accessPointArn = text(and, 'AccessPointArn');
  return {
    form: 'and',
    ...(prefix === undefined ? {} : { prefix }),
    ...(accessPointArn === undefined ? {} : { accessPointArn }),
  };
}

export function parseMetricsConfiguration(ctx: RequestContext, xml: string): MetricsConfiguration {
  const root = parseXml(xml).MetricsConfiguration;
  if (!isNode(root)) throw malformedXml();
  onlyElements(root, ['Id', 'Filter']);
  const id = checkBodyId(ctx, text(root, 'Id'));
  const filter = root.Filter;
  if (filter === undefined || filter === '') return { id };
  if (!isNode(filter)) throw malformedXml();
  return { id, ...parseFilter(filter) };
}

export function renderMetricsConfiguration(c: MetricsConfiguration): Record<string, unknown> {
  let filter: Record<string, unknown> | undefined;
  if (c.form === 'prefix') filter = { Prefix: c.prefix };
  else if (c.form === 'accessPoint') filter = { AccessPointArn: c.accessPointArn };
  else if (c.form === 'and') {
    filter = {
      And: {
        ...(c.prefix === undefined ? {} : { Prefix: c.prefix }),
        ...(c.accessPointArn === undefined ? {} : { AccessPointArn: c.accessPointArn }),
      },
    };
  }
  return { Id: c.id, ...(filter === undefined ? {} : { Filter: filter }) };
}

/** Parsed configurations by stored document: a request to such a bucket parses nothing. */
const parsedCache = new Map<string, MetricsConfiguration[]>();

/**
 * The ids of the configurations a request to `key` (undefined: a bucket-level request) counts
 * for. A prefix selects the keys under it; a bucket-level request counts only for configurations
 * without a prefix. A configuration naming an access point (its ARN) selects only the requests
 * made through it.
 */
export function matchingMetricsIds(
  stored: string | undefined,
  key: string | undefined,
  accessPointArn?: string,
): string[] {
  if (stored === undefined) return [];
  let configurations = parsedCache.get(stored);
  if (configurations === undefined) {
    configurations = readSet<MetricsConfiguration>(stored);
    if (parsedCache.size >= 256) parsedCache.clear();
    parsedCache.set(stored, configurations);
  }
  const ids: string[] = [];
  for (const c of configurations) {
    // A configuration naming an access point counts only the requests made through it.
    if (c.accessPointArn !== undefined && c.accessPointArn !== accessPointArn) continue;
    if (c.prefix !== undefined && c.prefix !== '' && (key === undefined || !key.startsWith(c.prefix)))
      continue;
    ids.push(c.id);
  }
  return ids;
}

export async function putBucketMetricsConfiguration(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const body = await readSmallBody(ctx, MAX_BODY_BYTES, services.bodyBudget);
  const configuration = parseMetricsConfiguration(ctx, body.toString('utf8'));
  await putInSet(services, bucket.name, 'metrics', configuration);
  sendEmpty(ctx, 200);
}

export async function getBucketMetricsConfiguration(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const found = findInSet<MetricsConfiguration>(bucket.metrics, configurationId(ctx));
  sendXml(ctx, 200, { MetricsConfiguration: { '@_xmlns': S3_XMLNS, ...renderMetricsConfiguration(found) } });
}

export async function deleteBucketMetricsConfiguration(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  await deleteFromSet(services, bucket.name, 'metrics', configurationId(ctx));
  sendEmpty(ctx, 204);
}

export async function listBucketMetricsConfigurations(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const { items, fields } = listPage<MetricsConfiguration>(ctx, bucket.metrics);
  sendXml(ctx, 200, {
    ListMetricsConfigurationsResult: {
      '@_xmlns': S3_XMLNS,
      ...fields,
      MetricsConfiguration: items.map(renderMetricsConfiguration),
    },
  });
}
