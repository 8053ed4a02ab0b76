/** The contract run against the in-memory store (it keeps the suite honest about backends). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from './memory-store.js';
import {
  BUCKET,
  bucketRecord,
  objectStoreContract,
  put,
  referencedBlobIds,
} from './object-store-contract.js';

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

// The contract's leftover check counts on blobCount: it must see a blob that is kept too long.
test('the memory store holds an overwritten blob while it is pinned, and frees it once released', async () => {
  const store = new MemoryStore();
  await store.createBucket(bucketRecord());
  await put(store, 'k', 'first');
  const pinned = (await store.openObject(BUCKET, 'k'))!;
  await put(store, 'k', 'second');
  await store.settled();
  assert.equal(store.blobCount(), 2, 'the pinned first version is still held');
  pinned.release();
  await store.settled();
  assert.equal(store.blobCount(), 1, 'only the second version is left');
  assert.equal((await referencedBlobIds(store)).size, 1);
});
