import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { zonalS3Client } from '../../src/index.js';
import { startServerProcess } from '../helpers/cli-server.js';
import { bucketName, createBucketInput, ROOT_KEY } from '../helpers/zonal-fixture.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('--workers 2: both processes serve one data dir, the primary sweeps, SIGTERM stops them all', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-workers-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  // A stray temp file from a "crash": the primary's sweep must remove it before workers start.
  fs.mkdirSync(path.join(dataDir, 'tmp'), { recursive: true });
  const stray = path.join(dataDir, 'tmp', '0123456789abcdef0123456789abcdef');
  fs.writeFileSync(stray, 'torn');

  const server = await startServerProcess(['--port', '0', '--data-dir', dataDir, '--workers', '2'], {
    ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
    ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
    ZONAL_LOG_LEVEL: 'info',
  });
  t.after(() => server.stop('SIGKILL'));
  assert.equal(fs.existsSync(stray), false, 'swept at start');
  assert.match(server.output(), /2 worker processes share the port/);

  const { s3, control, destroy } = zonalS3Client({ endpoint: server.endpoint, credentials: ROOT_KEY });
  t.after(destroy);
  const bucket = bucketName();
  await control.send(new CreateBucketCommand(createBucketInput(bucket)));
  const bodies = Array.from({ length: 40 }, (_, i) => `object ${i} `.repeat(i + 1));
  await Promise.all(
    bodies.map((Body, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body }))),
  );
  const read = await Promise.all(
    bodies.map(async (_, i) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `k${i}` }));
      return got.Body!.transformToString();
    }),
  );
  assert.deepEqual(read, bodies, 'every worker sees every write');

  // The request log names the process that served each request: both took a share.
  const pids = new Set<number>();
  for (const line of server.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { pid?: number; op?: string };
    if (entry.op === 'PutObject' || entry.op === 'GetObject') pids.add(entry.pid!);
  }
  assert.equal(pids.size, 2, `requests served by ${[...pids].join(', ')}`);

  assert.equal(await server.stop('SIGTERM'), 0);
  for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid} stopped`);
});
