/**
 * AWS Signature Version 4 for S3 (and S3 Express): parsing of the header and presigned-query
 * forms, S3-style canonicalization (single URI encoding, no dot-segment removal, no slash
 * merging) and constant-time verification.
 *
 * Strings from node: `rawPath`/`rawQuery` are ASCII (node rejects raw non-ASCII in the request
 * target); header values in `rawHeaders` are latin1 "binary" strings, one char per byte. The
 * canonical request is hashed so that those bytes are hashed as sent (see `hashCanonicalRequest`).
 */
import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';

import {
  S3Error,
  accessDenied,
  authorizationHeaderMalformed,
  authorizationQueryParametersError,
  invalidArgument,
  invalidRequest,
  signatureDoesNotMatch,
} from '../errors/s3-error.js';
import type { SigningKeyCache } from './signing-key-cache.js';
import {
  decodeComponent,
  decodePairs,
  invalidUri,
  percentDecode,
  splitRawQuery,
  type QueryParam,
} from '../protocol/query.js';

export interface RequestParts {
  method: string;
  /** Path exactly as received (before '?'), still percent-encoded. */
  rawPath: string;
  /** Query string exactly as received (after '?', without '?'), '' if none. */
  rawQuery: string;
  /** node's req.rawHeaders: [name, value, name, value, ...] with original case and duplicates. */
  rawHeaders: string[];
  /** `rawQuery` already split and decoded (`queryParams`), when the caller has it: not done again. */
  params?: readonly QueryParam[];
}

export interface SigV4Auth {
  form: 'header' | 'query';
  accessKeyId: string;
  /** yyyymmdd */
  scopeDate: string;
  region: string;
  /** 's3express' or 's3' by default (see ParseOptions.services); the caller decides which applies. */
  service: string;
  /** lower-case, as listed */
  signedHeaders: string[];
  /** 64 lower-case hex */
  signature: string;
  /** YYYYMMDDTHHMMSSZ: x-amz-date, else the Date header converted (header form); X-Amz-Date (query form). */
  amzDate: string;
  /** amzDate parsed. */
  requestTime: Date;
  /** query form only: 1..604800 */
  expiresSeconds?: number;
  /**
   * The payload line of the canonical request: x-amz-content-sha256 (header form, validated);
   * for the query form X-Amz-Content-Sha256 (query or header) if given, else 'UNSIGNED-PAYLOAD'.
   */
  payloadHash: string;
  /** x-amz-s3session-token header, or X-Amz-S3session-Token query parameter (query form). */
  sessionToken?: string;
  /** x-amz-security-token header, or X-Amz-Security-Token query parameter (query form). */
  securityToken?: string;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_UNSIGNED_PAYLOAD_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const STREAMING_SIGNED_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_PAYLOAD_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const MAX_SKEW_MS = 15 * 60 * 1000;
export const MAX_PRESIGN_EXPIRES_SECONDS = 604800;
export const MAX_AUTHORIZATION_HEADER_BYTES = 8192;
export const MAX_SIGNED_HEADERS = 64;

/** Signing names accepted by default (S3 Express session requests may be signed as either). */
export const DEFAULT_SERVICES: ReadonlySet<string> = new Set(['s3express', 's3']);

export interface ParseOptions {
  /** Accepted credential-scope services; default `DEFAULT_SERVICES`. */
  services?: ReadonlySet<string>;
  /**
   * The hex SHA-256 of a body the caller has already read, used as the payload line when
   * `x-amz-content-sha256` is absent. Only the IAM and STS Query APIs pass it: SigV4 for
   * services other than S3 signs the body's hash without sending that header ("Create a
   * canonical request for Signature Version 4",
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), and
   * botocore and the AWS CLI do not send it. S3 requests still need the header.
   */
  bodySha256?: string;
}
const PAYLOAD_KEYWORDS = new Set([
  UNSIGNED_PAYLOAD,
  STREAMING_UNSIGNED_PAYLOAD_TRAILER,
  STREAMING_SIGNED_PAYLOAD,
  STREAMING_SIGNED_PAYLOAD_TRAILER,
]);

const HEX64 = /^[0-9a-f]{64}$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SCOPE_DATE = /^\d{8}$/;
const REGION = /^[A-Za-z0-9._-]{1,128}$/;
const ACCESS_KEY_ID = /^[A-Za-z0-9._~+=@:-]{1,128}$/;
// RFC 9110 token characters, lower-case only (signers send lower-case names).
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

const MSG_UNSUPPORTED_MECHANISM =
  'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.';
const MSG_HEADER_COMPONENTS =
  'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.';
const MSG_QUERY_REQUIRED =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';
const MSG_BAD_DATE_HEADER = 'AWS authentication requires a valid Date or x-amz-date header';
const MSG_BAD_CONTENT_SHA256 =
  'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.';
const MSG_ONE_MECHANISM =
  'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified';

// ---------------------------------------------------------------------------------------------
// URI encoding

/** 1 for the bytes AWS leaves unencoded: A-Z a-z 0-9 - _ . ~ */
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-_.~]/.test(ch)) UNRESERVED[c] = 1;
}
const PERCENT_HEX: string[] = Array.from(
  { length: 256 },
  (_, b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'),
);

export { invalidUri, percentDecode };

/** AWS URI encoding of bytes: everything but A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case). */
function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b < 128 && UNRESERVED[b] === 1 ? String.fromCharCode(b) : PERCENT_HEX[b];
  return out;
}

