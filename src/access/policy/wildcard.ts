/**
 * Wildcard (`*`, `?`) matching for actions, string conditions and ARNs.
 *
 * Patterns are sequences of code points and wildcard tokens rather than strings, so characters
 * that came from a policy variable or an escape such as `${*}` stay literal. The matcher is the
 * iterative two-pointer algorithm (O(pattern × text) worst case, no regular expressions), so a
 * hostile bucket policy cannot trigger catastrophic backtracking.
 */

export const ANY_SEQUENCE: unique symbol = Symbol('*');
export const ANY_CHAR: unique symbol = Symbol('?');
export type GlobItem = string | typeof ANY_SEQUENCE | typeof ANY_CHAR;

/** Pattern text in which every `*` and `?` is a wildcard. */
export function globFromText(text: string): GlobItem[] {
  return Array.from(text, (ch) => (ch === '*' ? ANY_SEQUENCE : ch === '?' ? ANY_CHAR : ch));
}

/** Text in which `*` and `?` are ordinary characters. */
export function globFromLiteral(text: string): GlobItem[] {
  return Array.from(text);
}

/** The pattern written back as text (wildcards as `*`/`?`); used where wildcards are not special. */
export function globToText(items: readonly GlobItem[]): string {
  return items.map((it) => (it === ANY_SEQUENCE ? '*' : it === ANY_CHAR ? '?' : it)).join('');
}

export function globMatch(pattern: readonly GlobItem[], text: string, ignoreCase = false): boolean {
  const chars = Array.from(ignoreCase ? text.toLowerCase() : text);
  const items = ignoreCase ? pattern.map((it) => (typeof it === 'string' ? it.toLowerCase() : it)) : pattern;
  let p = 0;
  let t = 0;
  let starP = -1; // position of the last `*` seen in the pattern
  let starT = 0; // text position that `*` is currently extended to
  while (t < chars.length) {
    const item = items[p];
    if (p < items.length && (item === ANY_CHAR || item === chars[t])) {
      p++;
      t++;
    } else if (p < items.length && item === ANY_SEQUENCE) {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      // Let the last `*` swallow one more character and retry from there.
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < items.length && items[p] === ANY_SEQUENCE) p++;
  return p === items.length;
}

/** Case-insensitive action match, e.g. `s3express:Create*` against `s3express:CreateSession`. */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatch(globFromText(pattern), action, true);
}

/** Splits at the first five colons: partition, service, region, account and the resource part. */
export function splitArn(value: string, parts = 6): string[] {
  const out: string[] = [];
  let rest = value;
  while (out.length < parts - 1) {
    const i = rest.indexOf(':');
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  out.push(rest);
  return out;
}

/**
 * ARN matching as ArnLike and the Resource element do it: each of the six colon-separated parts
 * is matched on its own, so `*` never crosses a colon except within the final resource part.
 * A pattern with fewer parts lets its last part cover the remainder (`*` alone matches anything).
 */
export function arnSegmentsMatch(patternSegments: readonly (readonly GlobItem[])[], value: string): boolean {
  const n = patternSegments.length;
  if (n === 0) return false;
  const valueParts = splitArn(value, n);
  if (valueParts.length !== n) return false;
  return patternSegments.every((seg, i) => globMatch(seg, valueParts[i] as string));
}
