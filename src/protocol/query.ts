import { S3Error } from '../errors/s3-error.js';

/** S3's error for a URI it cannot decode. */
export const invalidUri = (): S3Error => new S3Error('InvalidURI');

/** Percent-decodes one URI component; `+` stays a plus, as in S3's SigV4. */
export function decodeComponent(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidUri();
  }
}

/**
 * Parses a raw query string into name → value. A name without `=` has the value '' (so
 * `?session` and `?session=` are the same); the first of duplicate names wins.
 */
export function parseQuery(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  if (rawQuery === '') return params;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(part.slice(eq + 1));
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}
