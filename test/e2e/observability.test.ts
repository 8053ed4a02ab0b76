import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type CreateSessionCommandOutput,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { createLogger } from '../../src/observability/request-log.js';
import { startZonal, type RunningZonal } from '../../src/server/start.js';
import { runServeToExit, startServerProcess } from '../helpers/cli-server.js';
import {
  bucketName,
  createBucketInput,
  expectS3Error,
  ROOT_KEY,
  TEST_REGION,
} from '../helpers/zonal-fixture.js';

/** A Zonal in this process whose request log goes to memory. */
interface LoggedZonal {
  zonal: RunningZonal;
  /** Everything the logger wrote, as written. */
  logText: () => string;
  lines: () => Record<string, unknown>[];
  internalErrors: unknown[];
  close(): Promise<void>;
}

async function startLoggedZonal(): Promise<LoggedZonal> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-obs-'));
  const chunks: string[] = [];
  const internalErrors: unknown[] = [];
  const zonal = await startZonal(
    { ...DEFAULT_CONFIG, port: 0, dataDir, fsync: false },
    {
      ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
    },
    (err) => internalErrors.push(err),
    undefined,
    // pino accepts any object with write(): the log stays in memory.
    createLogger('info', { write: (s: string) => void chunks.push(s) }),
  );
  const logText = () => chunks.join('');
  return {
    zonal,
    logText,
    lines: () =>
      logText()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    internalErrors,
    close: async () => {
      await zonal.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Prometheus text → value by `name{label="v",…}` with labels sorted by name. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const series = line.slice(0, space);
    const brace = series.indexOf('{');
    let key = series;
    if (brace !== -1) {
      const labels = [...series.slice(brace + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)]
        .map((m) => `${m[1]}="${m[2]}"`)
        .sort();
      key = `${series.slice(0, brace)}{${labels.join(',')}}`;
    }
    samples.set(key, Number(line.slice(space + 1)));
  }
  return samples;
}

