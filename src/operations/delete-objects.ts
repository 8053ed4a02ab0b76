import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  CHECKSUM_API_NAME,
  CHECKSUM_HEADER,
  ChecksumTransform,
  isWellFormedChecksum,
  type ChecksumAlgorithm,
} from '../protocol/checksums.js';
import { malformedXml, S3_XMLNS } from '../protocol/xml.js';
import type { RequestContext } from '../http/request-context.js';
import { readBounded, requestPayload } from '../http/request-body.js';
import { keyLengthError } from '../protocol/limits.js';
import { accessDenied, badDigest, invalidRequest, notImplemented, S3Error } from '../errors/s3-error.js';
import { scopeAllows } from '../access/access-points.js';
import type { ZonalServices } from './services.js';
import { accessPointOf, existingBucket } from './lookups.js';
import { expectedChecksum } from './checked-body.js';

/** A `<Delete>` document of 1000 keys of 1024 bytes, with conditions, fits comfortably. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_OBJECTS = 1000;

/**
 * Values are kept exactly (keys may begin or end with spaces). References are decoded by
 * `decodeText`, not by the parser, which silently drops references to control characters
 * (`&#x85;`, which the SDKs send for U+0085, would then name a different key).
 */
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  isArray: (_name, jpath) => jpath === 'Delete.Object',
});

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five XML entities and character references; anything else is MalformedXML. */
function decodeText(raw: string): string {
  return raw.replace(/&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z]+));|&/g, (_m, hex, dec, name) => {
    if (hex !== undefined || dec !== undefined) {
      const code = hex !== undefined ? parseInt(hex as string, 16) : parseInt(dec as string, 10);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw malformedXml();
      return String.fromCodePoint(code);
    }
    const value = name === undefined ? undefined : XML_ENTITIES[name as string];
    if (value === undefined) throw malformedXml();
    return value;
  });
}

/** CDATA sections become escaped text, so that decodeText treats all text alike. */
function escapeCdata(xml: string): string {
  return xml.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, data: string) =>
    data.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  );
}

/** Per-object preconditions, as EmbeddedStore.deleteObject takes them. */
interface DeleteCondition {
  ifMatch?: string;
  ifMatchLastModifiedTime?: Date;
  ifMatchSize?: number;
}

interface DeleteEntry {
  key: string;
  versionId?: string;
  condition: DeleteCondition;
}

