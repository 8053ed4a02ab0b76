/**
 * The embedded backend: SQLite metadata (with small bodies inline) and blob files in one data
 * directory. Nothing to install; one process (or the workers of one `--workers` primary).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openBlobTier, type BlobTierOptions } from './blob-tier.js';
import { LocalDirBlobStore } from './files/blob-files.js';
import type { BlobStore } from './halves.js';
import { SegmentStore } from './segment-store.js';
import { SqliteMetadataStore } from './sqlite/sqlite-metadata.js';

export interface EmbeddedStoreOptions {
  dataDir: string;
  /** fsync blobs, their directories and the SQLite WAL before acknowledging a write. */
  fsync: boolean;
  /**
   * Other processes use this data dir too (`--workers`): no orphan sweep at open (it would
   * delete their in-flight blobs; the primary sweeps before they start), and freed blobs stay
   * a while (see SegmentStore).
   */
  shared?: boolean;
  /** Bodies up to this size live in the database, not in files (default INLINE_MAX_BYTES). */
  inlineMaxBytes?: number;
  /**
   * Blobs elsewhere than in the data dir (`--blobs`). The sweep at open removes what this
   * data dir's metadata does not reference: one prefix per data dir, never shared.
   */
  blobTier?: Omit<BlobTierOptions, 'fsync'>;
}

/**
 * Objects and parts up to this size keep their bytes in the metadata database: one commit, no
 * file create, no directory fsync, and concurrent small writes share one WAL fsync. Measured
 * (bench/README.md, "Small objects inline"): durable PUTs of 16 and 32 KiB run ~1.45× faster
 * inline than as files, 64 KiB only ~1.1×, while 64 KiB GETs are ~18% faster from files.
 */
export const INLINE_MAX_BYTES = 32 * 1024;

export type EmbeddedStore = SegmentStore;

/** Opens (creating it if needed) the data dir's store, with a message an operator can act on. */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const dataDir = path.resolve(options.dataDir);
  const blobs: BlobStore =
    options.blobTier === undefined
      ? openBlobFiles(dataDir, options.fsync)
      : await openBlobTier({ ...options.blobTier, fsync: options.fsync });
  let meta: SqliteMetadataStore;
  try {
    meta = new SqliteMetadataStore({
      path: path.join(dataDir, 'meta.sqlite3'),
      fsync: options.fsync,
      shared: options.shared ?? false,
    });
  } catch (err) {
    blobs.close();
    throw new Error(`cannot open the metadata database in ${dataDir}: ${errorMessage(err)}`, { cause: err });
  }
  const store = new SegmentStore(meta, blobs, {
    inlineMaxBytes: options.inlineMaxBytes ?? INLINE_MAX_BYTES,
    shared: options.shared ?? false,
  });
  try {
    if (!options.shared) await store.sweepOrphans();
  } catch (err) {
    store.close();
    const where =
      options.blobTier === undefined ? `the data directory ${dataDir}` : `the blobs ${options.blobTier.spec}`;
    throw new Error(`cannot clean up ${where}: ${errorMessage(err)}`, { cause: err });
  }
  return store;
}

/** Creates the data directory tree and proves it writable. */
function openBlobFiles(dataDir: string, fsync: boolean): LocalDirBlobStore {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const blobs = new LocalDirBlobStore(dataDir, fsync);
    blobs.checkWritable();
    return blobs;
  } catch (err) {
    throw new Error(`data directory ${dataDir} cannot be created or written: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