function series(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

async function scrape(endpoint: string): Promise<{ contentType: string; samples: Map<string, number> }> {
  const res = await fetch(`${endpoint}/metrics`);
  assert.equal(res.status, 200);
  return { contentType: res.headers.get('content-type') ?? '', samples: parseExposition(await res.text()) };
}

function value(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const v = samples.get(series(name, labels));
  assert.notEqual(v, undefined, `${series(name, labels)} missing`);
  return v!;
}

describe('/metrics and the request log', () => {
  const BODY = Buffer.alloc(4096, 'z');
  let t: LoggedZonal;
  let endpoint: string;
  let bucket: string;
  let s3: S3Client;
  let control: S3Client;
  /** Credential material seen on the wire or returned to the client: must never be logged. */
  const secrets = {
    sessionSecrets: [] as string[],
    sessionTokens: [] as string[],
    signatures: [] as string[],
  };
  const ids: Record<string, string> = {};

  before(async () => {
    t = await startLoggedZonal();
    endpoint = `http://127.0.0.1:${t.zonal.port}`;
    bucket = bucketName();
    t.zonal.server.http.prependListener('request', (req: http.IncomingMessage) => {
      const text = `${req.headers.authorization ?? ''} ${req.url ?? ''}`;
      for (const m of text.matchAll(/Signature=([0-9a-f]{64})/g)) secrets.signatures.push(m[1]!);
      const token = req.headers['x-amz-s3session-token'];
      if (typeof token === 'string') secrets.sessionTokens.push(token);
    });
    const config = { endpoint, region: TEST_REGION, credentials: ROOT_KEY };
    control = new S3Client({ ...config, disableS3ExpressSessionAuth: true });
    s3 = new S3Client(config); // the SDK's own S3 Express session auth
    // The SDK calls CreateSession through this client: keep what it got back.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'CreateSessionCommand') {
          const creds = (result.output as CreateSessionCommandOutput).Credentials!;
          secrets.sessionSecrets.push(creds.SecretAccessKey!);
          secrets.sessionTokens.push(creds.SessionToken!);
        }
        return result;
      },
      { step: 'initialize', name: 'captureSessionCredentials' },
    );

    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'four-k', Body: BODY }));
    ids.put = put.$metadata.requestId!;
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'four-k' }));
    ids.get = got.$metadata.requestId!;
    assert.equal((await got.Body!.transformToByteArray()).length, BODY.length);
    const missing = await expectS3Error(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'absent' })),
      'NoSuchKey',
      404,
    );
    ids.missing = (missing as Error & { $metadata: { requestId: string } }).$metadata.requestId;
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'four-k' }), {
      expiresIn: 60,
    });
    const presigned = await fetch(url);
    assert.equal(presigned.status, 200);
    assert.equal((await presigned.arrayBuffer()).byteLength, BODY.length);
    const sts = new STSClient(config);
    try {
      const caller = await sts.send(new GetCallerIdentityCommand({}));
      ids.sts = caller.$metadata.requestId!;
    } finally {
      sts.destroy();
    }
  });
  after(async () => {
    s3.destroy();
    control.destroy();
    await t.close();
    assert.deepEqual(t.internalErrors, []);
  });

  test('counts requests by operation and status, latency, sessions and bytes', async () => {
    const first = await scrape(endpoint);
    assert.match(first.contentType, /^text\/plain; version=0\.0\.4/);
    const { samples } = await scrape(endpoint);
    const requests = (operation: string, status: string) =>
      value(samples, 'zonal_requests_total', { operation, status });
    assert.equal(requests('CreateBucket', '200'), 1);
    assert.equal(requests('PutObject', '200'), 1);
    assert.equal(requests('GetObject', '200'), 2, 'SDK GET and presigned GET');
    assert.equal(requests('GetObject', '404'), 1);
    assert.equal(requests('STS', '200'), 1);
    assert.equal(requests('Metrics', '200'), 1, 'the first scrape');
    const sessions = t.zonal.stats.sessionsCreated;
    assert.ok(sessions >= 1);
    assert.equal(requests('CreateSession', '200'), sessions);
    assert.equal(value(samples, 'zonal_sessions_created_total'), sessions);

    const h = 'zonal_request_duration_seconds';
    const op = { operation: 'GetObject' };
    assert.equal(value(samples, `${h}_count`, op), 3);
    assert.equal(value(samples, `${h}_bucket`, { ...op, le: '+Inf' }), 3);
    assert.ok(value(samples, `${h}_sum`, op) > 0);
    let previous = 0;
    for (const le of ['0.0005', '0.001', '0.01', '0.1', '1', '10']) {
      const cumulative = value(samples, `${h}_bucket`, { ...op, le });
      assert.ok(cumulative >= previous && cumulative <= 3, `le=${le}: ${cumulative}`);
      previous = cumulative;
    }

    assert.ok(value(samples, 'zonal_bytes_received_total') >= BODY.length, 'the PUT body came in');
    assert.ok(value(samples, 'zonal_bytes_sent_total') >= 2 * BODY.length, 'two GET bodies went out');
    for (const processMetric of [
      'process_resident_memory_bytes',
      'process_open_fds',
      'nodejs_eventloop_lag_seconds',
    ]) {
      assert.ok(samples.has(processMetric), `${processMetric} missing`);
    }
  });

  test('/metrics on a bucket host is that bucket’s key, not the metrics', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({ port: t.zonal.port, path: '/metrics', headers: { host: `${bucket}.localhost` } }, resolve)
        .on('error', reject);
    });
    res.resume();
    assert.equal(res.statusCode, 403, 'an unsigned GetObject');
    assert.equal(res.headers['content-type'], 'application/xml');
    const { samples } = await scrape(endpoint);
    assert.equal(value(samples, 'zonal_requests_total', { operation: 'GetObject', status: '403' }), 1);
  });

  test('one JSON line per request, with what happened and who asked', async () => {
    const { samples } = await scrape(endpoint);
    let counted = 0;
    for (const [key, n] of samples) if (key.startsWith('zonal_requests_total{')) counted += n;
    const lines = t.lines();
    // Every request the last scrape counted, and the scrape itself.
    assert.equal(lines.length, counted + 1);
    assert.equal(new Set(lines.map((l) => l.reqId)).size, lines.length, 'one line per request id');
    for (const line of lines) {
      assert.equal(line.level, 30);
      assert.equal(typeof line.time, 'number');
      assert.equal(typeof line.ms, 'number');
      assert.equal(typeof line.bytesIn, 'number');
      assert.equal(typeof line.bytesOut, 'number');
    }
    const byId = (id: string) => lines.find((l) => l.reqId === id)!;
    const sessionKeyId = (line: Record<string, unknown>) => String(line.accessKeyId);

    const put = byId(ids.put!);
    assert.equal(put.op, 'PutObject');
    assert.equal(put.method, 'PUT');
    assert.equal(put.bucket, bucket);
    assert.equal(put.status, 200);
    assert.ok((put.bytesIn as number) >= BODY.length);
    assert.match(sessionKeyId(put), /^ASIA/, 'signed with the session key');

    const get = byId(ids.get!);
    assert.deepEqual([get.op, get.method, get.status, get.code], ['GetObject', 'GET', 200, undefined]);
    assert.ok((get.bytesOut as number) >= BODY.length);

    const missing = byId(ids.missing!);
    assert.deepEqual([missing.op, missing.status, missing.code], ['GetObject', 404, 'NoSuchKey']);

    const sts = byId(ids.sts!);
    assert.deepEqual([sts.op, sts.method, sts.status], ['STS', 'POST', 200]);

    const createSession = lines.find((l) => l.op === 'CreateSession')!;
    assert.equal(createSession.accessKeyId, ROOT_KEY.accessKeyId);
    assert.equal(createSession.status, 200);
  });

  test('no credential material ever reaches the log', () => {
    assert.ok(secrets.sessionSecrets.length >= 1, 'the SDK created a session');
    assert.ok(secrets.sessionTokens.length >= 2, 'session tokens were sent');
    assert.ok(secrets.signatures.length >= 5, 'signatures were sent');
    const log = t.logText();
    const material = [
      ROOT_KEY.secretAccessKey,
      ...secrets.sessionSecrets,
      ...secrets.sessionTokens,
      ...secrets.signatures,
    ];
    for (const secret of material) assert.ok(!log.includes(secret), `leaked: ${secret.slice(0, 12)}…`);
    assert.ok(!/AWS4-HMAC-SHA256|authorization|x-amz-s3session-token/i.test(log));
  });
});

