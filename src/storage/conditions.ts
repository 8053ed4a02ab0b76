/**
 * Write and delete preconditions, checked inside the transaction that commits the change,
 * against the object current at that moment.
 */
import { noSuchKey, preconditionFailed } from '../errors/s3-error.js';
import { etagMatches } from '../protocol/conditional.js';
import type { DeleteCondition } from './object-store.js';
import type { WriteCondition } from './types.js';

/**
 * If-None-Match:* on an existing key → 412; If-Match on a missing key → 404 NoSuchKey (what
 * AWS answers), on a different ETag → 412.
 */
export function checkWriteCondition(
  current: { etag: string } | undefined,
  condition: WriteCondition | undefined,
  key: string,
): void {
  if (condition?.ifNoneMatchStar && current) throw preconditionFailed('If-None-Match');
  if (condition?.ifMatch === undefined) return;
  if (!current) throw noSuchKey(key);
  if (!etagMatches(condition.ifMatch, current.etag)) throw preconditionFailed('If-Match');
}

export function checkDeleteCondition(
  current: { etag: string; size: number; lastModified: Date },
  condition: DeleteCondition | undefined,
): void {
  if (condition === undefined) return;
  if (condition.ifMatch !== undefined && !etagMatches(condition.ifMatch, current.etag)) {
    throw preconditionFailed('If-Match');
  }
  const wantedTime = condition.ifMatchLastModifiedTime;
  if (wantedTime !== undefined && seconds(wantedTime) !== seconds(current.lastModified)) {
    throw preconditionFailed('x-amz-if-match-last-modified-time');
  }
  if (condition.ifMatchSize !== undefined && condition.ifMatchSize !== current.size) {
    throw preconditionFailed('x-amz-if-match-size');
  }
}

/** HTTP dates carry whole seconds; stored times carry milliseconds. */
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
