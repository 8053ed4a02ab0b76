/**
 * A byte range of an upstream object as a Readable that exists before the request does: the
 * BlobStore interface hands out a stream synchronously, so the GetObject starts on the first
 * read, and destroying the stream aborts it. A body shorter than the range is an error, not
 * a silently short object.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { ByteRange } from '../object-store.js';

export class RangedGet extends Readable {
  private readonly abort = new AbortController();
  private body: Readable | undefined;
  private started = false;
  private received = 0;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly range: ByteRange,
    private readonly wrapError: (err: unknown) => Error,
  ) {
    super();
  }

  override _read(): void {
    if (this.started) {
      this.body?.resume();
      return;
    }
    this.started = true;
    const { start, end } = this.range;
    this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, Range: `bytes=${start}-${end}` }), {
        abortSignal: this.abort.signal,
      })
      .then(
        (res) => this.attach(res.Body as Readable),
        (err: unknown) => this.destroy(this.wrapError(err)),
      );
  }

  private attach(body: Readable): void {
    if (this.destroyed) {
      body.destroy();
      return;
    }
    this.body = body;
    const expected = this.range.end - this.range.start + 1;
    body.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (!this.push(chunk)) body.pause();
    });
    body.once('end', () => {
      if (this.received === expected) this.push(null);
      else this.destroy(this.wrapError(new Error(`got ${this.received} of ${expected} bytes`)));
    });
    body.once('error', (err) => this.destroy(this.wrapError(err)));
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.abort.abort();
    this.body?.destroy();
    done(err);
  }
}
