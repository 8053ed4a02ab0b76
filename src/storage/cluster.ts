/**
 * The cluster backend: PostgreSQL metadata shared by every node, and a blob tier every node
 * reaches (a shared directory, or an S3-compatible store: blob-tier.ts). Several nodes use the halves at once, so no node sweeps
 * orphans at open (it would delete another node's in-flight blobs) and freed blobs stay a
 * grace period for readers on other nodes.
 *
 * Garbage collection has no leader: a commit that frees blobs records them in the garbage
 * table in the same transaction; every node collects what has been dead longer than the
 * grace period (claims are `FOR UPDATE SKIP LOCKED`, so nodes split the work), and now and
 * then reconciles: blobs on the tier that no row references, untouched for a grace period
 * (a node killed mid-write), are removed.
 */
import { openBlobTier, type BlobTierOptions } from './blob-tier.js';
import type { BlobStore } from './halves.js';
import { PostgresMetadataStore } from './postgres/postgres-metadata.js';
import { SegmentStore, SHARED_FREE_DELAY_MS } from './segment-store.js';

export interface ClusterStoreOptions {
  /** `postgres://USER[:PASSWORD]@HOST:PORT/DB`. */
  metadataUrl: string;
  /** The blob tier every node shares (`--blobs dir:PATH` or `s3://BUCKET`, blob-tier.ts). */
  blobTier: Omit<BlobTierOptions, 'fsync'>;
  /** fsync blobs and their directories before a write is acknowledged. */
  fsync: boolean;
  /** Bodies up to this size live in the database (default CLUSTER_INLINE_MAX_BYTES). */
  inlineMaxBytes?: number;
  /**
   * Other nodes (or workers) use the same halves. Default true; false only for a store known
   * to be alone (tests of the store itself), which then sweeps orphans at open.
   */
  shared?: boolean;
  /** Connections this node keeps to the database at most. */
  poolSize?: number;
  /**
   * How long a freed blob stays for readers on other nodes (default SHARED_FREE_DELAY_MS).
   * 0: removed as soon as no reader of this node pins it (one node only).
   */
  blobGraceMs?: number;
  /** How often this node collects garbage (default: a quarter of the grace, at most a minute). */
  collectIntervalMs?: number;
  /** How often this node reconciles the tier with the rows (default 10 minutes; 0: never). */
  reconcileIntervalMs?: number;
}

/** Small bodies go into the metadata row: one commit, nothing on the shared tier (design note). */
export const CLUSTER_INLINE_MAX_BYTES = 32 * 1024;
const COLLECT_BATCH = 500;
const DEFAULT_RECONCILE_INTERVAL_MS = 10 * 60 * 1000;

/** A cluster node's store, with the node's share of garbage collection. */
export class ClusterStore extends SegmentStore {
  private readonly timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly metadata: PostgresMetadataStore,
    private readonly tier: BlobStore,
    private readonly graceMs: number,
    options: { inlineMaxBytes: number; shared: boolean },
  ) {
    super(metadata, tier, { ...options, freeDelayMs: graceMs });
  }

  /** Removes blobs dead for longer than the grace period (this node's claim of them). */
  async collectGarbage(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.metadata.collectGarbage(this.graceMs, COLLECT_BATCH, async (ids) => {
        this.tier.remove(ids);
        await this.tier.settled();
      });
      total += n;
      if (n < COLLECT_BATCH) return total;
    }
  }

  /** Removes tier blobs and inline blobs no row references, left untouched for a grace period. */
  async reconcile(): Promise<number> {
    const startedAt = Date.now();
    const [referenced, garbage] = await Promise.all([
      this.metadata.referencedBlobs(),
      this.metadata.garbageBlobs(),
    ]);
    const files = await this.tier.sweep(
      (id) => referenced.has(id) || garbage.has(id),
      startedAt - this.graceMs,
    );
    return files + (await this.metadata.sweepInline());
  }

  /** Starts this node's periodic collection and reconciliation (errors wait for the next turn). */
  startCollecting(collectIntervalMs: number, reconcileIntervalMs: number): void {
    const every = (ms: number, work: () => Promise<unknown>): void => {
      if (ms <= 0) return;
      const timer = setInterval(() => {
        this.running = this.running.then(work).catch(() => undefined);
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(collectIntervalMs, () => this.collectGarbage());
    every(reconcileIntervalMs, () => this.reconcile());
  }

  override async settled(): Promise<void> {
    await this.running;
    await super.settled();
  }

  override close(): void {
    for (const timer of this.timers) clearInterval(timer);
    super.close();
  }
}

export async function openClusterStore(options: ClusterStoreOptions): Promise<ClusterStore> {
  const blobs = await openBlobTier({ ...options.blobTier, fsync: options.fsync });
  const shared = options.shared ?? true;
  const graceMs = options.blobGraceMs ?? SHARED_FREE_DELAY_MS;
  // Shared with a grace period: the garbage table holds what commits free (see above).
  const deferFrees = shared && graceMs > 0;
  let meta: PostgresMetadataStore;
  try {
    meta = await PostgresMetadataStore.open({
      url: options.metadataUrl,
      poolSize: options.poolSize,
      deferFrees,
    });
  } catch (err) {
    blobs.close();
    throw err;
  }
  const store = new ClusterStore(meta, blobs, graceMs, {
    inlineMaxBytes: options.inlineMaxBytes ?? CLUSTER_INLINE_MAX_BYTES,
    shared,
  });
  if (!shared) {
    try {
      await store.sweepOrphans();
    } catch (err) {
      store.close();
      throw err;
    }
  }
  if (deferFrees) {
    store.startCollecting(
      options.collectIntervalMs ?? Math.min(graceMs / 4, 60_000),
      options.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS,
    );
  }
  return store;
}
