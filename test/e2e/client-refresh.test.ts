import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { zonalS3Client, type SessionCreatedInfo } from '../../src/index.js';
import {
  bucketName,
  createBucketInput,
  ROOT_KEY,
  startTestZonal,
  TEST_REGION,
  type TestZonal,
} from '../helpers/zonal-fixture.js';

const TRAFFIC_MS = 30_000;
const WORKERS = 10;

describe('5-second sessions under 30 s of steady traffic', { timeout: 90_000 }, () => {
  let t: TestZonal;
  let bucket: string;
  before(async () => {
    t = await startTestZonal({ sessionDurationSeconds: 5 });
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  test('no request fails and every session is renewed before it expires', async () => {
    const { s3, sessions, destroy } = zonalS3Client({
      endpoint: t.ipEndpoint,
      credentials: ROOT_KEY,
      region: TEST_REGION,
      // A failed attempt must not be hidden by the SDK's retries.
      clientConfig: { maxAttempts: 1 },
    });
    // Every HTTP response the server sends, whatever the SDK then makes of it.
    const statuses = new Map<number, number>();
    s3.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const status = (result.response as { statusCode: number }).statusCode;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'countStatuses' },
    );
    const created: { at: number; info: SessionCreatedInfo }[] = [];
    sessions.on('session', (info) => created.push({ at: Date.now(), info }));
    const serverBefore = t.zonal.stats.sessionsCreated;
    const errors: unknown[] = [];
    let requests = 0;
    const deadline = Date.now() + TRAFFIC_MS;
    const worker = async (w: number) => {
      for (let i = 0; Date.now() < deadline; i++) {
        try {
          const Key = `w${w}/${i % 5}`;
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `${i}` }));
          const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
          assert.equal(await got.Body!.transformToString(), `${i}`);
          requests += 2;
        } catch (err) {
          errors.push(err);
        }
        await sleep(20);
      }
    };
    try {
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      // A renewal started by the last requests may still be on its way.
      while (sessions.stats().inFlight > 0) await sleep(10);
    } finally {
      destroy();
    }

    assert.deepEqual(errors, [], 'no request failed');
    assert.deepEqual([...statuses.keys()], [200], `HTTP statuses seen: ${JSON.stringify([...statuses])}`);
    const serverSessions = t.zonal.stats.sessionsCreated - serverBefore;
    assert.ok(serverSessions >= 6, `${serverSessions} CreateSessions on the server`);
    const stats = sessions.stats();
    assert.equal(stats.created, serverSessions);
    assert.equal(stats.failures, 0);
    // Only the very first requests waited for a session; every later one found a valid one.
    assert.ok(stats.misses <= WORKERS, `${stats.misses} misses`);
    assert.equal(stats.refreshes, serverSessions - 1);
    for (let i = 1; i < created.length; i++) {
      const previous = created[i - 1]!.info.timing;
      assert.ok(created[i]!.info.background, `session ${i} was a background renewal`);
      assert.ok(created[i]!.at < previous.usableUntil, `session ${i} arrived before the previous expired`);
    }
    console.log(
      `${requests} requests, ${serverSessions} sessions, ${stats.hits} hits, ${stats.misses} misses`,
    );
  });
});
