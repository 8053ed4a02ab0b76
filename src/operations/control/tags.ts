/**
 * Resource tags of directory buckets and their access points ("Using tags with directory
 * buckets", https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-buckets-tagging.html;
 * `Tag` and `TagResource` in the S3 Control API Reference): parsing and AWS's validation.
 */
import { S3Error } from '../../errors/s3-error.js';
import { malformedXml } from '../../protocol/xml.js';
import type { ResourceTag } from '../../storage/types.js';

/** "You can add up to 50 AWS resource tags for each S3 resource" (TagResource). */
export const MAX_TAGS = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
/** TagKeyString / TagValueString in the S3 Control model. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const invalidTag = (message: string): S3Error => new S3Error('InvalidTag', message);

/** One element or a list of them, as the XML parser gives repeated elements. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** `<Tags><Tag><Key/><Value/></Tag>…</Tags>` as parsed → tags, unvalidated. */
export function tagsFromXml(tags: unknown): ResourceTag[] {
  if (tags === undefined || tags === '') return [];
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw malformedXml();
  return asList((tags as Record<string, unknown>).Tag).map((tag) => {
    if (typeof tag !== 'object' || tag === null) throw malformedXml();
    const { Key: key, Value: value } = tag as Record<string, unknown>;
    if (typeof key !== 'string') throw invalidTag('Each tag needs a Key.');
    if (value !== undefined && typeof value !== 'string') throw malformedXml();
    return { key, value: value ?? '' };
  });
}

export function checkTagKey(key: string): void {
  if (key.length < 1 || key.length > MAX_KEY_LENGTH || !TAG_TEXT.test(key)) {
    throw invalidTag(
      `The tag key is not valid (1 to ${MAX_KEY_LENGTH} letters, digits, spaces and _.:/=+-@).`,
    );
  }
  // "The aws: prefix is reserved for AWS use" (Tag, S3 Control API Reference).
  if (key.toLowerCase().startsWith('aws:')) throw invalidTag('Tag keys beginning with aws: are reserved.');
}

/** AWS's rules for a set of tags: valid keys and values, each key once, at most 50. */
export function checkTags(tags: readonly ResourceTag[]): void {
  const keys = new Set<string>();
  for (const { key, value } of tags) {
    checkTagKey(key);
    if (value.length > MAX_VALUE_LENGTH || !TAG_TEXT.test(value)) {
      throw invalidTag(
        `The tag value is not valid (at most ${MAX_VALUE_LENGTH} letters, digits, spaces and _.:/=+-@).`,
      );
    }
    if (keys.has(key)) throw invalidTag(`Cannot provide multiple tags with the same key: ${key}`);
    keys.add(key);
  }
  if (tags.length > MAX_TAGS) throw invalidTag(`A resource can have at most ${MAX_TAGS} tags.`);
}

/** TagResource adds tags and replaces the values of keys already there. */
export function mergeTags(current: readonly ResourceTag[], added: readonly ResourceTag[]): ResourceTag[] {
  const byKey = new Map(current.map((t) => [t.key, t.value]));
  for (const tag of added) byKey.set(tag.key, tag.value);
  const merged = [...byKey].map(([key, value]) => ({ key, value }));
  if (merged.length > MAX_TAGS) throw invalidTag(`A resource can have at most ${MAX_TAGS} tags.`);
  return merged;
}

/** Tags as the S3 Control and S3 XML render them. */
export function tagsToXml(tags: readonly ResourceTag[] | undefined): {
  Tag: { Key: string; Value: string }[];
} {
  return { Tag: (tags ?? []).map((t) => ({ Key: t.key, Value: t.value })) };
}
