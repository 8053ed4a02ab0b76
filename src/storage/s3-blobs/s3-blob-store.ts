/**
 * The S3-compatible blob tier: object bytes as objects of an upstream bucket (Ceph RGW, MinIO,
 * AWS S3, …) under `<prefix><random id>`. The tier only ever sees PUTs of fresh names, ranged
 * GETs and DELETEs; listing is for the sweep at open and for counting, never on the hot path.
 *
 * A blob is durable once the upstream acknowledged its PutObject or CompleteMultipartUpload
 * (S3 acknowledges a write only after storing it). Bodies up to a part are one PutObject;
 * longer ones a multipart upload (multipart-writer.ts), aborted on failure.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { randomHex } from '../../util/random-bytes.js';
import { readHead } from '../../util/read-head.js';
import type { BlobStore } from '../halves.js';
import type { ByteRange } from '../object-store.js';
import { writeMultipart } from './multipart-writer.js';
import { RangedGet } from './ranged-get.js';
import { BlobTierError, isCredentialFailure, isMissingBucket, upstreamError } from './upstream-error.js';

const BLOB_ID = /^[0-9a-f]{32}$/;

/** Bytes per multipart part, and the largest body sent as one PutObject. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/** DeleteObjects takes at most this many keys (Amazon S3 DeleteObjects). */
const DELETE_BATCH = 1000;

export interface S3BlobStoreOptions {
  /** The upstream's URL, e.g. http://127.0.0.1:7480. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Prepended to every blob id ('' or ending in '/'). */
  prefix?: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Bytes per part of a multipart upload (at least 5 MiB). */
  partSize?: number;
  /** Gives up on a connection attempt after this long. */
  connectTimeoutMs?: number;
  /** Gives up on a request whose socket is idle this long. */
  requestTimeoutMs?: number;
  /** Attempts per request, retries included (the SDK retries 5xx, throttling and network errors). */
  maxAttempts?: number;
}

export function isBlobId(id: string): boolean {
  return BLOB_ID.test(id);
}

