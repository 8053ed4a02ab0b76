/**
 * The cluster backend: PostgreSQL metadata shared by every node, and a blob tier every node
 * reaches (a shared directory). Several nodes use the halves at once, so no node sweeps
 * orphans at open (it would delete another node's in-flight blobs) and freed blobs stay a
 * while for readers on other nodes (SegmentStore's `shared` mode).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LocalDirBlobStore } from './files/blob-files.js';
import { PostgresMetadataStore } from './postgres/postgres-metadata.js';
import { SegmentStore } from './segment-store.js';

export interface ClusterStoreOptions {
  /** `postgres://USER[:PASSWORD]@HOST:PORT/DB`. */
  metadataUrl: string;
  /** The shared blob directory (`--blobs dir:PATH`). */
  blobDir: string;
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
  /** How long a freed blob stays for readers on other nodes (default SHARED_FREE_DELAY_MS). */
  blobGraceMs?: number;
}

/** Small bodies go into the metadata row: one commit, nothing on the shared tier (design note). */
export const CLUSTER_INLINE_MAX_BYTES = 32 * 1024;

export async function openClusterStore(options: ClusterStoreOptions): Promise<SegmentStore> {
  const blobDir = path.resolve(options.blobDir);
  let blobs: LocalDirBlobStore;
  try {
    fs.mkdirSync(blobDir, { recursive: true, mode: 0o700 });
    blobs = new LocalDirBlobStore(blobDir, options.fsync);
    blobs.checkWritable();
  } catch (err) {
    throw new Error(`blob directory ${blobDir} cannot be created or written: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let meta: PostgresMetadataStore;
  try {
    meta = await PostgresMetadataStore.open({ url: options.metadataUrl, poolSize: options.poolSize });
  } catch (err) {
    blobs.close();
    throw err;
  }
  const shared = options.shared ?? true;
  const store = new SegmentStore(meta, blobs, {
    inlineMaxBytes: options.inlineMaxBytes ?? CLUSTER_INLINE_MAX_BYTES,
    shared,
    ...(options.blobGraceMs === undefined ? {} : { freeDelayMs: options.blobGraceMs }),
  });
  if (!shared) {
    try {
      await store.sweepOrphans();
    } catch (err) {
      store.close();
      throw err;
    }
  }
  return store;
}
