/** The contract run against the in-memory store (it keeps the suite honest about backends). */
import { MemoryStore } from './memory-store.js';
import { objectStoreContract, referencedBlobIds } from './object-store-contract.js';

objectStoreContract('memory', async () => {
  const store = new MemoryStore();
  return {
    store,
    async leftovers() {
      await store.settled();
      return store.blobCount() - (await referencedBlobIds(store)).size;
    },
    async close() {
      store.close();
    },
  };
});