/** AWS URI encoding of a JS string (UTF-8). */
export function uriEncode(s: string): string {
  return encodeBytes(Buffer.from(s, 'utf8'));
}

/**
 * Decode then re-encode one path segment or query component, so equivalent spellings agree.
 * A component already in canonical form (what AWS signers send: a presigned session token is
 * mostly `%2B`, `%2F`, `%3D`) is returned as it is, without the round trip.
 */
export function canonicalComponent(raw: string): string {
  return CANONICAL_COMPONENT.test(raw) ? raw : encodeBytes(percentDecode(raw));
}

/**
 * A component in canonical form: unreserved characters, and `%XX` (upper-case hex) only for
 * bytes that must be encoded, so not for A-Z a-z 0-9 (hex 30-39, 41-5A, 61-7A) nor - . _ ~
 * (2D, 2E, 5F, 7E). One character or escape per repetition, so the match stays linear.
 */
const CANONICAL_COMPONENT =
  /^(?:[A-Za-z0-9\-_.~]|%(?:[01][0-9A-F]|2[0-9A-CF]|3[A-F]|40|5[B-E]|60|7[B-DF]|[89A-F][0-9A-F]))*$/;

/**
 * Canonical URI, S3 style: each '/'-separated segment decoded and re-encoded; no dot-segment
 * removal and no slash merging, so `%2F` stays distinct from `/`.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  if (isAllUnreservedOrSlash(rawPath)) return rawPath;
  return rawPath.split('/').map(canonicalComponent).join('/');
}

function isAllUnreservedOrSlash(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 47 && (c >= 128 || UNRESERVED[c] !== 1)) return false;
  }
  return true;
}

/**
 * Decoded query parameters (names and values as UTF-8 strings, '+' literal), in order — the same
 * reading the signature check uses, so handlers should take parameters from here.
 */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  return decodePairs(rawQuery);
}

/**
 * Canonical query string: every parameter decoded and re-encoded, sorted by name then value.
 * `X-Amz-Signature` is left out for the presigned form.
 */
export function canonicalQueryString(rawQuery: string, dropSignature: boolean): string {
  if (rawQuery === '') return '';
  const params = splitRawQuery(rawQuery).map(([rawName, rawValue]) => ({ rawName, rawValue }));
  return canonicalQueryOf(params, dropSignature);
}

/** The canonical query string of parameters as received (see canonicalQueryString). */
function canonicalQueryOf(
  params: ReadonlyArray<Pick<QueryParam, 'rawName' | 'rawValue'>>,
  dropSignature: boolean,
): string {
  const encoded: Array<[string, string]> = [];
  for (const { rawName, rawValue } of params) {
    const name = canonicalComponent(rawName);
    if (dropSignature && name === 'X-Amz-Signature') continue;
    encoded.push([name, canonicalComponent(rawValue)]);
  }
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let out = '';
  for (let i = 0; i < encoded.length; i++) {
    const pair = encoded[i]!;
    out += (i === 0 ? '' : '&') + pair[0] + '=' + pair[1];
  }
  return out;
}

/** The canonical query string of a request, from its parsed parameters when it has them. */
function canonicalQueryOfRequest(req: RequestParts, dropSignature: boolean): string {
  if (req.params === undefined) return canonicalQueryString(req.rawQuery, dropSignature);
  return canonicalQueryOf(req.params, dropSignature);
}

