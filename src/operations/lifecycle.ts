/**
 * Put/Get/DeleteBucketLifecycleConfiguration for directory buckets ("Working with S3 Lifecycle
 * for directory buckets", https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-buckets-objects-lifecycle.html;
 * "PutBucketLifecycleConfiguration", https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html).
 *
 * Directory buckets support two actions: Expiration by Days and AbortIncompleteMultipartUpload
 * by DaysAfterInitiation, for a key prefix and an object size range. What they do not support
 * (transitions, noncurrent-version actions, tag filters, Expiration Date and
 * ExpiredObjectDeleteMarker, `x-amz-transition-default-minimum-object-size`) is refused with
 * 400 InvalidRequest naming the element (AWS documents that they are unsupported, not the code:
 * docs/COMPATIBILITY.md). The rules are applied by lifecycle-runner.ts.
 */
import { randomBytes } from 'node:crypto';
import { malformedXml, parseXml, S3_XMLNS } from '../protocol/xml.js';
import { readSmallBody } from '../http/request-body.js';
import { header, type RequestContext } from '../http/request-context.js';
import { sendEmpty, sendXml } from '../http/respond.js';
import { invalidArgument, invalidRequest, S3Error } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import { existingBucket } from './lookups.js';

/** An S3 Lifecycle configuration can have up to 1,000 rules (PutBucketLifecycleConfiguration). */
export const MAX_LIFECYCLE_RULES = 1000;
const MAX_RULE_ID_LENGTH = 255;
/** 1,000 rules of a few hundred bytes each. */
const MAX_CONFIGURATION_BYTES = 1024 * 1024;

/** How the rule selected its objects, kept so GetBucketLifecycleConfiguration answers it back. */
export type FilterForm = 'legacy-prefix' | 'empty' | 'prefix' | 'size-greater' | 'size-less' | 'and';

/** One rule as stored (JSON in BucketRecord.lifecycle). */
export interface LifecycleRule {
  id: string;
  enabled: boolean;
  form: FilterForm;
  prefix: string;
  /** Objects larger than this many bytes (ObjectSizeGreaterThan). */
  sizeGreaterThan?: number;
  /** Objects smaller than this many bytes (ObjectSizeLessThan). */
  sizeLessThan?: number;
  expirationDays?: number;
  abortDaysAfterInitiation?: number;
}

export interface LifecycleConfiguration {
  rules: LifecycleRule[];
}

type XmlNode = Record<string, unknown>;

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An element that may repeat, as a list (fast-xml-parser gives one element as a value). */
function list(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A single optional element (repeating it is MalformedXML). */
function single(node: XmlNode, name: string): unknown {
  const value = node[name];
  if (Array.isArray(value)) throw malformedXml();
  return value;
}

function text(node: XmlNode, name: string): string | undefined {
  const value = single(node, name);
  if (value === undefined) return undefined;
  if (value === '') return '';
  if (typeof value !== 'string') throw malformedXml();
  return value;
}

/** A non-negative integer element (a long); anything else is MalformedXML. */
function integer(node: XmlNode, name: string): number | undefined {
  const value = text(node, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,16}$/.test(value)) throw malformedXml();
  return Number(value);
}

const unsupported = (what: string): S3Error =>
  invalidRequest(`${what} is not supported for directory bucket lifecycle configurations.`);

/** Elements of a rule that directory buckets do not have. */
const UNSUPPORTED_RULE_ELEMENTS: Record<string, string> = {
  Transition: 'Transition',
  Transitions: 'Transition',
  NoncurrentVersionTransition: 'NoncurrentVersionTransition',
  NoncurrentVersionExpiration: 'NoncurrentVersionExpiration',
};

const KNOWN_RULE_ELEMENTS = new Set([
  'ID',
  'Prefix',
  'Filter',
  'Status',
  'Expiration',
  'AbortIncompleteMultipartUpload',
  ...Object.keys(UNSUPPORTED_RULE_ELEMENTS),
]);

