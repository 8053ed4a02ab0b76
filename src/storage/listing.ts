/**
 * Key order and listing positions, shared by the object and the upload listings. Both are
 * index range scans in UTF-8 byte order that skip past each common prefix with one seek.
 */
import type { UploadRecord } from './types.js';

/** Where a listing scan resumes: at `key` (inclusive) or strictly after it. */
export interface Seek {
  key: string;
  inclusive: boolean;
}

/** The part of a listing query that decides where it starts. */
export interface ListingRange {
  prefix: string;
  delimiter?: string;
  /** A key or common prefix to resume after. */
  after?: string;
}

/** UTF-8 byte order, the order SQLite's BINARY collation gives (JS `<` compares UTF-16 units). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The common prefix `key` rolls up into: prefix + up to and including the next delimiter. */
export function commonPrefixOf(
  key: string,
  prefix: string,
  delimiter: string | undefined,
): string | undefined {
  if (!delimiter) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

/**
 * The smallest string greater than every string that starts with `s` (in code point order,
 * which is UTF-8 byte order): `s` with its last code point incremented, dropping trailing
 * U+10FFFF. Undefined when no such string exists. For `a/` it is `a0`.
 */
export function prefixSuccessor(s: string): string | undefined {
  const codePoints = Array.from(s);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1; // surrogates are not code points in UTF-8
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** Seek past every key that starts with `prefix`. */
export function seekPast(prefix: string): Seek | undefined {
  const next = prefixSuccessor(prefix);
  return next === undefined ? undefined : { key: next, inclusive: true };
}

/** Where a listing starts, honouring `after` (a key, or a common prefix whose keys are all skipped). */
export function firstSeek(q: ListingRange): Seek | undefined {
  const fromPrefix: Seek = { key: q.prefix, inclusive: true };
  const after = q.after;
  if (after === undefined) return fromPrefix;
  if (!after.startsWith(q.prefix)) {
    // Outside the prefix range: either before it (no effect) or past its end (nothing left).
    return compareUtf8(after, q.prefix) < 0 ? fromPrefix : undefined;
  }
  const common = commonPrefixOf(after, q.prefix, q.delimiter);
  return common === undefined ? { key: after, inclusive: false } : seekPast(common);
}

// --- upload listing positions -------------------------------------------------------------

/** Uploads are ordered by (key, initiated, uploadId); this resumes strictly after one of them. */
export interface UploadSeek {
  key: string;
  initiated: number;
  uploadId: string;
}

/**
 * `<key> NUL <initiated ms> . <upload id>`. Upload ids are 43 base64url characters, so the
 * suffix is recognised from the end whatever the key contains. A common prefix (ends in the
 * delimiter) or any other string is a plain key position.
 */
// eslint-disable-next-line no-control-regex -- NUL separates the key from the upload's order
const UPLOAD_POSITION = /\u0000(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

/** The listing position just after `u`. */
export function uploadPosition(u: Pick<UploadRecord, 'key' | 'initiated' | 'uploadId'>): string {
  return `${u.key}\u0000${u.initiated.getTime()}.${u.uploadId}`;
}

/**
 * Where an upload listing starts. Any string is accepted (positions reach clients as opaque
 * tokens, and a tampered one only moves the start): an upload position resumes after that
 * upload, anything else is a key or common prefix as in `firstSeek`.
 */
export function firstUploadSeek(q: ListingRange): Seek | UploadSeek | undefined {
  const match = q.after === undefined ? null : UPLOAD_POSITION.exec(q.after);
  if (!match) return firstSeek(q);
  const key = q.after!.slice(0, match.index);
  const seek = firstSeek({ ...q, after: key });
  // Still inside the key's own uploads unless the key rolled up into a common prefix.
  if (seek?.inclusive === false && seek.key === key) {
    return { key, initiated: Number(match[1]), uploadId: match[2]! };
  }
  return seek;
}
