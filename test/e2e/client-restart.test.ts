import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { zonalS3Client, type SessionCreatedInfo, type SessionFailureInfo } from '../../src/index.js';
import { startServerProcess, type ServerProcess } from '../helpers/cli-server.js';
import { bucketName, createBucketInput, ROOT_KEY } from '../helpers/zonal-fixture.js';
import { freePort } from '../helpers/free-port.js';

const isConnectionError = (err: unknown): boolean =>
  /ECONNREFUSED|ECONNRESET|socket hang up/.test(
    `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`,
  );

describe('server stopped during a session refresh', { timeout: 60_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-client-restart-'));
  const env = {
    ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
    ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
  };
  let server: ServerProcess | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('callers see the error; once the server is back the same client works again', async () => {
    const port = await freePort();
    const args = ['--port', String(port), '--data-dir', dataDir, '--session-duration', '6', '--fsync=false'];
    server = await startServerProcess(args, env);
    const { s3, control, sessions, destroy } = zonalS3Client({
      endpoint: server.endpoint,
      credentials: ROOT_KEY,
      sessions: { backoff: { initialMs: 100, maxMs: 400 } },
      clientConfig: { maxAttempts: 1 },
    });
    const created: SessionCreatedInfo[] = [];
    const failures: SessionFailureInfo[] = [];
    sessions.on('session', (info) => created.push(info));
    sessions.on('failure', (info) => failures.push(info));
    const bucket = bucketName();
    const get = async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      return got.Body!.transformToString();
    };
    try {
      await control.send(new CreateBucketCommand(createBucketInput(bucket)));
      await control.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'durable' }));
      assert.equal(await get(), 'durable');
      const { timing } = created[0]!;
      assert.ok(timing.refreshAt < timing.usableUntil);

      await server.stop();
      // Inside the refresh window: the session is still valid, the renewal starts and fails.
      await sleep(Math.max(0, timing.refreshAt - Date.now() + 20));
      assert.ok(Date.now() < timing.usableUntil, 'still in the refresh window');
      await assert.rejects(get(), isConnectionError, 'the request itself sees the server down');
      while (failures.length === 0) await sleep(10);
      assert.equal(failures[0]!.background, true);
      assert.ok(isConnectionError(failures[0]!.error));

      // Once the session has expired, callers get the CreateSession error.
      await sleep(Math.max(0, timing.expiresAt - Date.now() + 20));
      await assert.rejects(get(), isConnectionError);

      server = await startServerProcess(args, env);
      let result: string | undefined;
      const deadline = Date.now() + 10_000;
      while (result === undefined && Date.now() < deadline) {
        try {
          result = await get();
        } catch (err) {
          assert.ok(isConnectionError(err), `unexpected ${String(err)}`);
          await sleep(50);
        }
      }
      assert.equal(result, 'durable', 'the same client recovers');
      assert.equal(created.length, 2);
      assert.equal(sessions.stats().inFlight, 0);
      assert.deepEqual(unhandled, [], 'the failed background refresh was no unhandled rejection');
    } finally {
      destroy();
    }
  });
});
