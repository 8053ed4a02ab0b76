/**
 * What the server does for the web console without a browser: its files (content types, CSP,
 * caching, no path outside the known files), `--console false`, and the two admin routes the
 * console reads (`/_zonal/metrics`, `/_zonal/explain`), root only.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { parseServeArgs } from '../../src/cli/serve.js';
import { bucketName, createBucketInput, startTestZonal, type TestZonal } from '../helpers/zonal-fixture.js';
import { zonalAdmin } from '../helpers/zonal-admin.js';

const ACCOUNT = '444444444444';
const READER = {
  accessKeyId: 'AKIACONSOLEREADER001',
  secretAccessKey: 'reader-secret-00000000000000000000000000',
};

describe('console serving', () => {
  let t: TestZonal;
  let port: number;
  let bucket: string;
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${t.ipEndpoint}${path}`, { method, headers, redirect: 'manual' });

  before(async () => {
    t = await startTestZonal(
      {},
      {
        accountId: ACCOUNT,
        identities: {
          accounts: [
            {
              id: ACCOUNT,
              users: [
                {
                  name: 'reader',
                  accessKeys: [READER],
                  policies: {
                    NoWrites: {
                      Version: '2012-10-17',
                      Statement: [
                        {
                          Sid: 'Sessions',
                          Effect: 'Allow',
                          Action: 's3express:CreateSession',
                          Resource: '*',
                        },
                        {
                          Sid: 'NoReadWrite',
                          Effect: 'Deny',
                          Action: 's3express:CreateSession',
                          Resource: '*',
                          Condition: { StringEquals: { 's3express:SessionMode': 'ReadWrite' } },
                        },
                      ],
                    },
                  },
                },
              ],
            },
          ],
        },
      },
    );
    port = t.zonal.port;
    bucket = bucketName();
    await t.controlClient().send(new CreateBucketCommand(createBucketInput(bucket)));
  });
  after(() => t.close());

  test('files with their content types, a strict CSP, nosniff and revalidation', async () => {
    for (const [path, type] of [
      ['/console/', 'text/html; charset=utf-8'],
      ['/console/index.html', 'text/html; charset=utf-8'],
      ['/console/js/sigv4.js', 'text/javascript; charset=utf-8'],
      ['/console/style.css', 'text/css; charset=utf-8'],
      ['/console/favicon.svg', 'image/svg+xml'],
      ['/console/config.json', 'application/json'],
    ] as const) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), type, path);
      assert.match(res.headers.get('content-security-policy')!, /^default-src 'self';/);
      assert.match(res.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(res.headers.get('cache-control'), path);
    }
    assert.deepEqual(await (await get('/console/config.json')).json(), { region: 'us-east-1' });
    const first = await get('/console/js/app.js');
    const etag = first.headers.get('etag')!;
    const again = await get('/console/js/app.js', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    const head = await get('/console/js/app.js', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), first.headers.get('content-length'));
  });

  test('/console redirects to /console/; other methods and unknown files are S3 errors', async () => {
    const redirect = await get('/console');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/console/');
    const post = await get('/console/', {}, 'POST');
    assert.equal(post.status, 405);
    assert.match(await post.text(), /<Code>MethodNotAllowed<\/Code>/);
    for (const path of [
      '/console/nope.js',
      '/console/js/',
      '/console/..%2Fpackage.json',
      '/console/js/..%2F..%2Fpackage.json',
      '/console/README.md',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.match(await res.text(), /<Code>NoSuchKey<\/Code>/, path);
    }
  });

  test('a bucket virtual host keeps its own /console/ keys', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http
        .get({ port, path: '/console/', headers: { host: `${bucket}.localhost:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', reject);
    });
    assert.equal(status, 403); // an unsigned request for the bucket's key, not the console
  });

  test('objects are served sandboxed on the console origin', async () => {
    const put = await t.client().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'page.html',
        Body: '<script>alert(1)</script>',
        ContentType: 'text/html',
      }),
    );
    assert.ok(put.ETag);
    const url = await getSignedUrl(t.client(), new GetObjectCommand({ Bucket: bucket, Key: 'page.html' }));
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-security-policy'), 'sandbox');
  });

  test('--console false: no console, and `zonal serve` parses the flag', async () => {
    assert.equal(parseServeArgs([]).console, undefined);
    assert.equal(parseServeArgs(['--console', 'true']).console, undefined);
    assert.equal(parseServeArgs(['--console', 'false']).console, false);
    assert.throws(() => parseServeArgs(['--console', 'maybe']), /--console must be true or false/);
    const off = await startTestZonal({ console: false });
    try {
      const res = await fetch(`${off.ipEndpoint}/console/`);
      assert.notEqual(res.status, 200);
      assert.equal(res.headers.get('content-security-policy'), null);
    } finally {
      await off.close();
    }
  });

  test('GET /_zonal/metrics: counters as JSON, errors by code; root only', async () => {
    interface Snapshot {
      operations: { operation: string; requests: number; latencyBuckets: number[] }[];
      latencyBoundsSeconds: number[];
      errorsByCode: Record<string, number>;
      sessionsCreated: number;
      bytesReceived: number;
    }
    const snapshot = async () => {
      const res = await zonalAdmin(port, 'GET', '/_zonal/metrics');
      assert.equal(res.status, 200);
      return res.json as Snapshot;
    };
    const gets = (s: Snapshot) => s.operations.find((o) => o.operation === 'GetObject');
    const before = await snapshot();
    await assert.rejects(
      t.client().send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' })),
      (e: Error) => e.name === 'NoSuchKey',
    );
    const snap = await snapshot();
    assert.equal(gets(snap)!.requests - (gets(before)?.requests ?? 0), 1);
    assert.equal(gets(snap)!.latencyBuckets.length, snap.latencyBoundsSeconds.length + 1);
    assert.equal(
      gets(snap)!.latencyBuckets.reduce((a, b) => a + b, 0),
      gets(snap)!.requests,
    );
    assert.equal(snap.errorsByCode.NoSuchKey! - (before.errorsByCode.NoSuchKey ?? 0), 1);
    assert.ok(snap.sessionsCreated >= 1);
    assert.ok(snap.bytesReceived > before.bytesReceived);
    // The same count in the Prometheus text.
    const text = await (await fetch(`${t.ipEndpoint}/metrics`)).text();
    const line = /^zonal_errors_total\{code="NoSuchKey"\} (\d+)$/m.exec(text);
    assert.equal(Number(line?.[1]), snap.errorsByCode.NoSuchKey);
    // Console files are counted, but not journaled (the journal is for S3 requests).
    assert.ok(snap.operations.some((o) => o.operation === 'Console'));
    const journal = await zonalAdmin(port, 'GET', '/_zonal/journal');
    const ops = (journal.json as { entries: { op: string }[] }).entries.map((e) => e.op);
    assert.ok(ops.includes('GetObject'));
    assert.ok(!ops.includes('Console'));
    const denied = await zonalAdmin(port, 'GET', '/_zonal/metrics', undefined, READER);
    assert.equal(denied.status, 403);
    assert.match(denied.body, /<Code>AccessDenied<\/Code>/);
  });

  test('POST /_zonal/explain: the decision and the statements behind it; root only', async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:user/reader`;
    const res = await zonalAdmin(port, 'POST', '/_zonal/explain', { principal: arn, bucket });
    assert.equal(res.status, 200, res.body);
    const { explanations } = res.json as {
      explanations: {
        mode: string;
        decision: { allowed: boolean; matched: { sid?: string; effect: string }[] };
      }[];
    };
    assert.deepEqual(
      explanations.map((e) => [e.mode, e.decision.allowed]),
      [
        ['ReadWrite', false],
        ['ReadOnly', true],
      ],
    );
    assert.deepEqual(
      explanations[0]!.decision.matched.map((m) => `${m.effect}:${m.sid}`),
      ['Allow:Sessions', 'Deny:NoReadWrite'],
    );
    // By access key id, for one mode.
    const byKey = await zonalAdmin(port, 'POST', '/_zonal/explain', {
      principal: READER.accessKeyId,
      bucket,
      mode: 'ReadOnly',
    });
    assert.equal((byKey.json as { explanations: unknown[] }).explanations.length, 1);
    for (const [body, code] of [
      [{ principal: arn }, 'InvalidArgument'],
      [{ principal: arn, bucket, mode: 'Sometimes' }, 'InvalidArgument'],
      [{ principal: arn, bucket, action: 'iam:CreateUser' }, 'InvalidArgument'],
      [{ principal: `arn:aws:iam::${ACCOUNT}:user/ghost`, bucket }, 'InvalidArgument'],
      [{ principal: arn, bucket: bucketName() }, 'NoSuchBucket'],
      [[1, 2], 'InvalidArgument'],
    ] as const) {
      const bad = await zonalAdmin(port, 'POST', '/_zonal/explain', body);
      assert.match(bad.body, new RegExp(`<Code>${code}</Code>`), JSON.stringify(body));
    }
    const denied = await zonalAdmin(port, 'POST', '/_zonal/explain', { principal: arn, bucket }, READER);
    assert.equal(denied.status, 403);
  });
});
