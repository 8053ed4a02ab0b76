import { S3Error } from '../errors/s3-error.js';

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Resolves a `Range` header against an object size, as S3 does: a syntactically invalid or
 * multi-range header is ignored (whole object), an unsatisfiable one is 416 InvalidRange.
 */
export function resolveRange(value: string | undefined, size: number): ByteRange | undefined {
  if (value === undefined) return undefined;
  const match = SINGLE_RANGE.exec(value.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) throw invalidRange(size);
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

export function invalidRange(size: number): S3Error {
  return new S3Error('InvalidRange', undefined, {
    ActualObjectSize: String(size),
  });
}
