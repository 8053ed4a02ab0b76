import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { bucketName, createBucketInput } from '../helpers/zonal-fixture.js';
import { startServerProcess, zonalBin } from '../helpers/cli-server.js';

/** `zonal serve` in a child process; its endpoint and output. */
const serve = startServerProcess;

describe('zonal serve', { timeout: 60_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-cli-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('generates root credentials once, prints the secret only then with an SDK snippet, and keeps it private', async () => {
    const first = await serve(['--port', '0', '--data-dir', dataDir, '--fsync=false']);
    const text = first.output();
    const key = /AccessKeyId:\s+(AKIA[A-Z2-7]{16})/.exec(text)?.[1];
    const secret = /SecretAccessKey:\s+(\S{40})/.exec(text)?.[1];
    assert.ok(key && secret, text);
    assert.match(text, /new S3Client\(/);
    const file = path.join(dataDir, 'root-credentials.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    // The printed credentials work with the unmodified SDK.
    const credentials = { accessKeyId: key, secretAccessKey: secret };
    const bucket = bucketName();
    const ctl = new S3Client({
      endpoint: first.endpoint,
      region: 'us-east-1',
      credentials,
      disableS3ExpressSessionAuth: true,
    });
    const s3 = new S3Client({ endpoint: first.endpoint, region: 'us-east-1', credentials });
    await ctl.send(new CreateBucketCommand(createBucketInput(bucket)));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'persist', Body: 'kept' }));
    ctl.destroy();
    s3.destroy();
    assert.equal(await first.stop('SIGTERM'), 0, 'graceful exit on SIGTERM');

    // A restart reuses the same credentials and the data survives.
    const second = await serve(['--port', '0', '--data-dir', dataDir, '--fsync=false']);
    // The secret is printed only on the start that generated it; later starts say where it is.
    assert.ok(second.output().includes(key));
    assert.ok(!second.output().includes(secret), 'the secret is not printed again');
    assert.ok(second.output().includes(file), 'the banner names the file that holds the secret');
    const again = new S3Client({ endpoint: second.endpoint, region: 'us-east-1', credentials });
    const got = await again.send(new GetObjectCommand({ Bucket: bucket, Key: 'persist' }));
    assert.equal(await got.Body!.transformToString(), 'kept');
    again.destroy();
    assert.equal(await second.stop('SIGINT'), 0, 'graceful exit on SIGINT');
  });

  test('credentials from the environment are used and never written down', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-cli-env-'));
    try {
      const env = {
        ZONAL_ROOT_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT0',
        ZONAL_ROOT_SECRET_ACCESS_KEY: 'env-secret-value-that-is-long-enough-0000',
      };
      const started = await serve(['--port', '0', '--data-dir', dir, '--fsync=false'], env);
      assert.ok(!started.output().includes(env.ZONAL_ROOT_SECRET_ACCESS_KEY), 'secret not printed');
      const stored = fs.readFileSync(path.join(dir, 'root-credentials.json'), 'utf8');
      assert.ok(!stored.includes(env.ZONAL_ROOT_SECRET_ACCESS_KEY), 'secret not stored');
      assert.equal(await started.stop('SIGTERM'), 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad flags and an unusable data dir fail with a clear message', async () => {
    for (const [args, pattern] of [
      [['--port', 'abc'], /--port must be an integer/],
      [['--region', 'moon'], /not a region name/],
      [['--fsync=maybe'], /--fsync must be true or false/],
      [['--data-dir', '/dev/null/zonal-cannot-be-here'], /data dir .* is not usable/],
    ] as const) {
      const child = spawn(process.execPath, [zonalBin, 'serve', '--port', '0', ...args]);
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 1, args.join(' '));
      assert.match(err, pattern);
    }
  });
});
