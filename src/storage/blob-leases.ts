/**
 * In-process read leases on blobs. A reader leases every blob it will read before it yields to
 * the event loop; unlinking a leased blob (overwrite, delete, abort…) is deferred until its
 * last lease is released. A reader that found a record can therefore read all of its bytes,
 * opening files lazily, however the key changes meanwhile.
 *
 * Leases live in memory only: after a crash nothing is leased, and blobs whose unlink was
 * deferred are unreferenced, so the orphan sweep at the next open removes them.
 */
export class BlobLeases<Blob extends { blobId: string }> {
  private readonly counts = new Map<string, number>();
  /** Leased blobs whose unlink waits for their last lease. */
  private readonly doomed = new Map<string, Blob>();

  /** @param unlink removes a blob whose deferred unlink came due; must not throw. */
  constructor(private readonly unlink: (blob: Blob) => void) {}

  /** Leases each blob once per occurrence; returns the release function (idempotent). */
  acquire(blobIds: readonly string[]): () => void {
    for (const id of blobIds) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of blobIds) this.releaseOne(id);
    };
  }

  /**
   * Asks to unlink a blob. Returns true when it is leased (the unlink happens when the last
   * lease goes); false when the caller should unlink it now.
   */
  deferUnlink(blob: Blob): boolean {
    if (!this.counts.has(blob.blobId)) return false;
    this.doomed.set(blob.blobId, blob);
    return true;
  }

  isLeased(blobId: string): boolean {
    return this.counts.has(blobId);
  }

  /** How many blobs are leased (for tests and diagnostics). */
  get size(): number {
    return this.counts.size;
  }

  private releaseOne(blobId: string): void {
    const count = this.counts.get(blobId);
    if (count === undefined) return;
    if (count > 1) {
      this.counts.set(blobId, count - 1);
      return;
    }
    this.counts.delete(blobId);
    const doomed = this.doomed.get(blobId);
    if (doomed === undefined) return;
    this.doomed.delete(blobId);
    this.unlink(doomed);
  }
}
