/**
 * Reading an object's bytes across its segments: which byte runs of which blobs a range needs,
 * and a stream that reads them in order, opening one file at a time.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { Segment } from './types.js';

/** Bytes [start, end] (inclusive, never empty) of one blob. */
export interface BlobSpan {
  blobId: string;
  start: number;
  end: number;
}

/** The same run, located in a file. */
export interface FileSpan {
  path: string;
  start: number;
  end: number;
}

/**
 * The blob runs holding bytes [start, end] (inclusive) of an object made of `segments`, in
 * order. Empty segments hold nothing and are skipped. Throws on a range outside the object.
 */
export function spansOf(segments: readonly Segment[], range: { start: number; end: number }): BlobSpan[] {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${start}-${end}`);
  }
  const spans: BlobSpan[] = [];
  let offset = 0;
  for (const segment of segments) {
    const segmentEnd = offset + segment.size - 1;
    if (segment.size > 0 && segmentEnd >= start && offset <= end) {
      spans.push({
        blobId: segment.blobId,
        start: Math.max(start - offset, 0),
        end: Math.min(end, segmentEnd) - offset,
      });
    }
    offset += segment.size;
    if (offset > end) break;
  }
  if (offset <= end)
    throw new RangeError(`byte range ${start}-${end} is outside an object of ${offset} bytes`);
  return spans;
}

/** Reads [span.start, span.end] of `file` into `out` at `offset`; returns the byte count. */
export function readSpanSync(
  file: string,
  span: { start: number; end: number },
  out: Buffer,
  offset: number,
): number {
  const length = span.end - span.start + 1;
  const fd = fs.openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, offset + done, length - done, span.start + done);
      if (n === 0) throw new Error(`blob file ${file} is shorter than its segment`);
      done += n;
    }
    return length;
  } finally {
    closeQuietly(fd);
  }
}

const CHUNK = 64 * 1024;

/** Closing a read-only fd cannot lose data; a failure must not crash the stream. */
function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Nothing to do.
  }
}

/**
 * Streams file spans in order. Each file is opened when the stream reaches it and closed when
 * its span is done, so at most one fd is open however many spans there are. `onClose` runs
 * once, after the last fd is closed, when the stream ends, fails or is destroyed.
 */
export class SpanReader extends Readable {
  private index = 0;
  private fd: number | undefined;
  private position = 0;
  /** An open or read is in flight; closing the fd must wait for it. */
  private busy = false;
  private pendingDestroy: (() => void) | undefined;

  constructor(
    private readonly spans: readonly FileSpan[],
    private readonly onClose: () => void,
  ) {
    super({ highWaterMark: CHUNK });
  }

  override _read(size: number): void {
    const span = this.spans[this.index];
    if (span === undefined) {
      this.push(null);
      return;
    }
    if (this.fd === undefined) {
      this.openSpan(span, size);
      return;
    }
    const fd = this.fd;
    const length = Math.min(size, CHUNK, span.end - this.position + 1);
    const buffer = Buffer.allocUnsafe(length);
    this.busy = true;
    fs.read(fd, buffer, 0, length, this.position, (err, bytesRead) => {
      this.busy = false;
      if (this.pendingDestroy) return this.pendingDestroy();
      if (err) return void this.destroy(err);
      if (bytesRead === 0) {
        return void this.destroy(new Error(`blob file ${span.path} is shorter than its segment`));
      }
      this.position += bytesRead;
      if (this.position > span.end) {
        this.fd = undefined;
        this.index++;
        closeQuietly(fd);
      }
      this.push(bytesRead < length ? buffer.subarray(0, bytesRead) : buffer);
    });
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const finish = (): void => {
      this.pendingDestroy = undefined;
      const fd = this.fd;
      this.fd = undefined;
      const done = (): void => {
        this.onClose();
        callback(err);
      };
      if (fd === undefined) done();
      else fs.close(fd, done);
    };
    if (this.busy) this.pendingDestroy = finish;
    else finish();
  }

  private openSpan(span: FileSpan, size: number): void {
    this.busy = true;
    fs.open(span.path, 'r', (err, fd) => {
      this.busy = false;
      if (!err) {
        this.fd = fd;
        this.position = span.start;
      }
      if (this.pendingDestroy) return this.pendingDestroy();
      if (err) return void this.destroy(err);
      this._read(size);
    });
  }
}
