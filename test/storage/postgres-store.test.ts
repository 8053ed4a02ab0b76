/**
 * The cluster backend's store (PostgreSQL metadata + a blob directory): the contract, against
 * a real PostgreSQL started for this file; then what only this store promises: keys PostgreSQL `text` would refuse, the
 * schema-version check, and a clear start-up error for an unreachable database.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openClusterStore } from '../../src/storage/cluster.js';
import type { SegmentStore } from '../../src/storage/segment-store.js';
import { walk } from '../helpers/data-dir.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import {
  BUCKET,
  OWNER,
  objectStoreContract,
  referencedBlobIds,
  type ContractHarness,
} from './object-store-contract.js';

let postgres: TestPostgres;

async function readAll(body: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
let contractUrl: string;

before(async () => {
  postgres = await startPostgres();
  contractUrl = await postgres.createDatabase();
});
after(async () => {
  await postgres?.stop();
});

/** Empties every table but the schema version (a fresh store per test, one database). */
async function truncateAll(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'zonal_schema'",
    );
    // DELETE, not TRUNCATE: the tables are small, and TRUNCATE makes new files (and fsyncs).
    if (rows.length > 0) await client.query(rows.map((r) => `DELETE FROM ${r.tablename};`).join(' '));
  } finally {
    await client.end();
  }
}

async function openAt(url: string, blobDir: string, inlineMaxBytes?: number): Promise<SegmentStore> {
  return await openClusterStore({
    metadataUrl: url,
    blobTier: { spec: `dir:${blobDir}` },
    fsync: false,
    inlineMaxBytes,
    shared: false,
  });
}

function countFiles(dir: string, sub: string): number {
  return walk(dir).files.filter((f) => f.startsWith(`${sub}/`)).length;
}

async function harness(inlineMaxBytes?: number): Promise<ContractHarness> {
  await truncateAll(contractUrl);
  const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-pg-blobs-'));
  let store = await openAt(contractUrl, blobDir, inlineMaxBytes);
  return {
    get store() {
      return store;
    },
    async leftovers() {
      await store.settled();
      const { files, inline } = await store.storedBlobCount();
      return files + inline - (await referencedBlobIds(store)).size + countFiles(blobDir, 'tmp');
    },
    async reopen() {
      await store.settled();
      store.close();
      store = await openAt(contractUrl, blobDir, inlineMaxBytes);
      return store;
    },
    async close() {
      await store.settled();
      store.close();
      fs.rmSync(blobDir, { recursive: true, force: true });
    },
  };
}

// Once, with the default threshold: TINY bodies go inline (bytea), LARGE ones to blob files, so
// both paths run; the blob half alone is covered by the embedded store's inlineMaxBytes: 0 run.
objectStoreContract('postgres + blob dir', () => harness());

