/**
 * The request journal: what a test can assert through it (sessions used, how many created),
 * what it records (operation, bucket, key, auth kind, status, error code) and never records
 * (secrets, tokens, signatures), and its root-only admin API and `zonal journal`.
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
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminRequest, AdminError } from '../../src/cli/admin-client.js';
import { startZonal, type ZonalTestServer } from '../../src/index.js';
import type { JournalEntry } from '../../src/observability/journal.js';
import { RequestJournal } from '../../src/observability/journal.js';
import { zonalBin } from '../helpers/cli-server.js';
import { ACCOUNT_A, B_ROOT, startTwoAccountZonal } from '../helpers/two-accounts.js';
import { bucketName, createBucketInput, ROOT_KEY } from '../helpers/zonal-fixture.js';

const run = promisify(execFile);

describe('RequestJournal', () => {
  test('a bounded ring: the newest entries, cursors, filters and clear', () => {
    const journal = new RequestJournal(3);
    const add = (op: string) => journal.add({ time: '', reqId: op, method: 'GET', op, ms: 0 });
    for (const op of ['a', 'b', 'c', 'd', 'e']) add(op);
    assert.deepEqual(
      journal.entries().map((e) => [e.seq, e.op]),
      [
        [3, 'c'],
        [4, 'd'],
        [5, 'e'],
      ],
    );
    assert.deepEqual(
      journal.entries({ since: 4 }).map((e) => e.op),
      ['e'],
    );
    assert.deepEqual(
      journal.entries({ limit: 2 }).map((e) => e.op),
      ['d', 'e'],
    );
    assert.deepEqual(
      journal.entries({ op: 'd' }).map((e) => e.seq),
      [4],
    );
    assert.equal(journal.mark(), 6);
    journal.clear();
    assert.deepEqual(journal.entries(), []);
    add('f');
    assert.deepEqual(
      journal.entries().map((e) => e.seq),
      [6],
    );
    const off = new RequestJournal(0);
    off.add({ time: '', reqId: 'x', method: 'GET', op: 'x', ms: 0 });
    assert.deepEqual(off.entries(), []);
  });
});

describe('the journal of a running server', { timeout: 60_000 }, () => {
  let zonal: ZonalTestServer;
  const Bucket = bucketName();
  before(async () => {
    zonal = await startZonal({ ephemeral: true, credentials: ROOT_KEY });
    await zonal.control.send(new CreateBucketCommand(createBucketInput(Bucket)));
  });
  after(() => zonal.stop());

  test('proves that a client used sessions, and how many it created', async () => {
    const mark = zonal.zonal.journal.mark() - 1;
    for (let i = 0; i < 50; i++) {
      await zonal.s3.send(new PutObjectCommand({ Bucket, Key: `k/${i}`, Body: `v${i}` }));
      await zonal.s3.send(new GetObjectCommand({ Bucket, Key: `k/${i}` }));
    }
    const entries = zonal.zonal.journal.entries({ since: mark });
    const objectRequests = entries.filter((e) => e.op === 'PutObject' || e.op === 'GetObject');
    assert.equal(objectRequests.length, 100);
    assert.ok(
      objectRequests.every((e) => e.auth === 'SessionReadWrite' && e.status === 200 && e.bucket === Bucket),
      JSON.stringify(objectRequests.filter((e) => e.auth !== 'SessionReadWrite')),
    );
    assert.deepEqual(
      objectRequests.slice(0, 2).map((e) => [e.op, e.key]),
      [
        ['PutObject', 'k/0'],
        ['GetObject', 'k/0'],
      ],
    );
    const sessions = entries.filter((e) => e.op === 'CreateSession');
    assert.equal(sessions.length, 1, 'one CreateSession for 100 requests');
    assert.equal(sessions[0]!.auth, 'IAM');
    assert.equal(sessions[0]!.accessKeyId, ROOT_KEY.accessKeyId);
  });

  test('records ReadOnly sessions, presigned URLs, anonymous requests and error codes; never secrets', async () => {
    const mark = zonal.zonal.journal.mark() - 1;
    const readOnly = zonal.newClients({ sessions: { mode: 'ReadOnly' } });
    await readOnly.s3.send(new HeadObjectCommand({ Bucket, Key: 'k/0' }));
    await assert.rejects(readOnly.s3.send(new GetObjectCommand({ Bucket, Key: 'missing' })));
    const url = await getSignedUrl(zonal.s3, new GetObjectCommand({ Bucket, Key: 'k/1' }), { expiresIn: 60 });
    assert.equal((await fetch(url)).status, 200);
    assert.equal((await fetch(`${zonal.endpoint}/${Bucket}/k/1`)).status, 403);
    const plain = new S3Client({
      endpoint: zonal.endpoint,
      region: 'us-east-1',
      credentials: {
        accessKeyId: ROOT_KEY.accessKeyId,
        secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret00',
      },
      disableS3ExpressSessionAuth: true,
      maxAttempts: 1,
    });
    await assert.rejects(plain.send(new HeadObjectCommand({ Bucket, Key: 'k/0' })));
    plain.destroy();

    const entries = zonal.zonal.journal.entries({ since: mark });
    const pick = (e: JournalEntry) => [e.op, e.auth, e.presigned ?? false, e.status, e.code];
    assert.deepEqual(entries.filter((e) => e.op !== 'CreateSession').map(pick), [
      ['HeadObject', 'SessionReadOnly', false, 200, undefined],
      ['GetObject', 'SessionReadOnly', false, 404, 'NoSuchKey'],
      ['GetObject', 'SessionReadWrite', true, 200, undefined],
      ['GetObject', 'Anonymous', false, 403, 'AccessDenied'],
      ['HeadObject', 'Unverified', false, 403, 'SignatureDoesNotMatch'],
    ]);
    const text = JSON.stringify(zonal.zonal.journal.entries());
    assert.ok(!text.includes(ROOT_KEY.secretAccessKey));
    assert.ok(!/[0-9a-f]{64}|X-Amz-|s3session/i.test(text), 'no signature or token in the journal');
    const session = readOnly.sessions.stats();
    assert.equal(session.created, 1);
    readOnly.destroy();
  });

  test('GET /_zonal/journal answers the root, filtered; admin requests are not journaled', async () => {
    const connection = { endpoint: zonal.endpoint, region: 'us-east-1', credentials: ROOT_KEY };
    const answer = (await adminRequest(connection, 'GET', `/_zonal/journal?op=CreateBucket`)) as {
      pid: number;
      entries: JournalEntry[];
      next: number;
    };
    assert.equal(answer.pid, process.pid);
    assert.deepEqual(
      answer.entries.map((e) => [e.op, e.bucket, e.auth, e.status]),
      [['CreateBucket', Bucket, 'IAM', 200]],
    );
    const again = (await adminRequest(connection, 'GET', `/_zonal/journal?since=${answer.next}`)) as {
      entries: JournalEntry[];
    };
    assert.deepEqual(again.entries, [], 'the first GET of the journal is not in it');
    await adminRequest(connection, 'DELETE', '/_zonal/journal');
    assert.deepEqual(zonal.zonal.journal.entries(), []);
  });
});

describe('the admin API is root-only', { timeout: 30_000 }, () => {
  test('the root of another account, a wrong secret and no signature get 403; unknown routes 400 after that', async () => {
    const server = await startTwoAccountZonal();
    try {
      const endpoint = server.ipEndpoint;
      const as = (credentials: { accessKeyId: string; secretAccessKey: string }) => ({
        endpoint,
        region: 'us-east-1',
        credentials,
      });
      const status = async (p: Promise<unknown>) => {
        try {
          await p;
          return 200;
        } catch (err) {
          return [(err as AdminError).status, (err as AdminError).code];
        }
      };
      assert.deepEqual(await status(adminRequest(as(B_ROOT), 'GET', '/_zonal/journal')), [
        403,
        'AccessDenied',
      ]);
      assert.deepEqual(
        await status(
          adminRequest(as({ ...ROOT_KEY, secretAccessKey: 'x'.repeat(40) }), 'GET', '/_zonal/journal'),
        ),
        [403, 'SignatureDoesNotMatch'],
      );
      assert.deepEqual(await status(adminRequest(as(B_ROOT), 'GET', '/_zonal/nothing')), [
        403,
        'AccessDenied',
      ]);
      assert.equal((await fetch(`${endpoint}/_zonal/journal`)).status, 403);
      assert.deepEqual(await status(adminRequest(as(ROOT_KEY), 'GET', '/_zonal/nothing')), [
        400,
        'InvalidRequest',
      ]);
      assert.deepEqual(await status(adminRequest(as(ROOT_KEY), 'POST', '/_zonal/journal')), [
        405,
        'MethodNotAllowed',
      ]);
      assert.equal(await status(adminRequest(as(ROOT_KEY), 'GET', '/_zonal/journal')), 200);
      assert.equal(server.zonal.root.identity.accountId, ACCOUNT_A);
    } finally {
      await server.close();
    }
  });
});

describe('zonal journal', { timeout: 30_000 }, () => {
  test('lists the journal as a table and as JSON', async () => {
    const zonal = await startZonal({ ephemeral: true, credentials: ROOT_KEY });
    try {
      const Bucket = bucketName();
      await zonal.control.send(new CreateBucketCommand(createBucketInput(Bucket)));
      await zonal.s3.send(new PutObjectCommand({ Bucket, Key: 'hello.txt', Body: 'hi' }));
      const env = {
        PATH: process.env.PATH,
        ZONAL_ENDPOINT: zonal.endpoint,
        ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
        ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      };
      const table = await run(process.execPath, [zonalBin, 'journal'], { env });
      const lines = table.stdout.trim().split('\n');
      assert.match(lines[0]!, /^SEQ\s+TIME\s+OP\s+BUCKET\s+KEY\s+AUTH\s+STATUS\s+CODE\s+MS$/);
      assert.match(
        table.stdout,
        new RegExp(`PutObject\\s+${Bucket}\\s+hello\\.txt\\s+SessionReadWrite\\s+200`),
      );
      assert.match(table.stdout, /CreateSession\s+\S+\s+-\s+IAM\s+200/);
      const json = await run(
        process.execPath,
        [zonalBin, 'journal', '--format', 'json', '--op', 'PutObject'],
        { env },
      );
      const answer = JSON.parse(json.stdout) as { entries: JournalEntry[] };
      assert.deepEqual(
        answer.entries.map((e) => e.key),
        ['hello.txt'],
      );
      await run(process.execPath, [zonalBin, 'journal', '--clear'], { env });
      assert.equal(zonal.zonal.journal.entries().length, 0);
      const refused = await run(process.execPath, [zonalBin, 'journal'], {
        env: { ...env, ZONAL_ROOT_SECRET_ACCESS_KEY: 'y'.repeat(40) },
      }).catch((err: { code: number; stderr: string }) => err);
      assert.equal((refused as { code: number }).code, 1);
      assert.match((refused as { stderr: string }).stderr, /SignatureDoesNotMatch \(403\)/);
    } finally {
      await zonal.stop();
    }
  });
});
