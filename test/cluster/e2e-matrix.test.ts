/**
 * The backend matrix: a representative subset of the object-API e2e suites, unchanged, on the
 * cluster backend (PostgreSQL metadata + a blob directory; see testBackend() in
 * zonal-fixture.ts). The same files run on the embedded backend in test/e2e/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { bucketName, createBucketInput, startTestZonal, stopTestBackend } from '../helpers/zonal-fixture.js';

process.env.ZONAL_TEST_BACKEND = 'cluster';

await import('../e2e/objects.test.js');
await import('../e2e/multipart.test.js');
await import('../e2e/rename-object.test.js');
await import('../e2e/append-and-conditional-delete.test.js');
await import('../e2e/copy-object.test.js');
await import('../e2e/delete-objects.test.js');
await import('../e2e/buckets.test.js');
await import('../e2e/leading-slash.test.js');

test('the suites above run on the cluster backend: objects land in PostgreSQL, no SQLite in the data dir', async (t) => {
  const server = await startTestZonal();
  t.after(() => server.close());
  const bucket = bucketName();
  await server.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  await server.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'matrix', Body: 'x' }));
  assert.ok(!fs.existsSync(path.join(server.dataDir, 'meta.sqlite3')), 'no embedded database');
  const url = server.zonal.config.metadataUrl;
  assert.ok(url, 'the server was started with --metadata');
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM objects WHERE bucket = $1', [
      bucket,
    ]);
    assert.equal(Number(rows[0]!.n), 1, 'the object is a row of the cluster database');
  } finally {
    await db.end();
  }
});

after(async () => {
  await stopTestBackend();
});