// ---------------------------------------------------------------------------------------------
// Canonical request / string to sign

/** Trim, and collapse inner runs of spaces/tabs to one space (as the SDKs do). */
function normalizeHeaderValue(v: string): string {
  const t = v.trim();
  return /[ \t]{2}|\t/.test(t) ? t.replace(/[ \t]+/g, ' ') : t;
}

/** `name:v1,v2\n` lines for the signed headers, in the order listed. */
export function canonicalHeaders(rawHeaders: string[], signedHeaders: string[]): string {
  const slot = new Map<string, number>();
  signedHeaders.forEach((h, i) => slot.set(h, i));
  const values: string[][] = signedHeaders.map(() => []);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const idx = slot.get(rawHeaders[i]!.toLowerCase());
    if (idx !== undefined) values[idx]!.push(normalizeHeaderValue(rawHeaders[i + 1]!));
  }
  let out = '';
  for (let i = 0; i < signedHeaders.length; i++) out += signedHeaders[i] + ':' + values[i]!.join(',') + '\n';
  return out;
}

export function canonicalRequest(req: RequestParts, auth: SigV4Auth): string {
  return withHeaders(req, auth, canonicalHeaders(req.rawHeaders, auth.signedHeaders));
}

function withHeaders(req: RequestParts, auth: SigV4Auth, headers: string): string {
  return (
    req.method +
    '\n' +
    canonicalUri(req.rawPath) +
    '\n' +
    canonicalQueryOfRequest(req, auth.form === 'query') +
    '\n' +
    headers +
    '\n' +
    auth.signedHeaders.join(';') +
    '\n' +
    auth.payloadHash
  );
}

/**
 * The hex SHA-256 of a request's canonical form. Only its header values can hold characters
 * beyond ASCII: the URI and query are encoded, and the names, method and payload hash are
 * validated tokens. So only those few values are tested, not the whole (~1 KB) text.
 */
function hashOfCanonicalRequest(req: RequestParts, auth: SigV4Auth): string {
  const headers = canonicalHeaders(req.rawHeaders, auth.signedHeaders);
  const canonical = withHeaders(req, auth, headers);
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u007f]/.test(headers)
    ? hashCanonicalRequest(canonical)
    : hash('sha256', canonical, 'hex');
}

export function credentialScope(auth: Pick<SigV4Auth, 'scopeDate' | 'region' | 'service'>): string {
  return `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`;
}

/**
 * Hashes the canonical request. Header values from node are latin1 strings (one char per byte),
 * so a string with only chars ≤ 0xFF is hashed byte-for-byte; anything wider cannot come from
 * node and is hashed as UTF-8.
 */
export function hashCanonicalRequest(canonical: string): string {
  // ASCII (the usual case) is the same bytes in either encoding: the one-shot hash, which
  // takes strings as UTF-8 and costs less than a Hash object.
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u007f]/.test(canonical)) return hash('sha256', canonical, 'hex');
  // eslint-disable-next-line no-control-regex
  const encoding = /[^\u0000-\u00ff]/.test(canonical) ? 'utf8' : 'latin1';
  return createHash('sha256').update(canonical, encoding).digest('hex');
}

export function stringToSign(auth: SigV4Auth, canonical: string): string {
  return stringToSignOf(auth, hashCanonicalRequest(canonical));
}

function stringToSignOf(auth: SigV4Auth, canonicalHash: string): string {
  return `${ALGORITHM}\n${auth.amzDate}\n${credentialScope(auth)}\n${canonicalHash}`;
}

export function computeSignature(signingKey: Buffer, toSign: string): string {
  return createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex signatures (lengths are not secret). */
export function signaturesEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'latin1');
  const bb = Buffer.from(b, 'latin1');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

// ---------------------------------------------------------------------------------------------
// Dates