function parseFilter(
  value: unknown,
): Pick<LifecycleRule, 'form' | 'prefix' | 'sizeGreaterThan' | 'sizeLessThan'> {
  if (value === '') return { form: 'empty', prefix: '' };
  if (!isNode(value)) throw malformedXml();
  const present = ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And'].filter(
    (name) => value[name] !== undefined,
  );
  if (Object.keys(value).some((name) => !present.includes(name))) throw malformedXml();
  // "A Filter must have exactly one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan, or And".
  if (present.length > 1) throw malformedXml();
  if (present.length === 0) return { form: 'empty', prefix: '' };
  if (value.Tag !== undefined) throw unsupported('A Tag filter');
  if (value.Prefix !== undefined) return { form: 'prefix', prefix: text(value, 'Prefix') ?? '' };
  if (value.ObjectSizeGreaterThan !== undefined) {
    return { form: 'size-greater', prefix: '', sizeGreaterThan: size(value, 'ObjectSizeGreaterThan') };
  }
  if (value.ObjectSizeLessThan !== undefined) {
    return { form: 'size-less', prefix: '', sizeLessThan: size(value, 'ObjectSizeLessThan') };
  }
  const and = single(value, 'And');
  if (!isNode(and)) throw malformedXml();
  for (const name of Object.keys(and)) {
    if (name === 'Tag' || name === 'Tags') throw unsupported('A Tag filter');
    if (!['Prefix', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan'].includes(name)) throw malformedXml();
  }
  // And combines two or more predicates.
  if (Object.keys(and).length < 2) throw malformedXml();
  const rule: Pick<LifecycleRule, 'form' | 'prefix' | 'sizeGreaterThan' | 'sizeLessThan'> = {
    form: 'and',
    prefix: text(and, 'Prefix') ?? '',
  };
  if (and.ObjectSizeGreaterThan !== undefined) rule.sizeGreaterThan = size(and, 'ObjectSizeGreaterThan');
  if (and.ObjectSizeLessThan !== undefined) rule.sizeLessThan = size(and, 'ObjectSizeLessThan');
  if (
    rule.sizeGreaterThan !== undefined &&
    rule.sizeLessThan !== undefined &&
    rule.sizeGreaterThan >= rule.sizeLessThan
  ) {
    throw invalidArgument(
      'ObjectSizeGreaterThan must be less than ObjectSizeLessThan in the and operator',
      'ObjectSizeGreaterThan',
      String(rule.sizeGreaterThan),
    );
  }
  return rule;
}

function size(node: XmlNode, name: string): number {
  const value = integer(node, name)!;
  if (value < 0) throw invalidArgument(`${name} must be a non-negative integer`, name, String(value));
  return value;
}

function positiveDays(node: XmlNode, name: string, action: string): number {
  const value = integer(node, name);
  if (value === undefined) throw malformedXml();
  if (value <= 0) {
    throw invalidArgument(`'${name}' for ${action} action must be a positive integer`, name, String(value));
  }
  return value;
}

function parseRule(value: unknown): Omit<LifecycleRule, 'id'> & { id?: string } {
  if (!isNode(value)) throw malformedXml();
  for (const name of Object.keys(value)) {
    const what = UNSUPPORTED_RULE_ELEMENTS[name];
    if (what !== undefined) throw unsupported(what);
    if (!KNOWN_RULE_ELEMENTS.has(name)) throw malformedXml();
  }
  const status = text(value, 'Status');
  if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
  const id = text(value, 'ID');
  if (id !== undefined && id.length > MAX_RULE_ID_LENGTH) {
    throw invalidArgument('ID length should not exceed allowed limit of 255', 'ID', id);
  }
  const legacyPrefix = text(value, 'Prefix');
  const filterValue = single(value, 'Filter');
  // "Filter is required if the LifecycleRule does not contain a Prefix element"; not both.
  if ((legacyPrefix === undefined) === (filterValue === undefined)) throw malformedXml();
  const filter =
    legacyPrefix !== undefined
      ? { form: 'legacy-prefix' as const, prefix: legacyPrefix }
      : parseFilter(filterValue);
  const rule: Omit<LifecycleRule, 'id'> & { id?: string } = {
    ...(id === undefined || id === '' ? {} : { id }),
    enabled: status === 'Enabled',
    ...filter,
  };
  const expiration = single(value, 'Expiration');
  if (expiration !== undefined) {
    if (!isNode(expiration)) throw malformedXml();
    if (expiration.Date !== undefined) throw unsupported('Expiration Date');
    if (expiration.ExpiredObjectDeleteMarker !== undefined) throw unsupported('ExpiredObjectDeleteMarker');
    if (Object.keys(expiration).some((name) => name !== 'Days')) throw malformedXml();
    rule.expirationDays = positiveDays(expiration, 'Days', 'Expiration');
  }
  const abort = single(value, 'AbortIncompleteMultipartUpload');
  if (abort !== undefined) {
    if (!isNode(abort) || Object.keys(abort).some((name) => name !== 'DaysAfterInitiation'))
      throw malformedXml();
    rule.abortDaysAfterInitiation = positiveDays(
      abort,
      'DaysAfterInitiation',
      'AbortIncompleteMultipartUpload',
    );
    // An upload has no size yet: a size filter cannot select it.
    if (rule.sizeGreaterThan !== undefined || rule.sizeLessThan !== undefined) {
      throw invalidRequest('AbortIncompleteMultipartUpload cannot be specified with an object size filter.');
    }
  }
  if (rule.expirationDays === undefined && rule.abortDaysAfterInitiation === undefined) {
    throw invalidRequest('At least one action needs to be specified in a rule');
  }
  return rule;
}

/** Parses and validates a LifecycleConfiguration document; rules without an ID get one. */
export function parseLifecycleConfiguration(xml: string): LifecycleConfiguration {
  const root = parseXml(xml).LifecycleConfiguration;
  if (!isNode(root)) throw malformedXml();
  if (Object.keys(root).some((name) => name !== 'Rule')) throw malformedXml();
  const values = list(root.Rule);
  if (values.length === 0 || values.length > MAX_LIFECYCLE_RULES) throw malformedXml();
  const parsed = values.map(parseRule);
  const seen = new Set<string>();
  for (const rule of parsed) {
    if (rule.id === undefined) continue;
    if (seen.has(rule.id)) {
      throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule', 'ID', rule.id);
    }
    seen.add(rule.id);
  }
  // AWS gives a rule without an ID a random one.
  const rules = parsed.map((rule) => ({ ...rule, id: rule.id ?? randomBytes(24).toString('base64') }));
  return { rules };
}

export function lifecycleOf(stored: string | undefined): LifecycleConfiguration | undefined {
  return stored === undefined ? undefined : (JSON.parse(stored) as LifecycleConfiguration);
}

function renderFilter(rule: LifecycleRule): Record<string, unknown> {
  switch (rule.form) {
    case 'legacy-prefix':
      return { Prefix: rule.prefix };
    case 'empty':
      return { Filter: '' };
    case 'prefix':
      return { Filter: { Prefix: rule.prefix } };
    case 'size-greater':
      return { Filter: { ObjectSizeGreaterThan: rule.sizeGreaterThan } };
    case 'size-less':
      return { Filter: { ObjectSizeLessThan: rule.sizeLessThan } };
    case 'and':
      return {
        Filter: {
          And: {
            ...(rule.prefix === '' ? {} : { Prefix: rule.prefix }),
            ...(rule.sizeGreaterThan === undefined ? {} : { ObjectSizeGreaterThan: rule.sizeGreaterThan }),
            ...(rule.sizeLessThan === undefined ? {} : { ObjectSizeLessThan: rule.sizeLessThan }),
          },
        },
      };
  }
}

function renderRule(rule: LifecycleRule): Record<string, unknown> {
  return {
    ...(rule.expirationDays === undefined ? {} : { Expiration: { Days: rule.expirationDays } }),
    ID: rule.id,
    ...renderFilter(rule),
    Status: rule.enabled ? 'Enabled' : 'Disabled',
    ...(rule.abortDaysAfterInitiation === undefined
      ? {}
      : { AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortDaysAfterInitiation } }),
  };
}

