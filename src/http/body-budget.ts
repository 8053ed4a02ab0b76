/**
 * One budget, per server process, for the request-body bytes held in memory whole: the XML
 * documents (CompleteMultipartUpload up to 4 MiB, DeleteObjects up to 2 MiB, bucket
 * configurations and policies) and the IAM/STS form bodies that readBounded
 * (request-body.ts) collects before they are parsed. Each request is bounded by its own limit;
 * this bounds them all together, so many connections each sending a maximal document cannot
 * add up to unbounded memory. Object bodies are never held whole (they stream to the store)
 * and do not count.
 *
 * Bytes are reserved as they arrive and released when the read ends, however it ends. A
 * request that would go over the budget fails at once (503 SlowDown for S3: AWS answers
 * SlowDown when its "protection mechanisms … detect intentional or unintentional resource
 * over-consumption", Amazon S3 User Guide, "Amazon S3 error best practices").
 */

/** Default budget: 16 maximal CompleteMultipartUpload documents at once. */
export const DEFAULT_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

export class BodyBudget {
  private used = 0;

  constructor(readonly limit: number = DEFAULT_BODY_BUDGET_BYTES) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`invalid body budget ${limit}`);
  }

  /** Bytes reserved now. */
  get inUse(): number {
    return this.used;
  }

  /** Reserves `bytes`; false (nothing reserved) when that would go over the limit. */
  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  /** Returns bytes reserved earlier. */
  release(bytes: number): void {
    this.used -= bytes;
    if (this.used < 0) throw new Error('body budget released more than it reserved');
  }
}