/** Parses `YYYYMMDDTHHMMSSZ`; null if malformed or out of range. */
export function parseAmzDate(s: string): Date | null {
  const m = AMZ_DATE.exec(s);
  if (m === null) return null;
  return utcDate(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function utcDate(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | null {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Round-trip check rejects 2015-02-30, 25:00 and the like.
  const ok =
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s;
  return ok ? t : null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/**
 * RFC 1123 (`…GMT`) and RFC 2822 dates: the day of the week optional (not checked), a one- or
 * two-digit day, and the zone `GMT`, `UT`, `UTC` or numeric (`-0000`, `+0100`: what Python's
 * `email.utils.formatdate` writes, and so what botocore signs when a caller sets `Date`).
 * S3 takes the signing time from `Date` when there is no `x-amz-date` ("Authenticating
 * Requests (AWS Signature Version 4)",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html).
 */
const HTTP_DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|UT|[+-]\d{4})$/;

/** Parses an RFC 1123 / RFC 2822 `Date` header (see HTTP_DATE); null if malformed. */
export function parseHttpDate(s: string): Date | null {
  const m = HTTP_DATE.exec(s.trim());
  if (m === null) return null;
  const month = MONTHS.indexOf(m[2]!);
  if (month < 0) return null;
  const local = utcDate(+m[3]!, month + 1, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  if (local === null) return null;
  const zone = m[7]!;
  if (zone === 'GMT' || zone === 'UTC' || zone === 'UT') return local;
  const hours = +zone.slice(1, 3);
  const minutes = +zone.slice(3, 5);
  if (hours > 23 || minutes > 59) return null;
  const offsetMs = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  return new Date(local.getTime() - offsetMs);
}

export function formatAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** The headers the verifier itself reads; each may appear at most once. */
interface AuthHeaders {
  authorization?: string;
  'x-amz-date'?: string;
  date?: string;
  'x-amz-content-sha256'?: string;
  'x-amz-s3session-token'?: string;
  'x-amz-security-token'?: string;
  host?: string;
}
const SINGLETON_HEADERS = new Set<keyof AuthHeaders>([
  'authorization',
  'x-amz-date',
  'date',
  'x-amz-content-sha256',
  'x-amz-s3session-token',
  'x-amz-security-token',
  'host',
]);

interface ScannedHeaders {
  values: AuthHeaders;
  /** All x-amz-* headers present: [lower-case name, value]. */
  amz: Array<[string, string]>;
}

/**
 * One pass over rawHeaders. Duplicates of the headers auth depends on are rejected: node's
 * `req.headers` keeps only the first (or joins them), and auth must read exactly what
 * the rest of the server reads.
 */
function scanHeaders(rawHeaders: string[]): ScannedHeaders {
  const values: AuthHeaders = {};
  const amz: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (SINGLETON_HEADERS.has(name as keyof AuthHeaders)) {
      const key = name as keyof AuthHeaders;
      if (values[key] !== undefined)
        throw invalidArgument(`Multiple ${name} headers are not allowed.`, name, '');
      values[key] = value;
    }
    if (name.startsWith('x-amz-')) amz.push([name, value]);
  }
  return { values, amz };
}

/** The X-Amz-* (and V2) auth parameters of the query, decoded; duplicates rejected. */
function scanQuery(req: RequestParts): Map<string, string> {
  const params = new Map<string, string>();
  // Parameters the caller decoded, or raw pairs decoded here (a value only if it is kept).
  const pairs = req.params ?? (req.rawQuery === '' ? [] : splitRawQuery(req.rawQuery));
  for (const pair of pairs) {
    const name = 'name' in pair ? pair.name : decodeComponent(pair[0]);
    if (!name.startsWith('X-Amz-') && name !== 'AWSAccessKeyId' && name !== 'Signature') continue;
    if (params.has(name)) throw authorizationQueryParametersError(`Duplicate query parameter: ${name}`);
    params.set(name, 'value' in pair ? pair.value : decodeComponent(pair[1]));
  }
  return params;
}

type ErrorFactory = (message: string) => S3Error;

interface Credential {
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
}

/** `AKID/yyyymmdd/region/service/aws4_request` */
function parseCredential(
  value: string,
  fail: ErrorFactory,
  prefix: string,
  services: ReadonlySet<string>,
): Credential {
  const parts = value.split('/');
  const malformed = (): S3Error =>
    fail(
      `${prefix}the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    );
  if (parts.length !== 5) throw malformed();
  const [accessKeyId, scopeDate, region, service, terminal] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (!ACCESS_KEY_ID.test(accessKeyId) || !SCOPE_DATE.test(scopeDate) || !REGION.test(region))
    throw malformed();
  if (terminal !== 'aws4_request')
    throw fail(`${prefix}incorrect terminal "${terminal}". This endpoint uses "aws4_request".`);
  if (!services.has(service))
    throw fail(`${prefix}incorrect service "${service}". This endpoint belongs to "s3express".`);
  return { accessKeyId, scopeDate, region, service };
}

function parseSignedHeaders(value: string, fail: ErrorFactory, prefix: string): string[] {
  const names = value.split(';');
  if (names.length > MAX_SIGNED_HEADERS) throw fail(`${prefix}too many signed headers.`);
  const seen = new Set<string>();
  for (const n of names) {
    if (!HEADER_NAME.test(n) || seen.has(n))
      throw fail(`${prefix}the SignedHeaders component is mal-formed.`);
    seen.add(n);
  }
  return names;
}

function parseSignature(value: string, fail: ErrorFactory, prefix: string): string {
  if (!HEX64.test(value)) throw fail(`${prefix}the Signature component is mal-formed.`);
  return value;
}

function isValidPayloadHash(v: string): boolean {
  return PAYLOAD_KEYWORDS.has(v) || HEX64.test(v);
}

function checkPayloadHash(v: string): string {
  if (!isValidPayloadHash(v)) throw invalidArgument(MSG_BAD_CONTENT_SHA256, 'x-amz-content-sha256', v);
  return v;
}

/** Components of `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
function parseAuthorizationValue(header: string): {
  credential: string;
  signedHeaders: string;
  signature: string;
} {
  if (header.length > MAX_AUTHORIZATION_HEADER_BYTES) {
    throw authorizationHeaderMalformed('The authorization header is malformed; the header is too large.');
  }
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    if (algorithm.startsWith('AWS4-')) {
      throw authorizationHeaderMalformed(
        `The authorization header is malformed; the algorithm "${algorithm}" is not supported.`,
      );
    }
    throw invalidRequest(MSG_UNSUPPORTED_MECHANISM);
  }
  const found: Record<string, string> = {};
  for (const part of header.slice(space + 1).split(',')) {
    const item = part.trim();
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if ((key !== 'Credential' && key !== 'SignedHeaders' && key !== 'Signature') || key in found) {
      throw authorizationHeaderMalformed(MSG_HEADER_COMPONENTS);
    }
    found[key] = item.slice(eq + 1);
  }
  const { Credential: credential, SignedHeaders: signedHeaders, Signature: signature } = found;
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw authorizationHeaderMalformed(MSG_HEADER_COMPONENTS);
  }
  return { credential, signedHeaders, signature };
}

/**
 * The `Credential`, `SignedHeaders` and `Signature` of an Authorization header, validated.
 * Exported for tools and tests; `parseSigV4` is the entry point for requests.
 */
export function parseAuthorizationHeader(
  header: string,
  options: ParseOptions = {},
): Credential & { signedHeaders: string[]; signature: string } {
  const parts = parseAuthorizationValue(header);
  const prefix = 'The authorization header is malformed; ';
  return {
    ...parseCredential(
      parts.credential,
      authorizationHeaderMalformed,
      prefix,
      options.services ?? DEFAULT_SERVICES,
    ),
    signedHeaders: parseSignedHeaders(parts.signedHeaders, authorizationHeaderMalformed, prefix),
    signature: parseSignature(parts.signature, authorizationHeaderMalformed, prefix),
  };
}

/**
 * `host` must always be signed, and so must every x-amz-* header present. For the query form a
 * header that repeats a query parameter with the very same value is exempt (the query is signed
 * as a whole); with a different value it would let an unsigned header override a signed one.
 */
function checkSignedHeaderCoverage(
  signed: string[],
  amz: Array<[string, string]>,
  queryByLowerName: Map<string, string>,
): void {
  const signedSet = new Set(signed);
  const missing: string[] = [];
  if (!signedSet.has('host')) missing.push('host');
  for (const [name, value] of amz) {
    if (signedSet.has(name) || queryByLowerName.get(name) === value.trim() || missing.includes(name))
      continue;
    missing.push(name);
  }
  if (missing.length > 0) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', {
      HeadersNotSigned: missing.join(', '),
    });
  }
}

