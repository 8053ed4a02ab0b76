/**
 * Start-up picks the storage backend from configuration: the only place that names one.
 * The embedded backend (SQLite and files in the data dir), or the cluster backend
 * (PostgreSQL metadata and a shared blob tier, cluster.ts).
 */
import { openClusterStore, type ClusterStoreOptions } from './cluster.js';
import { openEmbeddedStore, type EmbeddedStoreOptions } from './embedded.js';
import type { ObjectStore } from './object-store.js';

export type StorageConfig =
  ({ kind: 'embedded' } & EmbeddedStoreOptions) | ({ kind: 'cluster' } & ClusterStoreOptions);

export function openObjectStore(config: StorageConfig): Promise<ObjectStore> {
  switch (config.kind) {
    case 'embedded':
      return openEmbeddedStore(config);
    case 'cluster':
      return openClusterStore(config);
  }
}
