import { pipeline } from 'node:stream/promises';
import {
  algorithmFromApiName,
  CHECKSUM_API_NAME,
  ChecksumTransform,
  type ChecksumAlgorithm,
} from '../protocol/checksums.js';
import { S3_XMLNS, toXml } from '../protocol/xml.js';
import { header, type RequestContext } from '../http/request-context.js';
import { sendXml } from '../http/respond.js';
import { invalidArgument, invalidRequest, notImplemented, S3Error, toS3Error } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import { checkWriteCondition } from '../storage/conditions.js';
import type { ObjectChecksums, ObjectRecord } from '../storage/types.js';
import { existingBucket } from './lookups.js';
import {
  contentHeadersFrom,
  EXPIRATION_NOT_IMPLEMENTED,
  encryptionHeaders,
  rejectUnsupportedWriteHeaders,
  writeEncryption,
  userMetadataFrom,
} from './object-headers.js';
import { asStream, copySourceOf } from './copy-source.js';
import { newEtag } from './etag.js';
import { writeConditionFrom } from './write-conditions.js';

/** S3's limit for the source of a single CopyObject. */
const MAX_COPY_SOURCE_BYTES = 5 * 1024 ** 3;

/**
 * When a copy is still running after `headersAfterMs`, the `200` status and the XML
 * declaration are sent, then a space every `keepAliveMs` so that neither the client nor a
 * proxy gives up; a failure after that point is an `<Error>` document in the 200 body (as S3
 * does). Exported so tests can make every copy take the streamed path.
 */
export const COPY_RESPONSE_TIMING = { headersAfterMs: 1000, keepAliveMs: 5000 };

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** The algorithm an object's checksum uses, if it has one. */
export function checksumAlgorithmOf(record: Pick<ObjectRecord, 'checksums'>): ChecksumAlgorithm | undefined {
  return (Object.keys(record.checksums) as ChecksumAlgorithm[]).find(
    (a) => record.checksums[a] !== undefined,
  );
}

function metadataDirective(ctx: RequestContext): 'COPY' | 'REPLACE' {
  const value = header(ctx, 'x-amz-metadata-directive');
  if (value === undefined || value === 'COPY' || value === 'REPLACE') return value ?? 'COPY';
  throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', value);
}

/**
 * Tags and annotations do not exist in directory buckets ("CopyObject",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
 */
function rejectUnsupportedCopyHeaders(ctx: RequestContext): void {
  const tagging = header(ctx, 'x-amz-tagging-directive');
  if (tagging !== undefined && tagging !== 'COPY') {
    if (tagging === 'REPLACE') throw notImplemented('Object tagging is not supported for directory buckets.');
    throw invalidArgument('Unknown tagging directive.', 'x-amz-tagging-directive', tagging);
  }
  if (ctx.req.headers['x-amz-object-annotation-directive'] !== undefined) {
    throw notImplemented('Object annotations are not supported for directory buckets.');
  }
  for (const name of Object.keys(ctx.req.headers)) {
    if (name.startsWith('x-amz-copy-source-server-side-encryption-customer-')) {
      throw notImplemented('SSE-C is not supported for directory buckets.');
    }
  }
}

/**
 * The 200 response of a copy that may outlive the client's patience: the final document when
 * the copy is quick, else early headers, whitespace and the document (or an `<Error>`) later.
 */
class CopyResponse {
  private streaming = false;
  private readonly timer: NodeJS.Timeout;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: RequestContext,
    private readonly headers: Record<string, string>,
  ) {
    this.timer = setTimeout(() => this.startStreaming(), COPY_RESPONSE_TIMING.headersAfterMs);
  }

  private startStreaming(): void {
    const { res } = this.ctx;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(200, { ...this.headers, 'Content-Type': 'application/xml' });
    res.write(XML_DECLARATION);
    this.streaming = true;
    this.keepAlive = setInterval(() => {
      if (!res.destroyed) res.write(' ');
    }, COPY_RESPONSE_TIMING.keepAliveMs);
  }

  private stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.keepAlive);
  }

  succeed(document: Record<string, unknown>): void {
    this.stop();
    if (!this.streaming) {
      for (const [name, value] of Object.entries(this.headers)) this.ctx.res.setHeader(name, value);
      sendXml(this.ctx, 200, document);
      return;
    }
    // A client that went away gets nothing more; the copy itself stands.
    if (!this.ctx.res.destroyed) this.ctx.res.end(withoutDeclaration(toXml(document)));
  }

  /**
   * Reports a failure: false when nothing was sent yet (the caller throws, for a real status),
   * true when it went out as an `<Error>` document in the 200 body. The body ends with
   * `</Error>`, which is how SDKs recognise it.
   */
  fail(err: unknown): boolean {
    this.stop();
    if (!this.streaming) return false;
    if (this.ctx.res.destroyed) return true;
    const s3err = toS3Error(err);
    const body = toXml({
      Error: {
        Code: s3err.code,
        Message: s3err.message,
        ...s3err.details,
        Resource: this.ctx.rawPath,
        RequestId: this.ctx.requestId,
        HostId: this.ctx.requestId,
      },
    });
    this.ctx.res.end(withoutDeclaration(body));
    return true;
  }
}

