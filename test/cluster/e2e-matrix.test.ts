/**
 * The backend matrix: a representative subset of the object-API e2e suites, unchanged, on the
 * cluster backend (PostgreSQL metadata + a blob directory; see testBackend() in
 * zonal-fixture.ts). The same files run on the embedded backend in test/e2e/.
 */
import { after } from 'node:test';
import { stopTestBackend } from '../helpers/zonal-fixture.js';

process.env.ZONAL_TEST_BACKEND = 'cluster';

await import('../e2e/objects.test.js');
await import('../e2e/multipart.test.js');
await import('../e2e/rename-object.test.js');
await import('../e2e/append-and-conditional-delete.test.js');
await import('../e2e/copy-object.test.js');
await import('../e2e/delete-objects.test.js');
await import('../e2e/buckets.test.js');
await import('../e2e/leading-slash.test.js');

after(async () => {
  await stopTestBackend();
});
