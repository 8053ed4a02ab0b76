/**
 * Ephemeral servers for test suites: `zonal serve --ephemeral` (a temporary data dir removed at
 * exit, fsync off, a free port, one JSON ready line) and `startZonal({ ephemeral: true })` from
 * the package entry, with its ready-made clients.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startZonal } from '../../src/index.js';
import { zonalBin } from '../helpers/cli-server.js';
import { bucketName, createBucketInput } from '../helpers/zonal-fixture.js';

interface ReadyLine {
  zonal: string;
  endpoint: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey?: string;
  dataDir: string;
  pid: number;
}

/** Starts `zonal serve --ephemeral …` and resolves with its first stdout line, parsed. */
function serveEphemeral(args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [zonalBin, 'serve', '--ephemeral', ...args], {
    env: { PATH: process.env.PATH, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line: ${stdout} ${stderr}`));
    }, 10_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      resolve(JSON.parse(stdout.slice(0, newline)) as ReadyLine);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stdout} ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited, stderr: () => stderr };
}

async function roundTrip(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
  const config = { endpoint, region: 'us-east-1', credentials };
  const control = new S3Client({ ...config, disableS3ExpressSessionAuth: true });
  const s3 = new S3Client(config);
  try {
    const Bucket = bucketName();
    await control.send(new CreateBucketCommand(createBucketInput(Bucket)));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'v');
  } finally {
    control.destroy();
    s3.destroy();
  }
}

describe('zonal serve --ephemeral', { timeout: 60_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`prints a JSON ready line, serves on a free port, removes its data dir on ${signal}`, async () => {
      const server = serveEphemeral();
      const ready = await server.ready;
      assert.equal(ready.zonal, 'ready');
      assert.equal(ready.region, 'us-east-1');
      assert.notEqual(ready.port, 9000);
      assert.equal(ready.endpoint, `http://127.0.0.1:${ready.port}`);
      assert.equal(ready.pid, server.child.pid);
      assert.ok(fs.existsSync(ready.dataDir));
      assert.ok(ready.secretAccessKey, 'generated credentials are in the ready line');
      await roundTrip(ready.endpoint, {
        accessKeyId: ready.accessKeyId,
        secretAccessKey: ready.secretAccessKey,
      });
      assert.match(server.stderr(), /fsync off/);
      server.child.kill(signal);
      assert.equal(await server.exited, 0);
      assert.ok(!fs.existsSync(ready.dataDir), 'the data dir is gone');
    });
  }

  test('credentials from the environment are used and not echoed; --data-dir is refused', async () => {
    const env = {
      ZONAL_ROOT_ACCESS_KEY_ID: 'AKIAEPHEMERALTEST000',
      ZONAL_ROOT_SECRET_ACCESS_KEY: 'ephemeral-secret-that-is-long-enough-000',
    };
    const server = serveEphemeral([], env);
    const ready = await server.ready;
    assert.equal(ready.accessKeyId, env.ZONAL_ROOT_ACCESS_KEY_ID);
    assert.equal(ready.secretAccessKey, undefined);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok(!fs.existsSync(ready.dataDir));

    const refused = serveEphemeral(['--data-dir', '/tmp/x']);
    await assert.rejects(refused.ready, /cannot be combined with --data-dir/);
  });

  test('with --workers 2 the workers share the one temporary dir, removed at exit', async () => {
    const server = serveEphemeral(['--workers', '2']);
    const ready = await server.ready;
    await roundTrip(ready.endpoint, {
      accessKeyId: ready.accessKeyId,
      secretAccessKey: ready.secretAccessKey!,
    });
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok(!fs.existsSync(ready.dataDir));
  });
});

describe('startZonal({ ephemeral: true })', { timeout: 30_000 }, () => {
  test('returns an endpoint, credentials and clients; stop() removes the data dir', async () => {
    const zonal = await startZonal({ ephemeral: true });
    assert.match(zonal.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(zonal.zonal.config.fsync, false);
    assert.ok(fs.existsSync(zonal.dataDir));
    const Bucket = bucketName();
    await zonal.control.send(new CreateBucketCommand(createBucketInput(Bucket)));
    await zonal.s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v' }));
    const got = await zonal.s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'v');
    assert.equal(zonal.clients.sessions.stats().created, 1);
    await roundTrip(zonal.endpoint, zonal.credentials);
    await zonal.stop();
    assert.ok(!fs.existsSync(zonal.dataDir));
  });

  test('chosen credentials and account id', async () => {
    const credentials = {
      accessKeyId: 'AKIACHOSENROOT000000',
      secretAccessKey: 'chosen-secret-that-is-long-enough-000000',
    };
    const zonal = await startZonal({ ephemeral: true, credentials, accountId: '123456789012' });
    assert.deepEqual(zonal.credentials, credentials);
    assert.equal(zonal.accountId, '123456789012');
    await zonal.stop();
  });
});
