/**
 * What the inventory and metrics configuration operations share: a set of configurations per
 * bucket keyed by `id` (at most 1,000, "PutBucketInventoryConfiguration" and
 * "PutBucketMetricsConfiguration" in the Amazon S3 API Reference), the `id` query parameter,
 * XML helpers and List paging with opaque continuation tokens.
 */
import { malformedXml } from '../protocol/xml.js';
import type { RequestContext } from '../http/request-context.js';
import { invalidArgument, S3Error } from '../errors/s3-error.js';
import type { BucketConfigurationKind } from '../storage/types.js';
import { decodeToken, encodeToken } from './continuation-token.js';
import type { ZonalServices } from './services.js';

export const MAX_CONFIGURATIONS = 1000;
/** S3 lists 100 configurations per page. */
export const LIST_PAGE = 100;

export type XmlNode = Record<string, unknown>;

export function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A required child element that holds elements. */
export function node(parent: XmlNode, name: string): XmlNode {
  const value = parent[name];
  if (!isNode(value)) throw malformedXml();
  return value;
}

/** An optional text element (repeating it is MalformedXML). */
export function text(parent: XmlNode, name: string): string | undefined {
  const value = parent[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformedXml();
  return value;
}

export function list(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Refuses any element of `parent` not in `allowed` (MalformedXML, as S3 answers unknown elements). */
export function onlyElements(parent: XmlNode, allowed: readonly string[]): void {
  for (const name of Object.keys(parent)) if (!allowed.includes(name)) throw malformedXml();
}

/**
 * The `id` query parameter: 1 to 64 letters, digits, periods, dashes and underscores ("The ID
 * has a 64 character limit and can only contain letters, numbers, periods, dashes, and
 * underscores", MetricsConfiguration; the same rule is applied to inventory ids).
 */
export function configurationId(ctx: RequestContext): string {
  const id = ctx.query.get('id');
  if (id === undefined || id === '') throw invalidArgument('The id parameter is required.', 'id', '');
  checkId(id);
  return id;
}

export function checkId(id: string): void {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    throw invalidArgument(
      'The configuration id must be 1 to 64 letters, numbers, periods, dashes or underscores.',
      'id',
      id,
    );
  }
}

/** The body's Id must be the one the query names. */
export function checkBodyId(ctx: RequestContext, bodyId: string | undefined): string {
  const id = configurationId(ctx);
  if (bodyId !== id) {
    throw invalidArgument('The Id in the configuration must match the id parameter.', 'Id', bodyId ?? '');
  }
  return id;
}

export function readSet<T extends { id: string }>(stored: string | undefined): T[] {
  return stored === undefined ? [] : (JSON.parse(stored) as T[]);
}

/** Adds or replaces `item` by id, in id order; a 1,001st id is 400 TooManyConfigurations. */
export async function putInSet<T extends { id: string }>(
  services: ZonalServices,
  bucket: string,
  kind: BucketConfigurationKind,
  item: T,
  merge: (previous: T | undefined, next: T) => T = (_previous, next) => next,
): Promise<void> {
  await services.store.updateBucketConfiguration(bucket, kind, (current) => {
    const items = readSet<T>(current);
    const index = items.findIndex((existing) => existing.id === item.id);
    if (index === -1 && items.length >= MAX_CONFIGURATIONS) throw new S3Error('TooManyConfigurations');
    const merged = merge(index === -1 ? undefined : items[index], item);
    const next =
      index === -1 ? [...items, merged] : items.map((existing, i) => (i === index ? merged : existing));
    next.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return JSON.stringify(next);
  });
}

/** Removes the configuration `id`; 404 NoSuchConfiguration when there is none. */
export async function deleteFromSet<T extends { id: string }>(
  services: ZonalServices,
  bucket: string,
  kind: BucketConfigurationKind,
  id: string,
): Promise<void> {
  await services.store.updateBucketConfiguration(bucket, kind, (current) => {
    const items = readSet<T>(current);
    const next = items.filter((item) => item.id !== id);
    if (next.length === items.length) throw new S3Error('NoSuchConfiguration');
    return next.length === 0 ? undefined : JSON.stringify(next);
  });
}

export function findInSet<T extends { id: string }>(stored: string | undefined, id: string): T {
  const found = readSet<T>(stored).find((item) => item.id === id);
  if (!found) throw new S3Error('NoSuchConfiguration');
  return found;
}

/** One List page after the `continuation-token`, with the tokens S3 answers. */
export function listPage<T extends { id: string }>(
  ctx: RequestContext,
  stored: string | undefined,
): { items: T[]; fields: Record<string, unknown> } {
  const token = ctx.query.get('continuation-token');
  const after = token === undefined ? undefined : decodeToken(token);
  const all = readSet<T>(stored).filter((item) => after === undefined || item.id > after);
  const items = all.slice(0, LIST_PAGE);
  const truncated = all.length > LIST_PAGE;
  return {
    items,
    fields: {
      ...(token === undefined ? {} : { ContinuationToken: token }),
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: encodeToken(items[items.length - 1]!.id) } : {}),
    },
  };
}
