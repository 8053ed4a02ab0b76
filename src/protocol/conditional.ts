/**
 * Conditional GET/HEAD (RFC 7232 as S3 applies it): If-Match and If-Unmodified-Since fail
 * with 412; If-None-Match and If-Modified-Since answer 304. A true If-Match overrides a false
 * If-Unmodified-Since, and a false If-None-Match overrides a true If-Modified-Since.
 */
export interface ReadConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** `failed` and `notModified` name the condition (header) that decided the outcome. */
export type ConditionOutcome = 'proceed' | { notModified: string } | { failed: string };

export function etagMatches(header: string, etag: string): boolean {
  const bare = unquote(etag);
  return header.split(',').some((candidate) => {
    const c = candidate.trim();
    return c === '*' || unquote(c.replace(/^W\//, '')) === bare;
  });
}

export function unquote(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

/** HTTP dates have second precision; compare at that precision. */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function parseHttpDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function evaluateReadConditions(
  c: ReadConditions,
  etag: string,
  lastModified: Date,
): ConditionOutcome {
  if (c.ifMatch !== undefined && !etagMatches(c.ifMatch, etag)) return { failed: 'If-Match' };
  const unmodifiedSince = parseHttpDate(c.ifUnmodifiedSince);
  if (c.ifMatch === undefined && unmodifiedSince && seconds(lastModified) > seconds(unmodifiedSince)) {
    return { failed: 'If-Unmodified-Since' };
  }
  if (c.ifNoneMatch !== undefined && etagMatches(c.ifNoneMatch, etag))
    return { notModified: 'If-None-Match' };
  const modifiedSince = parseHttpDate(c.ifModifiedSince);
  if (c.ifNoneMatch === undefined && modifiedSince && seconds(lastModified) <= seconds(modifiedSince)) {
    return { notModified: 'If-Modified-Since' };
  }
  return 'proceed';
}