function withOptional(
  auth: SigV4Auth,
  sessionToken: string | undefined,
  securityToken: string | undefined,
): SigV4Auth {
  if (sessionToken !== undefined) auth.sessionToken = sessionToken;
  if (securityToken !== undefined) auth.securityToken = securityToken;
  return auth;
}

function parseHeaderForm(scanned: ScannedHeaders, authorization: string, options: ParseOptions): SigV4Auth {
  const h = scanned.values;
  const parsed = parseAuthorizationHeader(authorization, options);
  const contentSha = h['x-amz-content-sha256'];
  let payloadHash: string;
  if (contentSha !== undefined) payloadHash = checkPayloadHash(contentSha);
  else if (options.bodySha256 !== undefined) payloadHash = options.bodySha256;
  else throw invalidRequest('Missing required header for this request: x-amz-content-sha256');

  let amzDate: string;
  let requestTime: Date | null;
  if (h['x-amz-date'] !== undefined) {
    // x-amz-date wins over Date; if present it must be valid (no silent fallback).
    amzDate = h['x-amz-date'].trim();
    requestTime = parseAmzDate(amzDate);
  } else if (h.date !== undefined) {
    requestTime = parseHttpDate(h.date);
    amzDate = requestTime === null ? '' : formatAmzDate(requestTime);
  } else {
    requestTime = null;
    amzDate = '';
  }
  if (requestTime === null) throw accessDenied(MSG_BAD_DATE_HEADER);

  checkSignedHeaderCoverage(parsed.signedHeaders, scanned.amz, new Map());
  const auth: SigV4Auth = {
    form: 'header',
    accessKeyId: parsed.accessKeyId,
    scopeDate: parsed.scopeDate,
    region: parsed.region,
    service: parsed.service,
    signedHeaders: parsed.signedHeaders,
    signature: parsed.signature,
    amzDate,
    requestTime,
    payloadHash,
  };
  return withOptional(auth, h['x-amz-s3session-token'], h['x-amz-security-token']);
}