function withoutDeclaration(xml: string): string {
  return xml.startsWith(XML_DECLARATION) ? xml.slice(XML_DECLARATION.length) : xml;
}

const sourceCorrupted = (): S3Error =>
  new S3Error('InternalError', 'The copy source could not be read intact. Please try again.');

/**
 * CopyObject: PUT with `x-amz-copy-source`. Everything that can be refused is refused before
 * a byte is copied; the bytes then stream from the source blobs through the hasher into one
 * new blob, which becomes the destination's single segment.
 */
export async function copyObject(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const key = ctx.target.key!;
  rejectUnsupportedWriteHeaders(ctx, bucket);
  rejectUnsupportedCopyHeaders(ctx);
  const directive = metadataDirective(ctx);
  const condition = writeConditionFrom(ctx);
  const requested = header(ctx, 'x-amz-checksum-algorithm');
  const requestedAlgorithm = requested === undefined ? undefined : algorithmFromApiName(requested);

  const { bucket: sourceBucket, record: source, pinned } = await copySourceOf(ctx, services);
  let record: ObjectRecord;
  try {
    if (source.size > MAX_COPY_SOURCE_BYTES) {
      throw invalidRequest(
        `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SOURCE_BYTES}`,
      );
    }
    const sourceAlgorithm = checksumAlgorithmOf(source);
    const algorithm = requestedAlgorithm ?? sourceAlgorithm ?? 'crc32';
    const isSelf = sourceBucket.name === bucket.name && source.key === key;
    const changesSomething =
      directive === 'REPLACE' ||
      ctx.req.headers['x-amz-storage-class'] !== undefined ||
      ctx.req.headers['x-amz-server-side-encryption'] !== undefined ||
      algorithm !== sourceAlgorithm;
    if (isSelf && !changesSomething) {
      throw invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const content = directive === 'REPLACE' ? contentHeadersFrom(ctx) : source.content;
    const metadata = directive === 'REPLACE' ? userMetadataFrom(ctx) : source.metadata;
    // Checked now so that the common failure is a real 4xx; checked again at commit.
    checkWriteCondition(await services.store.getObject(bucket.name, key), condition, key);

    // The source's own full-object checksum is recomputed on the way, so a damaged blob is
    // never copied silently.
    const verify = source.checksumType === 'FULL_OBJECT' ? sourceAlgorithm : undefined;
    const algorithms = new Set<ChecksumAlgorithm>([algorithm]);
    if (verify) algorithms.add(verify);
    const encryption = writeEncryption(ctx, bucket);
    const response = new CopyResponse(ctx, {
      ...encryptionHeaders(encryption),
      'x-amz-expiration': EXPIRATION_NOT_IMPLEMENTED,
    });
    try {
      const hasher = new ChecksumTransform(algorithms);
      pipeline(asStream(pinned.read()), hasher).catch(() => undefined);
      record = await services.store.putObject(
        bucket.name,
        key,
        hasher,
        (received) => {
          const computed = hasher.checksums();
          if (received.size !== source.size) throw sourceCorrupted();
          if (verify && computed[verify] !== source.checksums[verify]) throw sourceCorrupted();
          const checksums: ObjectChecksums = { [algorithm]: computed[algorithm] };
          return {
            etag: newEtag(),
            lastModified: services.clock.now(),
            content,
            metadata,
            checksums,
            checksumType: 'FULL_OBJECT',
            multipart: false,
            encryption,
          };
        },
        condition,
      );
    } catch (err) {
      if (!response.fail(err)) throw err;
      return;
    }
    const checksumName = `Checksum${CHECKSUM_API_NAME[algorithm]}`;
    response.succeed({
      CopyObjectResult: {
        '@_xmlns': S3_XMLNS,
        ETag: record.etag,
        LastModified: record.lastModified.toISOString(),
        ChecksumType: record.checksumType,
        [checksumName]: record.checksums[algorithm],
      },
    });
  } finally {
    pinned.release();
  }
}
