/** Which byte runs of which blobs a range of an object needs. */
import type { Segment } from './types.js';

/** Bytes [start, end] (inclusive, never empty) of one blob. */
export interface BlobSpan {
  blobId: string;
  inline: boolean;
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
        inline: segment.inline === true,
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
