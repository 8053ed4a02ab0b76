/**
 * Start-up picks the storage backend from configuration: the only place that names one.
 * Today the embedded backend; the cluster mode adds a PostgreSQL metadata store and shared
 * blob tiers behind the same ObjectStore.
 */
import { openEmbeddedStore, type EmbeddedStoreOptions } from './embedded.js';
import type { ObjectStore } from './object-store.js';

export type StorageConfig = { kind: 'embedded' } & EmbeddedStoreOptions;

export function openObjectStore(config: StorageConfig): Promise<ObjectStore> {
  switch (config.kind) {
    case 'embedded':
      return openEmbeddedStore(config);
  }
}