export async function putBucketLifecycleConfiguration(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  if (header(ctx, 'x-amz-transition-default-minimum-object-size') !== undefined) {
    throw unsupported('x-amz-transition-default-minimum-object-size');
  }
  const body = await readSmallBody(ctx, MAX_CONFIGURATION_BYTES, services.bodyBudget);
  const configuration = parseLifecycleConfiguration(body.toString('utf8'));
  const json = JSON.stringify(configuration);
  await services.store.updateBucketConfiguration(bucket.name, 'lifecycle', () => json);
  sendEmpty(ctx, 200);
}

export async function getBucketLifecycleConfiguration(
  ctx: RequestContext,
  services: ZonalServices,
): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const configuration = lifecycleOf(bucket.lifecycle);
  if (configuration === undefined) {
    throw new S3Error('NoSuchLifecycleConfiguration', undefined, { BucketName: bucket.name });
  }
  sendXml(ctx, 200, {
    LifecycleConfiguration: { '@_xmlns': S3_XMLNS, Rule: configuration.rules.map(renderRule) },
  });
}

/** DeleteBucketLifecycle: 204 whether or not there was a configuration, as S3 answers. */
export async function deleteBucketLifecycle(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  await services.store.updateBucketConfiguration(bucket.name, 'lifecycle', () => undefined);
  sendEmpty(ctx, 204);
}