function assertBlobId(id: string): void {
  if (!isBlobId(id)) throw new Error(`invalid blob id: ${JSON.stringify(id)}`);
}

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  /** Names the upstream in messages: endpoint and bucket, never credentials. */
  readonly where: string;

  /** Ids waiting for the next DeleteObjects batch. */
  private removeQueue: string[] = [];
  private removeScheduled = false;
  /** Batches in flight, and who waits for them. */
  private removing = 0;
  private readonly removeWaiters: Array<() => void> = [];

  constructor(private readonly options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.where = `${options.endpoint} bucket ${options.bucket}${this.prefix ? ` prefix ${this.prefix}` : ''}`;
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
      // Most S3-compatible stores have no per-bucket DNS names.
      forcePathStyle: true,
      maxAttempts: options.maxAttempts ?? 3,
      // Checksums only where S3 requires them: older upstreams (Ceph before Reef) reject the
      // aws-chunked trailing checksums the SDK sends by default.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 5_000,
        requestTimeout: options.requestTimeoutMs ?? 60_000,
        // A slow client's GET holds its upstream socket while it reads: a small pool would let
        // a few slow readers stall every other request. Client connections (--max-connections)
        // bound how many streams there are; two parts per write add to them.
        httpAgent: { keepAlive: true, maxSockets: 2048 },
      },
    });
  }

  private keyOf(blobId: string): string {
    assertBlobId(blobId);
    return this.prefix + blobId;
  }

  private fail(operation: string, err: unknown): BlobTierError {
    return upstreamError(this.where, operation, err);
  }

  /**
   * Writes and deletes a probe object, so that refused credentials, a missing bucket or an
   * unreachable endpoint stop the node at start rather than fail its first PUT. The probe has
   * a blob id's name: if the delete never happens, the sweep removes it.
   */
  async checkWritable(): Promise<void> {
    const key = this.keyOf(randomHex(16));
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.alloc(0) }));
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      const where = `${this.options.endpoint} (bucket ${this.bucket})`;
      if (isCredentialFailure(err)) {
        throw new BlobTierError(
          `the blob tier at ${where} refused the credentials of access key ${this.options.credentials.accessKeyId} ` +
            `(check ZONAL_BLOBS_ACCESS_KEY_ID / ZONAL_BLOBS_SECRET_ACCESS_KEY): ${this.fail('PutObject', err).message}`,
          false,
          { cause: err },
        );
      }
      if (isMissingBucket(err)) {
        throw new BlobTierError(
          `the blob tier at ${where}: the bucket ${this.bucket} does not exist`,
          false,
          {
            cause: err,
          },
        );
      }
      throw new BlobTierError(
        `cannot use the blob tier at ${where}: ${this.fail('PutObject', err).message}`,
        false,
        {
          cause: err,
        },
      );
    }
  }

  async write(source: Readable): Promise<{ blobId: string; size: number }> {
    const blobId = randomHex(16);
    const key = this.keyOf(blobId);
    // A failing source is the client's failure, passed on as it is (not an upstream error).
    const head = await readHead(source, this.partSize);
    if (head.rest === undefined) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: head.bytes,
            ContentLength: head.bytes.length,
          }),
        );
      } catch (err) {
        // A PutObject that timed out may still land; the remove makes sure it does not stay.
        this.remove([blobId]);
        throw this.fail('PutObject', err);
      }
      return { blobId, size: head.bytes.length };
    }
    try {
      const size = await writeMultipart(
        { client: this.client, bucket: this.bucket, key, partSize: this.partSize },
        head.rest,
      );
      return { blobId, size };
    } catch (err) {
      if (head.rest.errored) throw head.rest.errored;
      throw this.fail('multipart upload', err);
    }
  }

  read(blobId: string, range: ByteRange): Readable {
    return new RangedGet(this.client, this.bucket, this.keyOf(blobId), range, (err) =>
      this.fail(`GetObject ${blobId}`, err),
    );
  }

  /** Queues blobs for deletion; the ids queued within one turn of the event loop share a batch. */
  remove(blobIds: readonly string[]): void {
    for (const blobId of blobIds) assertBlobId(blobId);
    this.removeQueue.push(...blobIds);
    if (this.removeScheduled) return;
    this.removeScheduled = true;
    this.removing++;
    setImmediate(() => {
      this.removeScheduled = false;
      const ids = this.removeQueue;
      this.removeQueue = [];
      this.deleteKeys(ids.map((id) => this.prefix + id))
        .catch(() => undefined) // Left to the sweep at the next open.
        .finally(() => {
          if (--this.removing === 0) for (const resolve of this.removeWaiters.splice(0)) resolve();
        });
    });
  }

  settled(): Promise<void> {
    if (this.removing === 0) return Promise.resolve();
    return new Promise((resolve) => this.removeWaiters.push(resolve));
  }

  /** DeleteObjects in batches; a key already gone counts as deleted. Throws on the first failure. */
  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new BlobTierError(
          `blob tier ${this.where}: DeleteObjects failed for ${failed.length} keys (${failed[0]!.Code})`,
          true,
        );
      }
    }
  }

  /** Every blob id under the prefix (one ListObjectsV2 page at a time). */
  /** Blob ids under the prefix, with when the upstream stored them. */
  private async *listBlobs(): AsyncGenerator<{ id: string; modified: number }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const id = object.Key?.slice(this.prefix.length);
        // Keys below a further '/' or of another shape are not ours (another prefix's, say).
        if (id !== undefined && isBlobId(id)) yield { id, modified: object.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /**
   * Removes every blob `isReferenced` rejects and aborts every multipart upload under the
   * prefix (a crash mid-write). At open no write is in flight; with `modifiedBefore` (a
   * cluster's reconciliation, while other nodes write) only blobs stored, and uploads begun,
   * before it: a blob written meanwhile is referenced by a commit yet to come.
   */
  async sweep(isReferenced: (blobId: string) => boolean, modifiedBefore = Infinity): Promise<number> {
    try {
      let removed = 0;
      let batch: string[] = [];
      for await (const { id, modified } of this.listBlobs()) {
        if (modified >= modifiedBefore || isReferenced(id)) continue;
        batch.push(this.prefix + id);
        if (batch.length === DELETE_BATCH) {
          await this.deleteKeys(batch);
          removed += batch.length;
          batch = [];
        }
      }
      await this.deleteKeys(batch);
      removed += batch.length;
      return removed + (await this.abortUploads(modifiedBefore));
    } catch (err) {
      throw this.fail('sweep', err);
    }
  }

  private async abortUploads(initiatedBefore: number): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: this.prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        const id = upload.Key?.slice(this.prefix.length);
        if (id === undefined || !isBlobId(id)) continue;
        if ((upload.Initiated?.getTime() ?? 0) >= initiatedBefore) continue;
        await this.client.send(
          new AbortMultipartUploadCommand({
            Bucket: this.bucket,
            Key: upload.Key,
            UploadId: upload.UploadId,
          }),
        );
        aborted++;
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async count(): Promise<number> {
    try {
      let n = 0;
      for await (const _blob of this.listBlobs()) n++;
      return n;
    } catch (err) {
      throw this.fail('ListObjectsV2', err);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
