/**
 * Query parameters that ListObjectsV2 and ListMultipartUploads (and ListParts' page size) read
 * the same way, with directory buckets' rules: only `/` may be the delimiter and a prefix must
 * end in it ("Differences for directory buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-differences.html). AWS
 * documents the rules, not the errors; docs/COMPATIBILITY.md lists Zonal's.
 */
import { invalidArgument, invalidRequest } from '../errors/s3-error.js';

/** Largest page of any listing. */
const MAX_PAGE = 1000;

/** `prefix` and `delimiter` of a listing in a directory bucket. */
export function directoryListingScope(q: ReadonlyMap<string, string>): {
  prefix: string;
  delimiter?: string;
} {
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  if (prefix !== '' && !prefix.endsWith('/')) {
    throw invalidRequest(
      'This bucket does not support a prefix that does not end in a delimiter. Specify a prefix path ending with a delimiter and try again.',
    );
  }
  if (delimiter !== undefined && delimiter !== '/') {
    throw invalidRequest('This bucket does not support a delimiter other than "/".');
  }
  return { prefix, delimiter };
}

/** `encoding-type`: absent or `url`. */
export function encodingTypeOf(q: ReadonlyMap<string, string>): 'url' | undefined {
  const value = q.get('encoding-type');
  if (value !== undefined && value !== 'url') {
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', value);
  }
  return value;
}

/** A page size (`max-keys`, `max-uploads`, `max-parts`): a non-negative integer, at most 1000. */
export function pageSize(name: string, value: string | undefined): number {
  if (value === undefined) return MAX_PAGE;
  if (!/^\d{1,10}$/.test(value))
    throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Math.min(Number(value), MAX_PAGE);
}
