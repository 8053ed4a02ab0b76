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

/**
 * How entity tags compare (RFC 7232 §2.3.2): `If-Match` uses strong comparison, where a weak
 * tag (`W/"…"`) never matches; `If-None-Match` uses weak comparison, which ignores `W/`.
 */
export type EtagComparison = 'strong' | 'weak';

/**
 * Whether an `If-Match`/`If-None-Match` field (or `x-amz-copy-source-if-match`,
 * `x-amz-rename-source-if-none-match`, a DeleteObjects `<ETag>`…) matches `etag`: the one rule
 * for reads, writes, deletes and renames. AWS documents only that S3 compares the ETags and
 * refers to RFC 7232, so the RFC decides: the field is `*` (any current object) or a list of
 * entity tags. A member may also be unquoted, as SDK users often pass the ETag
 * (docs/COMPATIBILITY.md).
 */
export function etagMatches(field: string, etag: string, comparison: EtagComparison = 'strong'): boolean {
  if (field.trim() === '*') return true;
  const current = unquote(etag.trim());
  return entityTagList(field).some((member) => {
    const weak = member.startsWith('W/');
    if (weak && comparison === 'strong') return false;
    return unquote(weak ? member.slice(2) : member) === current;
  });
}

/** The members of a `1#entity-tag` list; a comma inside a quoted tag does not split it. */
function entityTagList(field: string): string[] {
  const members: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= field.length; i++) {
    const c = field[i];
    if (c === '"') quoted = !quoted;
    else if (i === field.length || (c === ',' && !quoted)) {
      const member = field.slice(start, i).trim();
      if (member !== '') members.push(member);
      start = i + 1;
    }
  }
  return members;
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
  if (c.ifNoneMatch !== undefined && etagMatches(c.ifNoneMatch, etag, 'weak'))
    return { notModified: 'If-None-Match' };
  const modifiedSince = parseHttpDate(c.ifModifiedSince);
  if (c.ifNoneMatch === undefined && modifiedSince && seconds(lastModified) <= seconds(modifiedSince)) {
    return { notModified: 'If-Modified-Since' };
  }
  return 'proceed';
}