describe('postgres metadata store', () => {
  const fields = {
    etag: '"e"',
    lastModified: new Date(1_700_000_000_000),
    content: {},
    metadata: {},
    checksums: {},
    checksumType: 'FULL_OBJECT' as const,
    multipart: false,
    encryption: { algorithm: 'AES256' as const },
  };

  test('keys with U+0000 and astral characters round-trip and list in UTF-8 byte order', async () => {
    const h = await harness();
    try {
      const { store } = h;
      await store.createBucket({
        name: BUCKET,
        zoneId: 'usw2-az1',
        locationType: 'AvailabilityZone',
        region: 'us-west-2',
        ownerAccountId: OWNER,
        createdAt: new Date(1_700_000_000_000),
        incarnation: 'i',
      });
      const keys = ['a\u0000b', 'a', 'a/\u0000', '\u{1F600}', '\uFFFD', 'z'];
      for (const key of keys)
        await store.putObject(BUCKET, key, Readable.from([Buffer.from(key)]), () => fields);
      const page = await store.listObjects({ bucket: BUCKET, prefix: '', maxKeys: 100 });
      const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual(
        page.objects.map((o) => o.key),
        expected,
      );
      const rolled = await store.listObjects({ bucket: BUCKET, prefix: '', delimiter: '/', maxKeys: 100 });
      assert.deepEqual(rolled.commonPrefixes, ['a/']);
      const pinned = await store.openObject(BUCKET, 'a\u0000b');
      assert.equal(pinned?.record.key, 'a\u0000b');
      pinned?.release();
    } finally {
      await h.close();
    }
  });

  test('shared: freed blobs wait out the grace period in the garbage table, then any node removes them; reconciliation removes old unreferenced files only', async () => {
    const url = await postgres.createDatabase();
    const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-pg-blobs-'));
    const open = () =>
      openClusterStore({
        metadataUrl: url,
        blobTier: { spec: `dir:${blobDir}` },
        fsync: false,
        blobGraceMs: 300,
        collectIntervalMs: 0,
        reconcileIntervalMs: 0,
      });
    const [one, two] = await Promise.all([open(), open()]);
    try {
      await one.createBucket({
        name: BUCKET,
        zoneId: 'usw2-az1',
        locationType: 'AvailabilityZone',
        region: 'us-west-2',
        ownerAccountId: OWNER,
        createdAt: new Date(1_700_000_000_000),
        incarnation: 'i',
      });
      const large = () => Readable.from([Buffer.alloc(100_000, 1)]);
      const tiny = () => Readable.from([Buffer.from('tiny')]);
      await one.putObject(BUCKET, 'big', large(), () => fields);
      await one.putObject(BUCKET, 'small', tiny(), () => fields);
      await one.putObject(BUCKET, 'big', large(), () => fields); // frees one file
      await one.putObject(BUCKET, 'small', tiny(), () => fields); // frees one inline blob
      await one.settled();
      assert.deepEqual(await one.storedBlobCount(), { files: 2, inline: 2 }, 'kept during the grace period');
      assert.equal(await two.collectGarbage(), 0, 'nothing is due yet');
      await new Promise((r) => setTimeout(r, 350));
      const [a, b] = await Promise.all([one.collectGarbage(), two.collectGarbage()]);
      assert.equal(a + b, 2, 'each freed blob is removed once');
      assert.deepEqual(await one.storedBlobCount(), { files: 1, inline: 1 });
      // A blob some node wrote and never committed (it died): removed once it is old.
      const orphan = path.join(blobDir, 'blobs', 'ab', 'ab'.padEnd(32, '0'));
      const fresh = path.join(blobDir, 'blobs', 'ab', 'ab'.padEnd(32, '1'));
      fs.mkdirSync(path.dirname(orphan), { recursive: true });
      fs.writeFileSync(orphan, 'x');
      fs.writeFileSync(fresh, 'y');
      const past = new Date(Date.now() - 10_000);
      fs.utimesSync(orphan, past, past);
      assert.equal(await two.reconcile(), 1);
      assert.equal(fs.existsSync(orphan), false);
      assert.equal(fs.existsSync(fresh), true, 'a file too young may be a write in flight');
      const got = await one.openObject(BUCKET, 'big');
      assert.equal((await readAll(got!.read())).length, 100_000);
      got!.release();
    } finally {
      one.close();
      two.close();
      fs.rmSync(blobDir, { recursive: true, force: true });
    }
  });

  test('a schema newer than this Zonal stops the open with a clear message', async () => {
    const url = await postgres.createDatabase();
    const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-pg-blobs-'));
    try {
      (await openAt(url, blobDir)).close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('UPDATE zonal_schema SET version = version + 1');
      await client.end();
      await assert.rejects(() => openAt(url, blobDir), /schema is version \d+, newer than this Zonal/);
    } finally {
      fs.rmSync(blobDir, { recursive: true, force: true });
    }
  });

  test('nodes opening an empty database at the same moment all succeed (migrations take turns)', async () => {
    const url = await postgres.createDatabase();
    const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-pg-blobs-'));
    try {
      const stores = await Promise.all(
        Array.from({ length: 4 }, () =>
          openClusterStore({ metadataUrl: url, blobTier: { spec: `dir:${blobDir}` }, fsync: false }),
        ),
      );
      for (const s of stores) s.close();
    } finally {
      fs.rmSync(blobDir, { recursive: true, force: true });
    }
  });

  test('an unreachable database is refused at open, naming the host and not the password', async () => {
    const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-pg-blobs-'));
    try {
      await assert.rejects(
        () => openAt('postgres://zonal:s3cret-pw@127.0.0.1:1/zonal', blobDir),
        (err: Error) => {
          assert.match(err.message, /cannot use the metadata database 127\.0\.0\.1:1\/zonal/);
          assert.doesNotMatch(err.message, /s3cret-pw/);
          return true;
        },
      );
    } finally {
      fs.rmSync(blobDir, { recursive: true, force: true });
    }
  });
});