/** A value that may come as a query parameter or a header: if both, they must agree. */
function queryOrHeader(
  query: string | undefined,
  header: string | undefined,
  name: string,
): string | undefined {
  if (query !== undefined && header !== undefined && query !== header) {
    throw invalidArgument(
      `${name} was given both as a header and as a query parameter with different values.`,
      name,
      '',
    );
  }
  return query ?? header;
}

function parseQueryForm(scanned: ScannedHeaders, q: Map<string, string>, options: ParseOptions): SigV4Auth {
  const fail = authorizationQueryParametersError;
  const algorithm = q.get('X-Amz-Algorithm');
  const credential = q.get('X-Amz-Credential');
  const date = q.get('X-Amz-Date');
  const expires = q.get('X-Amz-Expires');
  const signedHeaders = q.get('X-Amz-SignedHeaders');
  const signature = q.get('X-Amz-Signature');
  if (
    algorithm === undefined ||
    credential === undefined ||
    date === undefined ||
    expires === undefined ||
    signedHeaders === undefined ||
    signature === undefined
  ) {
    throw fail(MSG_QUERY_REQUIRED);
  }
  if (algorithm !== ALGORITHM) throw fail('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const services = options.services ?? DEFAULT_SERVICES;
  const cred = parseCredential(credential, fail, 'Error parsing the X-Amz-Credential parameter; ', services);
  const requestTime = parseAmzDate(date);
  if (requestTime === null)
    throw fail("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  const expiresSeconds = parseExpires(expires);
  const prefix = 'Error parsing the X-Amz-SignedHeaders parameter; ';
  const signed = parseSignedHeaders(signedHeaders, fail, prefix);
  const sig = parseSignature(signature, fail, 'Error parsing the X-Amz-Signature parameter; ');

  const h = scanned.values;
  const contentSha = queryOrHeader(
    q.get('X-Amz-Content-Sha256'),
    h['x-amz-content-sha256'],
    'x-amz-content-sha256',
  );
  const payloadHash = contentSha === undefined ? UNSIGNED_PAYLOAD : checkPayloadHash(contentSha);
  const sessionToken = queryOrHeader(
    q.get('X-Amz-S3session-Token'),
    h['x-amz-s3session-token'],
    'x-amz-s3session-token',
  );
  const securityToken = queryOrHeader(
    q.get('X-Amz-Security-Token'),
    h['x-amz-security-token'],
    'x-amz-security-token',
  );

  // Only x-amz-* headers need it (a presigned GET from a browser or wrk has none).
  const queryByLowerName = new Map<string, string>();
  if (scanned.amz.length > 0) for (const [name, value] of q) queryByLowerName.set(name.toLowerCase(), value);
  checkSignedHeaderCoverage(signed, scanned.amz, queryByLowerName);

  const auth: SigV4Auth = {
    form: 'query',
    ...cred,
    signedHeaders: signed,
    signature: sig,
    amzDate: date,
    requestTime,
    expiresSeconds,
    payloadHash,
  };
  return withOptional(auth, sessionToken, securityToken);
}

/**
 * X-Amz-Expires: 1 to 604800 seconds ("Authenticating Requests: Using Query Parameters (AWS
 * Signature Version 4)", https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
 * A negative number is refused as S3 refuses it, as not non-negative rather than as not a number.
 */
function parseExpires(value: string): number {
  if (/^-\d{1,10}$/.test(value))
    throw authorizationQueryParametersError('X-Amz-Expires must be non-negative');
  if (!/^\d{1,10}$/.test(value)) throw authorizationQueryParametersError('X-Amz-Expires should be a number');
  const n = Number(value);
  if (n < 1) throw authorizationQueryParametersError('X-Amz-Expires must be greater than 0');
  if (n > MAX_PRESIGN_EXPIRES_SECONDS) {
    throw authorizationQueryParametersError(
      'X-Amz-Expires must be less than a week (in seconds) that is 604800',
    );
  }
  return n;
}

/**
 * Returns null when the request carries no SigV4 credentials at all (anonymous). Throws S3Error
 * when malformed. `options.services` exists for the generic SigV4 test vectors (service "service").
 */
export function parseSigV4(req: RequestParts, options: ParseOptions = {}): SigV4Auth | null {
  const scanned = scanHeaders(req.rawHeaders);
  const query = scanQuery(req);
  const authorization = scanned.values.authorization;

  if (authorization !== undefined) {
    if (query.has('X-Amz-Algorithm')) throw invalidArgument(MSG_ONE_MECHANISM); // the header value (a signature) is not echoed back
    return parseHeaderForm(scanned, authorization, options);
  }
  if (query.has('X-Amz-Algorithm')) return parseQueryForm(scanned, query, options);
  if (query.has('X-Amz-Credential') || query.has('X-Amz-Signature')) {
    throw authorizationQueryParametersError(MSG_QUERY_REQUIRED);
  }
  // Signature V2 presigned URL.
  if (query.has('AWSAccessKeyId') && query.has('Signature')) throw invalidRequest(MSG_UNSUPPORTED_MECHANISM);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Verification

function requestTimeTooSkewed(requestTime: Date, now: Date): S3Error {
  return new S3Error('RequestTimeTooSkewed', undefined, {
    RequestTime: formatAmzDate(requestTime),
    ServerTime: now.toISOString(),
    MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
  });
}

function checkTime(auth: SigV4Auth, now: Date): void {
  const t = auth.requestTime.getTime();
  const n = now.getTime();
  if (auth.form === 'header') {
    if (Math.abs(n - t) > MAX_SKEW_MS) throw requestTimeTooSkewed(auth.requestTime, now);
    return;
  }
  if (t - n > MAX_SKEW_MS) throw requestTimeTooSkewed(auth.requestTime, now);
  const expiresAt = t + (auth.expiresSeconds ?? 0) * 1000;
  if (n > expiresAt) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      'X-Amz-Expires': String(auth.expiresSeconds ?? 0),
      Expires: new Date(expiresAt).toISOString(),
      ServerTime: now.toISOString(),
    });
  }
}

function checkScopeDate(auth: SigV4Auth): void {
  const dateOfRequest = auth.amzDate.slice(0, 8);
  if (auth.scopeDate === dateOfRequest) return;
  if (auth.form === 'header') {
    throw authorizationHeaderMalformed(
      'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.',
    );
  }
  throw authorizationQueryParametersError(
    `Invalid credential date "${auth.scopeDate}". This date is not the same as X-Amz-Date: "${dateOfRequest}".`,
  );
}

/**
 * Verifies the signature with the given secret: time, then scope date, then the HMAC (compared
 * in constant time). Returns the signing key (needed for aws-chunked chunk signatures).
 */
export function verifySigV4(
  req: RequestParts,
  auth: SigV4Auth,
  secretAccessKey: string,
  now: Date,
  keys: SigningKeyCache,
): Buffer {
  checkTime(auth, now);
  checkScopeDate(auth);
  const signingKey = keys.get(secretAccessKey, auth.scopeDate, auth.region, auth.service);
  const expected = computeSignature(signingKey, stringToSignOf(auth, hashOfCanonicalRequest(req, auth)));
  if (!signaturesEqual(expected, auth.signature)) throw signatureDoesNotMatch();
  return signingKey;
}
