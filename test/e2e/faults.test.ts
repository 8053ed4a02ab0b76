/**
 * Fault injection: rules that make requests fail as AWS can, so that a client's retries and
 * session refresh can be tested; checked through the journal.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { adminRequest, type AdminError } from '../../src/cli/admin-client.js';
import { startZonal, type ZonalTestServer } from '../../src/index.js';
import { FaultRules } from '../../src/server/faults.js';
import type { FaultRule } from '../../src/server/faults.js';
import { zonalBin } from '../helpers/cli-server.js';
import { bucketName, createBucketInput, ROOT_KEY } from '../helpers/zonal-fixture.js';

const run = promisify(execFile);

describe('FaultRules', () => {
  const target = { op: 'GetObject', bucket: 'b--use1-az4--x-s3', key: 'logs/1', auth: 'SessionReadWrite' };

  test('matching by operation, bucket, key prefix and auth; count; probability; expiry', () => {
    let now = 1_000_000;
    let dice = 0.5;
    const rules = new FaultRules(
      true,
      () => dice,
      () => now,
    );
    const a = rules.add({
      operation: ['PutObject', 'GetObject'],
      keyPrefix: 'logs/',
      error: 'SlowDown',
      count: 2,
    });
    assert.equal(rules.match({ ...target, key: 'data/1' }), undefined);
    assert.equal(rules.match({ ...target, op: 'HeadObject' }), undefined);
    assert.equal(rules.match(target)?.id, a.id);
    assert.equal(rules.match(target)?.fired, 2);
    assert.equal(rules.match(target), undefined, 'the count is spent');
    assert.deepEqual(rules.list(), []);

    rules.add({ auth: 'IAM', latencyMs: 10, probability: 0.25, ttlSeconds: 10 });
    assert.equal(rules.match(target), undefined, 'auth does not match');
    assert.equal(rules.match({ ...target, auth: 'IAM' }), undefined, 'the dice say no');
    dice = 0.1;
    assert.ok(rules.match({ ...target, auth: 'IAM' }));
    now += 10_000;
    assert.equal(rules.match({ ...target, auth: 'IAM' }), undefined, 'expired');
    assert.deepEqual(rules.list(), []);
  });

  test('rules are validated', () => {
    const rules = new FaultRules(true);
    for (const bad of [
      {},
      { error: 'NoSuchThing' },
      { error: 'SlowDown', reset: true },
      { latencyMs: -1 },
      { latencyMs: 5, probability: 0 },
      { latencyMs: 5, ttlSeconds: 0 },
      { latencyMs: 5, colour: 'red' },
      { error: 'SlowDown', operation: [] },
      'SlowDown',
    ]) {
      assert.throws(() => rules.add(bad), { code: 'InvalidArgument' }, JSON.stringify(bad));
    }
    const rule = rules.add({ error: 'InternalError' });
    assert.match(rule.id, /^f-[0-9a-f]{12}$/);
    assert.ok(Date.parse(rule.expiresAt) - Date.now() > 290_000, 'default ttl 300 s');
  });
});

describe('faults on a running server', { timeout: 60_000 }, () => {
  let zonal: ZonalTestServer;
  const Bucket = bucketName();
  const admin = () => ({ endpoint: zonal.endpoint, region: 'us-east-1', credentials: ROOT_KEY });
  before(async () => {
    zonal = await startZonal({ ephemeral: true, faults: true, credentials: ROOT_KEY });
    await zonal.control.send(new CreateBucketCommand(createBucketInput(Bucket)));
    await zonal.s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v' }));
  });
  after(() => zonal.stop());

  test('injected SlowDown answers are retried by the SDK until it succeeds', async () => {
    const rule = (await adminRequest(admin(), 'POST', '/_zonal/faults', {
      operation: 'PutObject',
      bucket: Bucket,
      keyPrefix: 'slow/',
      error: 'SlowDown',
      count: 2,
    })) as FaultRule;
    const mark = zonal.zonal.journal.mark() - 1;
    await zonal.s3.send(new PutObjectCommand({ Bucket, Key: 'slow/1', Body: 'eventually' }));
    const puts = zonal.zonal.journal.entries({ since: mark, op: 'PutObject' });
    assert.deepEqual(
      puts.map((e) => [e.status, e.code, e.fault]),
      [
        [503, 'SlowDown', rule.id],
        [503, 'SlowDown', rule.id],
        [200, undefined, undefined],
      ],
    );
    const got = await zonal.s3.send(new GetObjectCommand({ Bucket, Key: 'slow/1' }));
    assert.equal(await got.Body!.transformToString(), 'eventually');
    // More failures than the SDK's attempts (3 by default): the error reaches the caller.
    await adminRequest(admin(), 'POST', '/_zonal/faults', {
      operation: 'PutObject',
      error: 'SlowDown',
      count: 3,
    });
    await assert.rejects(zonal.s3.send(new PutObjectCommand({ Bucket, Key: 'slow/2', Body: 'x' })), {
      name: 'SlowDown',
    });
  });

  test('an injected ExpiredToken makes the session provider create a new session', async () => {
    const sessionsBefore = zonal.clients.sessions.stats().created;
    await adminRequest(admin(), 'POST', '/_zonal/faults', {
      operation: 'GetObject',
      auth: ['SessionReadWrite', 'SessionReadOnly'],
      error: 'ExpiredToken',
      count: 1,
    });
    const mark = zonal.zonal.journal.mark() - 1;
    const got = await zonal.s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'v');
    assert.equal(zonal.clients.sessions.stats().created, sessionsBefore + 1);
    const entries = zonal.zonal.journal.entries({ since: mark });
    assert.deepEqual(
      entries.map((e) => [e.op, e.auth, e.status, e.code]),
      [
        ['GetObject', 'SessionReadWrite', 400, 'ExpiredToken'],
        ['CreateSession', 'IAM', 200, undefined],
        ['GetObject', 'SessionReadWrite', 200, undefined],
      ],
    );
    assert.notEqual(entries[0]!.accessKeyId, entries[2]!.accessKeyId, 'signed with a new session');
  });

  test('latency, a stalled body and a reset connection', async () => {
    await adminRequest(admin(), 'POST', '/_zonal/faults', {
      operation: 'HeadObject',
      latencyMs: 300,
      count: 1,
    });
    await adminRequest(admin(), 'POST', '/_zonal/faults', { operation: 'GetObject', stallMs: 300, count: 1 });
    const mark = zonal.zonal.journal.mark() - 1;
    await zonal.s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    const got = await zonal.s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'v');
    const [head, get] = zonal.zonal.journal.entries({ since: mark });
    assert.equal(head!.op, 'HeadObject');
    assert.ok(head!.ms >= 290 && head!.fault !== undefined, JSON.stringify(head));
    assert.equal(get!.op, 'GetObject');
    assert.ok(get!.ms >= 290 && get!.status === 200 && get!.fault !== undefined, JSON.stringify(get));

    // A reset connection is retried by the SDK (a transient error).
    await adminRequest(admin(), 'POST', '/_zonal/faults', { operation: 'HeadObject', reset: true, count: 1 });
    const resetMark = zonal.zonal.journal.mark() - 1;
    await zonal.s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    const heads = zonal.zonal.journal.entries({ since: resetMark, op: 'HeadObject' });
    assert.deepEqual(
      heads.map((e) => [e.status, e.aborted ?? false, e.fault !== undefined]),
      [
        [undefined, true, true],
        [200, false, false],
      ],
    );
  });

  test('list, remove and clear rules', async () => {
    await adminRequest(admin(), 'DELETE', '/_zonal/faults');
    const one = (await adminRequest(admin(), 'POST', '/_zonal/faults', {
      error: 'InternalError',
      bucket: 'x',
    })) as FaultRule;
    const listed = (await adminRequest(admin(), 'GET', '/_zonal/faults')) as { rules: FaultRule[] };
    assert.deepEqual(
      listed.rules.map((r) => r.id),
      [one.id],
    );
    await adminRequest(admin(), 'DELETE', `/_zonal/faults/${one.id}`);
    await assert.rejects(adminRequest(admin(), 'DELETE', `/_zonal/faults/${one.id}`), {
      code: 'InvalidArgument',
    });
    await assert.rejects(adminRequest(admin(), 'POST', '/_zonal/faults', { error: 'Nope' }), {
      code: 'InvalidArgument',
    });
  });
});

describe('fault injection is off unless asked for', { timeout: 30_000 }, () => {
  test('the API refuses rules and --faults refuses --workers', async () => {
    const zonal = await startZonal({ ephemeral: true, credentials: ROOT_KEY });
    try {
      const err = (await adminRequest(
        { endpoint: zonal.endpoint, region: 'us-east-1', credentials: ROOT_KEY },
        'POST',
        '/_zonal/faults',
        { error: 'SlowDown' },
      ).catch((e: unknown) => e)) as AdminError;
      assert.equal(err.status, 400);
      assert.match(err.message, /--faults/);
    } finally {
      await zonal.stop();
    }
    const refused = await run(
      process.execPath,
      [zonalBin, 'serve', '--ephemeral', '--faults', '--workers', '2'],
      {
        env: { PATH: process.env.PATH },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    assert.equal((refused as { code: number }).code, 1);
    assert.match((refused as { stderr: string }).stderr, /--faults needs a single server process/);
  });
});

describe('zonal faults', { timeout: 30_000 }, () => {
  test('add, list and clear from the command line', async () => {
    const zonal = await startZonal({ ephemeral: true, faults: true, credentials: ROOT_KEY });
    const env = {
      PATH: process.env.PATH,
      ZONAL_ENDPOINT: zonal.endpoint,
      ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
    };
    try {
      const Bucket = bucketName();
      await zonal.control.send(new CreateBucketCommand(createBucketInput(Bucket)));
      const added = await run(
        process.execPath,
        [
          zonalBin,
          'faults',
          'add',
          '--operation',
          'PutObject',
          '--bucket',
          Bucket,
          '--error',
          'InternalError',
          '--count',
          '1',
          '--ttl',
          '60',
        ],
        { env },
      );
      const rule = JSON.parse(added.stdout) as FaultRule;
      assert.deepEqual([rule.operation, rule.error, rule.remaining], [['PutObject'], 'InternalError', 1]);
      const listed = JSON.parse(
        (await run(process.execPath, [zonalBin, 'faults', 'list'], { env })).stdout,
      ) as FaultRule[];
      assert.deepEqual(
        listed.map((r) => r.id),
        [rule.id],
      );
      // One 500, retried by the SDK.
      const s3 = new S3Client({ endpoint: zonal.endpoint, region: 'us-east-1', credentials: ROOT_KEY });
      await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v' }));
      s3.destroy();
      assert.deepEqual(
        zonal.zonal.journal.entries({ op: 'PutObject' }).map((e) => e.status),
        [500, 200],
      );
      await run(process.execPath, [zonalBin, 'faults', 'add', '--json', '{"latencyMs":1}'], { env });
      const cleared = await run(process.execPath, [zonalBin, 'faults', 'clear'], { env });
      assert.match(cleared.stdout, /1 fault rule\(s\) removed/);
    } finally {
      await zonal.stop();
    }
  });
});
