import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { zonalBin } from '../helpers/cli-server.js';
import {
  bucketName,
  expectS3Error,
  ROOT_KEY,
  startTestZonal,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `zonal` command with only the given environment (plus PATH). */
function zonal(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [zonalBin, ...args],
      { env: { PATH: process.env.PATH, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('zonal session and zonal bucket', { timeout: 60_000 }, () => {
  let t: TestZonal;
  let env: NodeJS.ProcessEnv;
  const bucket = bucketName();
  before(async () => {
    t = await startTestZonal();
    env = {
      ZONAL_ENDPOINT: t.localhostEndpoint.replace('localhost', '127.0.0.1'),
      ZONAL_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      ZONAL_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
    };
  });
  after(() => t.close());

  test('bucket create, list and delete', async () => {
    const other = bucketName('usw2-az1');
    const created = await zonal(['bucket', 'create', bucket], env);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), `created ${bucket}`);
    assert.equal((await zonal(['bucket', 'create', other], env)).code, 0);
    const listed = await zonal(['bucket', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.stdout.trim().split('\n'), [bucket, other].sort());
    const deleted = await zonal(['bucket', 'delete', other, '--endpoint', t.localhostEndpoint], {
      ...env,
      ZONAL_ENDPOINT: 'http://127.0.0.1:1',
    });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual((await zonal(['bucket', 'list'], env)).stdout.trim().split('\n'), [bucket]);
    const again = await zonal(['bucket', 'create', bucket], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /BucketAlreadyOwnedByYou \(409\)/);
    const bad = await zonal(['bucket', 'create', 'not-a-directory-bucket'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a directory bucket name/);
  });

  test('session create --format json prints the Credentials object, which works', async () => {
    const run = await zonal(['session', 'create', '--bucket', bucket, '--mode', 'ReadOnly'], env);
    assert.equal(run.code, 0, run.stderr);
    const creds = JSON.parse(run.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(creds), ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.match(creds.Expiration!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const ro = t.client({
      s3ExpressIdentityProvider: {
        getS3ExpressIdentity: async () => ({
          accessKeyId: creds.AccessKeyId!,
          secretAccessKey: creds.SecretAccessKey!,
          sessionToken: creds.SessionToken!,
        }),
      },
    });
    await t.controlClient().send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    const got = await ro.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'v');
    await expectS3Error(
      ro.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'w' })),
      'AccessDenied',
      403,
    );
  });

  test('session create --format env prints export lines and the expiration', async () => {
    const run = await zonal(
      ['session', 'create', '--bucket', bucket, '--format', 'env', '--endpoint', t.localhostEndpoint],
      {
        AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0]!, /^export AWS_ACCESS_KEY_ID=ASIA[A-Z2-7]{16}$/);
    assert.match(lines[1]!, /^export AWS_SECRET_ACCESS_KEY=\S{40}$/);
    assert.match(lines[2]!, /^export AWS_SESSION_TOKEN=\S+$/);
    assert.match(lines[3]!, /^# Expiration: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  });

  test('errors: unknown bucket, bad mode, no credentials', async () => {
    const missing = await zonal(['session', 'create', '--bucket', bucketName()], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NoSuchBucket \(404\)/);
    const mode = await zonal(['session', 'create', '--bucket', bucket, '--mode', 'Admin'], env);
    assert.equal(mode.code, 1);
    assert.match(mode.stderr, /--mode must be ReadWrite or ReadOnly/);
    const none = await zonal(['session', 'create', '--bucket', bucket], {
      ZONAL_ENDPOINT: env.ZONAL_ENDPOINT,
    });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no credentials/);
  });
});
