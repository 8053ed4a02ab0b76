/**
 * Streams a body of unknown length to an S3-compatible upstream as one multipart upload, in
 * memory bounded by (MAX_PARTS_IN_FLIGHT + 1) parts: the parts being uploaded and the one
 * being filled. On any failure the upload is aborted, so no parts are left behind (and what
 * an abort misses, the sweep's ListMultipartUploads finds).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

/** Parts uploaded at once; the source is not read while this many are in flight. */
export const MAX_PARTS_IN_FLIGHT = 2;

/** S3 allows at most this many parts per upload (Amazon S3 multipart upload limits). */
const MAX_PARTS = 10_000;

export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  /** Bytes per part except the last; at least 5 MiB (the S3 minimum). */
  partSize: number;
}

/** Uploads `source` in parts; resolves with its size once the upload is complete. */
export async function writeMultipart(target: MultipartTarget, source: Readable): Promise<number> {
  const { client, bucket, key, partSize } = target;
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');

  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const upload = (partNumber: number, body: Buffer): void => {
    const sent = client
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .then(
        (res) => {
          completed.push({ PartNumber: partNumber, ETag: res.ETag });
        },
        (err: unknown) => {
          failure ??= err;
        },
      )
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  };

  let size = 0;
  let partNumber = 0;
  let filling = Buffer.allocUnsafe(partSize);
  let filled = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(chunk.length - at, partSize - filled);
        chunk.copy(filling, filled, at, at + n);
        filled += n;
        at += n;
        if (filled < partSize) continue;
        if (++partNumber > MAX_PARTS)
          throw new Error(`blob larger than ${MAX_PARTS} parts of ${partSize} bytes`);
        upload(partNumber, filling);
        size += filled;
        filling = Buffer.allocUnsafe(partSize);
        filled = 0;
        // Back-pressure: the source waits while the upstream is busy with enough parts.
        while (inFlight.size >= MAX_PARTS_IN_FLIGHT) await Promise.race(inFlight);
        if (failure !== undefined) throw failure;
      }
    }
    // The last part may be short; an upload needs at least one part, even an empty one.
    if (filled > 0 || partNumber === 0) {
      upload(++partNumber, filling.subarray(0, filled));
      size += filled;
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
    return size;
  } catch (err) {
    if (!source.destroyed) source.destroy();
    await Promise.allSettled(inFlight);
    // Best effort: an upload the abort misses is found by the sweep (ListMultipartUploads).
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
    throw err;
  }
}
