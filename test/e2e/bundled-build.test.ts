import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { repoRoot, startServerProcess } from '../helpers/cli-server.js';

const bundleDir = path.join(repoRoot, 'dist/bundle');
const moduleLog = pathToFileURL(path.join(repoRoot, 'dist/test/helpers/module-log.js')).href;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-bundle-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('zonal serve runs the bundled build and loads no code that serving does not need', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'modules.txt');
  const server = await startServerProcess(
    ['--port', '0', '--data-dir', path.join(dir, 'data'), '--fsync=false'],
    {
      NODE_OPTIONS: `--import=${moduleLog}`,
      ZONAL_TEST_MODULE_LOG: log,
    },
  );
  // An unsigned request is answered (403) by the whole request path: auth, errors, XML.
  assert.equal((await fetch(`${server.endpoint}/`)).status, 403);
  // The console's files are found from the bundle too (it lives at another depth than dist/src).
  const page = await fetch(`${server.endpoint}/console/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  assert.equal(await server.stop('SIGTERM'), 0);
  const loaded = fs.readFileSync(log, 'utf8').trim().split('\n');
  const files = loaded.filter((url) => url.startsWith('file:')).map((url) => new URL(url).pathname);
  assert.ok(files.includes(path.join(bundleDir, 'main.js')), files.join('\n'));
  assert.deepEqual(
    files.filter(
      (f) => f.includes('/dist/src/') || /node_modules\/(@aws-sdk|@smithy|selfsigned|pg)\//.test(f),
    ),
    [],
    'nothing from the unbundled build, no AWS SDK, no certificate generator, no PostgreSQL client',
  );
  // TLS is loaded for a TLS front only.
  assert.ok(!loaded.includes('node:tls') && !loaded.includes('node:https'), loaded.join('\n'));
  // The bundle marks where each module's code starts (`// <path>`): the ones loaded lazily
  // stay in chunks of their own that serving never reads.
  const lazy = [
    ...['@aws-sdk', '@smithy', 'prom-client', 'pg'].map((p) => new RegExp(`^// \\S*node_modules/${p}/`, 'm')),
    ...['cli/session.js', 'observability/prometheus.js'].map((m) => new RegExp(`^// dist/src/${m}$`, 'm')),
  ];
  const served = files.filter((f) => f.startsWith(bundleDir + path.sep));
  for (const file of served) {
    const code = fs.readFileSync(file, 'utf8');
    for (const marker of lazy) assert.doesNotMatch(code, marker, file);
  }
  // ... and they are in the bundle, to be loaded when asked for.
  const all = fs.readdirSync(bundleDir).map((f) => fs.readFileSync(path.join(bundleDir, f), 'utf8'));
  for (const marker of lazy)
    assert.ok(
      all.some((code) => marker.test(code)),
      `${marker} in the bundle`,
    );
});

test("the bundle's checkpoint thread checkpoints the WAL", async (t) => {
  const file = path.join(tempDir(t), 'meta.db');
  const db = new Database(file);
  t.after(() => db.close());
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v BLOB)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < 20; i++) insert.run(Buffer.alloc(4096, i));
  const worker = new Worker(path.join(bundleDir, 'checkpoint-worker.js'), {
    workerData: { path: file, fsync: false },
  });
  const answer = new Promise<{ log: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  worker.postMessage('checkpoint');
  const { log } = await answer;
  worker.postMessage('close');
  assert.ok(log >= 20, `WAL frames checkpointed: ${log}`);
  // The rows are in the database file itself now, not only in the WAL.
  assert.ok(fs.statSync(file).size > 20 * 4096, `database file ${fs.statSync(file).size} bytes`);
});