/** Unicode control characters (Cc) other than tab, line feed and carriage return. */
function hasForbiddenControl(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** The checksum the client sent for the body: a header now, or a declared trailer. */
interface BodyChecksum {
  algorithm: ChecksumAlgorithm;
  value?: string;
}

/** DeleteObjects requires a checksum of its body, in a header or a declared trailer. */
function bodyChecksum(ctx: RequestContext): BodyChecksum {
  const expected = expectedChecksum(ctx);
  if (expected.algorithm !== undefined && (expected.value !== undefined || expected.fromTrailer)) {
    return {
      algorithm: expected.algorithm,
      ...(expected.value === undefined ? {} : { value: expected.value }),
    };
  }
  throw invalidRequest('Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
}

/**
 * Reads the whole (small) body, within the server's body budget, and checks it against the
 * client's checksum (a trailer is known only once the body has ended).
 */
async function verifiedBody(
  ctx: RequestContext,
  expected: BodyChecksum,
  services: ZonalServices,
): Promise<Buffer> {
  const payload = requestPayload(ctx);
  const body = await readBounded(payload.stream, {
    limit: MAX_BODY_BYTES,
    declaredLength: payload.declaredLength,
    tooLarge: () => new S3Error('MaxMessageLengthExceeded'),
    budget: services.bodyBudget,
    busy: () => new S3Error('SlowDown'),
  });
  const name = CHECKSUM_HEADER[expected.algorithm];
  const value = expected.value ?? payload.trailers().get(name);
  if (value === undefined) {
    throw invalidRequest('Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
  }
  if (!isWellFormedChecksum(expected.algorithm, value)) {
    throw invalidRequest(`Value for ${name} trailing header is invalid.`);
  }
  const hasher = new ChecksumTransform([expected.algorithm]);
  hasher.resume();
  hasher.end(body);
  if (hasher.checksums()[expected.algorithm] !== value) {
    throw badDigest(
      `The ${CHECKSUM_API_NAME[expected.algorithm]} you specified did not match the calculated checksum.`,
    );
  }
  return body;
}

/** A leaf element's text, or MalformedXML when it is absent where required or not text. */
function text(value: unknown, required: true): string;
function text(value: unknown, required: false): string | undefined;
function text(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw malformedXml();
  return decodeText(value);
}

function parseDeleteDocument(body: Buffer): { quiet: boolean; entries: DeleteEntry[] } {
  // Literal line breaks are normalised as XML requires; escaped ones (&#x0D;) are kept.
  const xml = body.toString('utf8').replace(/\r\n?/g, '\n');
  if (XMLValidator.validate(xml) !== true) throw malformedXml();
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(escapeCdata(xml)) as Record<string, unknown>;
  } catch {
    throw malformedXml(); // e.g. over 100 nested elements or an element named __proto__
  }
  const root = doc['Delete'];
  if (typeof root !== 'object' || root === null) throw malformedXml();
  const { Object: objects, Quiet: quietValue } = root as Record<string, unknown>;
  let quiet = false;
  const quietText = text(quietValue, false)?.trim().toLowerCase();
  if (quietText !== undefined) {
    if (!['true', 'false', '1', '0'].includes(quietText)) throw malformedXml();
    quiet = quietText === 'true' || quietText === '1';
  }
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > MAX_OBJECTS) throw malformedXml();
  const entries = objects.map((o: unknown): DeleteEntry => {
    if (typeof o !== 'object' || o === null) throw malformedXml();
    const fields = o as Record<string, unknown>;
    const condition: DeleteCondition = {};
    const etag = text(fields['ETag'], false);
    if (etag !== undefined) condition.ifMatch = etag.trim();
    const lastModified = text(fields['LastModifiedTime'], false);
    if (lastModified !== undefined) {
      const date = new Date(lastModified.trim());
      if (Number.isNaN(date.getTime())) throw malformedXml();
      condition.ifMatchLastModifiedTime = date;
    }
    const size = text(fields['Size'], false);
    if (size !== undefined) {
      if (!/^\d{1,16}$/.test(size.trim())) throw malformedXml();
      condition.ifMatchSize = Number(size.trim());
    }
    const versionId = text(fields['VersionId'], false);
    return { key: text(fields['Key'], true), versionId, condition };
  });
  return { quiet, entries };
}

/** Why a key cannot be deleted before looking at storage, if it cannot. */
function keyProblem(entry: DeleteEntry): S3Error | undefined {
  const { key } = entry;
  if (!/\S/u.test(key) || hasForbiddenControl(key)) {
    return new S3Error(
      'InvalidArgument',
      'Object keys must contain a non-whitespace character and no control characters other than tab, line feed and carriage return.',
    );
  }
  const tooLong = keyLengthError(key);
  if (tooLong) return tooLong;
  if (entry.versionId !== undefined && entry.versionId !== 'null') {
    return new S3Error('InvalidArgument', 'Invalid version id specified');
  }
  return undefined;
}

/**
 * Escapes element text as the AWS SDKs do (so that CR/LF in keys survive the round trip), and
 * writes other control characters as references too, which the SDKs decode.
 */
function escapeText(value: string): string {
  return value.replace(/[&"'<>\p{Cc}\u2028]/gu, (ch) => {
    if (ch === '\t') return ch;
    switch (ch) {
      case '&':
        return '&amp;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        return `&#x${ch.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

/**
 * DeleteObjects: POST `?delete` with up to 1000 keys, each deleted on its own (with its own
 * ETag / LastModifiedTime / Size conditions); one key's failure is reported, not fatal.
 */
export async function deleteObjects(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  if (ctx.req.headers['content-md5'] !== undefined) {
    throw notImplemented('This bucket does not support Content Md5 header.');
  }
  if (ctx.req.headers['x-amz-mfa'] !== undefined) {
    throw notImplemented('MFA delete is not supported for directory buckets.');
  }
  if (ctx.req.headers['x-amz-request-payer'] !== undefined) {
    throw notImplemented('Requester Pays is not supported for directory buckets.');
  }
  const expected = bodyChecksum(ctx);
  const { quiet, entries } = parseDeleteDocument(await verifiedBody(ctx, expected, services));
  // Through an access point, each key must be within its scope's prefixes.
  const scope = (await accessPointOf(ctx, services))?.scope;

  // All deletes at once: each commits in turn, and they share the wait for durability.
  const outcomes = await Promise.all(
    entries.map(async (entry) => {
      const problem = keyProblem(entry);
      if (problem) return problem;
      if (scope && !scopeAllows(scope, 'DeleteObject', entry.key)) return accessDenied();
      try {
        await services.store.deleteObject(bucket.name, entry.key, entry.condition);
        return undefined;
      } catch (err) {
        if (!(err instanceof S3Error)) throw err;
        return err;
      }
    }),
  );
  const parts: string[] = [];
  entries.forEach((entry, i) => {
    const failure = outcomes[i];
    const key = `<Key>${escapeText(entry.key)}</Key>`;
    if (failure) {
      parts.push(
        `<Error>${key}<Code>${escapeText(failure.code)}</Code><Message>${escapeText(failure.message)}</Message></Error>`,
      );
    } else if (!quiet) {
      parts.push(`<Deleted>${key}</Deleted>`);
    }
  });
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<DeleteResult xmlns="${S3_XMLNS}">${parts.join('')}</DeleteResult>`;
  ctx.res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  ctx.res.end(body);
}
