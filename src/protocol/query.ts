/**
 * Percent-decoding, once, for everything Zonal reads from a URL or a form: S3 query strings and
 * paths, `x-amz-copy-source`, and the IAM/STS Query API's query strings and form bodies. The
 * signature check canonicalizes from the same bytes (auth/sigv4.ts), so what is signed and what
 * a handler reads cannot differ.
 */
import { S3Error } from '../errors/s3-error.js';

/** S3's error for a URI it cannot decode. */
export const invalidUri = (): S3Error => new S3Error('InvalidURI');

/**
 * What `+` means. In URLs Zonal reads it literally, as SigV4 signs it (the SDKs send a space
 * as `%20`, a plus as `%2B`); in `application/x-www-form-urlencoded` bodies it is a space.
 */
export type PlusSign = 'plus' | 'space';

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 65 && c <= 70) return c - 55; // A-F
  if (c >= 97 && c <= 102) return c - 87; // a-f
  return -1;
}

/**
 * Percent-decodes to bytes. Characters that are not escapes are taken as UTF-8; '+' stays '+'.
 * A '%' not followed by two hex digits → InvalidURI.
 */
export function percentDecode(s: string): Buffer {
  if (s.indexOf('%') < 0) return Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(Buffer.byteLength(s, 'utf8'));
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= s.length) throw invalidUri();
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw invalidUri();
      out[n++] = hi * 16 + lo;
      i += 3;
    } else if (c < 0x80) {
      out[n++] = c;
      i++;
    } else {
      // A run of non-ASCII text: copy its UTF-8 bytes in one go.
      let j = i + 1;
      while (j < s.length && s.charCodeAt(j) >= 0x80) j++;
      n += out.write(s.slice(i, j), n, 'utf8');
      i = j;
    }
  }
  return out.subarray(0, n);
}

/**
 * Percent-decodes one component to text. Bad escapes and invalid UTF-8 → InvalidURI.
 *
 * The engine's `decodeURIComponent` is the strict reading wanted here, at half the cost of
 * decoding bytes and then text (a presigned session token is ~650 characters): it decodes
 * every escape, refuses an escape that is not two hex digits and bytes that are not UTF-8
 * (overlong forms and surrogates included) with a URIError, keeps a BOM, and leaves `+` and
 * unescaped characters as they are (ECMA-262, "Decode").
 */
export function decodeComponent(raw: string, plus: PlusSign = 'plus'): string {
  const text = plus === 'space' && raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidUri();
  }
}

/** Splits a raw query or form body into [name, value] pairs, still encoded. No '=' → empty value. */
export function splitRawQuery(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (rawQuery === '') return pairs;
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    pairs.push(eq < 0 ? [piece, ''] : [piece.slice(0, eq), piece.slice(eq + 1)]);
  }
  return pairs;
}

/** The decoded [name, value] pairs of a raw query or form body, in order, duplicates kept. */
export function decodePairs(raw: string, plus: PlusSign = 'plus'): Array<[string, string]> {
  return splitRawQuery(raw).map(([n, v]) => [decodeComponent(n, plus), decodeComponent(v, plus)]);
}

/** One query parameter as received (still encoded: what SigV4 signs) and decoded (what handlers read). */
export interface QueryParam {
  readonly rawName: string;
  readonly rawValue: string;
  readonly name: string;
  readonly value: string;
}

/**
 * Splits and decodes a raw query string once, so the signature check and the handlers read
 * the same parse instead of each doing it again. Bad escapes and invalid UTF-8 → InvalidURI.
 */
export function queryParams(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = [];
  // As splitRawQuery, without its pairs: this runs for every request.
  let start = 0;
  while (start < rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end < 0) end = rawQuery.length;
    if (end > start) {
      const piece = rawQuery.slice(start, end);
      const eq = piece.indexOf('=');
      const rawName = eq < 0 ? piece : piece.slice(0, eq);
      const rawValue = eq < 0 ? '' : piece.slice(eq + 1);
      params.push({ rawName, rawValue, name: decodeComponent(rawName), value: decodeComponent(rawValue) });
    }
    start = end + 1;
  }
  return params;
}

/**
 * Parameters as name → value. A name without `=` has the value '' (so `?session` and
 * `?session=` are the same); the first of duplicate names wins.
 */
export function queryMap(params: readonly QueryParam[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const { name, value } of params) if (!map.has(name)) map.set(name, value);
  return map;
}

/** A raw query string as name → value (see queryMap). */
export function parseQuery(rawQuery: string): Map<string, string> {
  return queryMap(queryParams(rawQuery));
}
