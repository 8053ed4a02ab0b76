/**
 * Start-up picks the storage backend from configuration: the only place that names one.
 * The embedded backend (SQLite and files in the data dir), or the cluster backend
 * (PostgreSQL metadata and a shared blob tier, cluster.ts).
 */
import type { ClusterStoreOptions } from './cluster.js';
import { openEmbeddedStore, type EmbeddedStoreOptions } from './embedded.js';
import type { ObjectStore } from './object-store.js';

export type StorageConfig =
  ({ kind: 'embedded' } & EmbeddedStoreOptions) | ({ kind: 'cluster' } & ClusterStoreOptions);

export async function openObjectStore(config: StorageConfig): Promise<ObjectStore> {
  switch (config.kind) {
    case 'embedded':
      return openEmbeddedStore(config);
    case 'cluster':
      // Loaded only in cluster mode: the pg client would add to every embedded start.
      return (await import('./cluster.js')).openClusterStore(config);
  }
}