describe('/metrics per server and internal errors', () => {
  test('each server counts its own requests, and a 500 is logged at error with its stack', async () => {
    const a = await startLoggedZonal();
    const b = await startLoggedZonal();
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${a.zonal.port}`,
      region: TEST_REGION,
      credentials: ROOT_KEY,
      disableS3ExpressSessionAuth: true,
      maxAttempts: 1, // a 500 is retried otherwise
    });
    try {
      const aBucket = bucketName();
      await client.send(new CreateBucketCommand(createBucketInput(aBucket)));
      const onA = (await scrape(`http://127.0.0.1:${a.zonal.port}`)).samples;
      const onB = (await scrape(`http://127.0.0.1:${b.zonal.port}`)).samples;
      assert.equal(value(onA, 'zonal_requests_total', { operation: 'CreateBucket', status: '200' }), 1);
      assert.equal(
        onB.get(series('zonal_requests_total', { operation: 'CreateBucket', status: '200' })),
        undefined,
      );

      // A store that went away is the server's fault: 500, reported with the stack.
      a.zonal.store.close();
      const err = await expectS3Error(
        client.send(new GetObjectCommand({ Bucket: aBucket, Key: 'k' })),
        'InternalError',
        500,
      );
      const requestId = (err as Error & { $metadata: { requestId: string } }).$metadata.requestId;
      assert.equal(a.internalErrors.length, 1);
      const errorLine = a.lines().find((l) => l.level === 50)!;
      assert.equal(errorLine.reqId, requestId);
      assert.match(String((errorLine.err as { stack?: string }).stack), /at /);
      const requestLine = a.lines().find((l) => l.reqId === requestId && l.level === 30)!;
      assert.deepEqual(
        [requestLine.op, requestLine.status, requestLine.code],
        ['GetObject', 500, 'InternalError'],
      );
      a.internalErrors.length = 0;
    } finally {
      client.destroy();
      await a.close();
      await b.close();
    }
  });
});

describe('zonal serve request log', () => {
  test('logs JSON lines to stdout by default, all written by the time it exits', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-obs-cli-'));
    try {
      const server = await startServerProcess(['--port', '0', '--data-dir', dataDir, '--fsync=false']);
      const res = await fetch(`${server.endpoint}/metrics`);
      assert.equal(res.status, 200);
      const requestId = res.headers.get('x-amz-request-id');
      await res.text();
      assert.equal(await server.stop('SIGTERM'), 0);
      const lines = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const line = lines.find((l) => l.reqId === requestId);
      assert.ok(line, `no log line for ${requestId} in:\n${server.output()}`);
      assert.deepEqual([line.op, line.method, line.status, line.level], ['Metrics', 'GET', 200, 30]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('ZONAL_LOG_LEVEL must name a pino level', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-obs-cli-'));
    try {
      const { code, output } = await runServeToExit(['--port', '0', '--data-dir', dataDir], {
        ZONAL_LOG_LEVEL: 'loud',
      });
      assert.equal(code, 1);
      assert.match(output, /ZONAL_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
