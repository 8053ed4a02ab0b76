/**
 * Server memory under many connections that stream big signed aws-chunked chunks with bad
 * chunk signatures (issue 13): the decoder passes a chunk's bytes on as they arrive and checks
 * the signature when the chunk ends, so no connection holds a whole chunk (up to 16 MiB) in
 * memory. A decoder that held each chunk until it was verified grew the server by about
 * 16 MiB per connection.
 *
 * The server is a child process; its peak RSS is read from /proc/<pid>/status (VmHWM) after
 * resetting the peak (`echo 5 > /proc/<pid>/clear_refs`), or sampled where that is refused.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startServerProcess, type ServerProcess } from '../helpers/cli-server.js';
import { blobInventory } from '../helpers/data-dir.js';
import {
  PROCESS_ROOT_ENV,
  PROCESS_ROOT_KEY,
  processClients,
  type ProcessClients,
} from '../helpers/process-clients.js';
import { RawConnection, serializeRequest, type RawHttpResponse } from '../helpers/raw-http.js';
import { signRequest } from '../helpers/raw-signing.js';
import { bucketName, createBucketInput } from '../helpers/zonal-fixture.js';

const MiB = 1024 * 1024;
const CONNECTIONS = 64;
/** The largest chunk the decoder accepts (aws-chunked.ts DEFAULT_MAX_CHUNK). */
const CHUNK = 16 * MiB;
const LIMIT = 128 * MiB;
const WAIT_MS = 120_000;

const sha256Hex = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');
const hmac = (key: string | Buffer, s: string): Buffer => createHmac('sha256', key).update(s).digest();
const EMPTY_SHA256 = sha256Hex('');

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
}

/** Resets the kernel's peak-RSS mark of `pid` (Linux ≥ 4.0); false where that is refused. */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return procStatus(pid, 'VmHWM') <= procStatus(pid, 'VmRSS') + MiB;
  } catch {
    return false;
  }
}

/**
 * The head of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD PutObject (valid seed signature) and its
 * aws-chunked body around one `CHUNK`-byte chunk of `data` whose chunk signature is the right
 * one with its first hex digit changed, then a final chunk. See "Signature Calculations for
 * the Authorization Header: Transferring Payload in Multiple Chunks (Chunked Upload) (AWS
 * Signature Version 4)" in the Amazon S3 API Reference.
 */
async function badChunkPut(port: number, bucket: string, key: string, dataHash: string) {
  const requestPath = `/${bucket}/${key}`;
  const bodyLength = (n: number, sig: string): number =>
    `${n.toString(16)};chunk-signature=${sig}\r\n`.length;
  const fakeSig = '0'.repeat(64);
  const encodedLength = bodyLength(CHUNK, fakeSig) + CHUNK + 2 + bodyLength(0, fakeSig) + 2;
  const signed = await signRequest(
    port,
    {
      method: 'PUT',
      path: requestPath,
      headers: {
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(CHUNK),
        'content-length': String(encodedLength),
      },
    },
    { credentials: PROCESS_ROOT_KEY },
  );
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization!)![1]!;
  const amzDate = signed.headers['x-amz-date']!;
  const day = amzDate.slice(0, 8);
  const scope = `${day}/us-east-1/s3express/aws4_request`;
  let signingKey = hmac('AWS4' + PROCESS_ROOT_KEY.secretAccessKey, day);
  for (const part of ['us-east-1', 's3express', 'aws4_request']) signingKey = hmac(signingKey, part);
  const chunkSig = (prev: string, hash: string): string =>
    hmac(
      signingKey,
      ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, prev, EMPTY_SHA256, hash].join('\n'),
    ).toString('hex');
  const right = chunkSig(seed, dataHash);
  const wrong = (right[0] === '0' ? '1' : '0') + right.slice(1);
  const head = serializeRequest('PUT', requestPath, Object.entries(signed.headers), Buffer.alloc(0));
  const chunkLine = Buffer.from(`${CHUNK.toString(16)};chunk-signature=${wrong}\r\n`);
  const final = Buffer.from(`\r\n0;chunk-signature=${chunkSig(right, EMPTY_SHA256)}\r\n\r\n`);
  assert.equal(chunkLine.length + CHUNK + final.length, encodedLength);
  return { head: Buffer.concat([head, chunkLine]), tail: final };
}

describe('memory under bad signed chunks', { timeout: 300_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-chunk-memory-'));
  const bucket = bucketName();
  let server: ServerProcess;
  let clients: ProcessClients;
  let s3: S3Client;
  let port: number;

  before(async () => {
    server = await startServerProcess(
      ['--port', '0', '--data-dir', dataDir, '--fsync=false'],
      PROCESS_ROOT_ENV,
    );
    port = Number(new URL(server.endpoint).port);
    clients = processClients(server.endpoint);
    await clients.control().send(new CreateBucketCommand(createBucketInput(bucket)));
    s3 = clients.data();
  });
  after(async () => {
    clients?.destroy();
    await server?.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(`${CONNECTIONS} connections, each one 16 MiB chunk with a bad signature: 403, nothing stored, RSS growth < 128 MiB`, async () => {
    // One buffer for every connection: the test process holds 16 MiB, not 1 GiB.
    const data = Buffer.alloc(CHUNK);
    for (let i = 0; i < CHUNK; i += 4096) data.writeUInt32BE(i, i);
    const dataHash = sha256Hex(data);
    const requests = await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) => badChunkPut(port, bucket, `bad/${i}`, dataHash)),
    );

    // A first write warms up the object path, then the baseline is taken.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'warm', Body: 'warm' }));
    const pid = server.child.pid!;
    const peakReset = resetPeak(pid);
    const baseline = procStatus(pid, 'VmRSS');
    let sampled = baseline;
    const sampler = peakReset
      ? undefined
      : setInterval(() => (sampled = Math.max(sampled, procStatus(pid, 'VmRSS'))), 10);

    const started = Date.now();
    const connections = await Promise.all(requests.map(() => RawConnection.open(port)));
    const outcomes = await Promise.all(
      connections.map(async (conn, i): Promise<RawHttpResponse | string> => {
        const { head, tail } = requests[i]!;
        conn.write(head);
        conn.write(data);
        conn.write(tail);
        try {
          return await conn.readResponse(false, WAIT_MS);
        } catch (err) {
          // The server may close (and reset) a connection whose body it stopped reading.
          return (err as Error).message;
        } finally {
          conn.destroy();
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    if (sampler) clearInterval(sampler);
    const peak = peakReset ? procStatus(pid, 'VmHWM') : Math.max(sampled, procStatus(pid, 'VmRSS'));
    const growth = peak - baseline;

    const answered = outcomes.filter((o): o is RawHttpResponse => typeof o !== 'string');
    for (const res of answered) {
      const body = res.body.toString('utf8');
      assert.equal(res.status, 403, body);
      assert.equal(/<Code>([^<]*)<\/Code>/.exec(body)?.[1], 'SignatureDoesNotMatch', body);
    }
    const closed = outcomes.filter((o): o is string => typeof o === 'string');
    console.log(
      `# ${CONNECTIONS} × 16 MiB bad chunks in ${seconds.toFixed(1)} s: server RSS ${(baseline / MiB).toFixed(0)} MiB → peak ${(peak / MiB).toFixed(0)} MiB (growth ${(growth / MiB).toFixed(0)} MiB, ${peakReset ? 'VmHWM' : 'sampled'}); ${answered.length} answered 403, ${closed.length} closed without an answer${closed.length ? ` (${closed[0]})` : ''}`,
    );
    assert.ok(answered.length >= CONNECTIONS / 2, `most connections got their 403 (${answered.length})`);
    assert.ok(growth < LIMIT, `server RSS grew by ${(growth / MiB).toFixed(0)} MiB`);

    // Nothing was stored, no temp file is left, and the server still serves.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'bad/' }));
    assert.equal(listed.KeyCount, 0);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'after', Body: 'still serving' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'after' }));
    assert.equal(await got.Body!.transformToString(), 'still serving');
    const inventory = blobInventory(dataDir);
    assert.equal(inventory.tmpFiles, 0, 'no temp file left');
    assert.deepEqual(inventory.orphans, [], 'no orphan blob');
    assert.equal(inventory.objects, 2, 'only warm and after');
  });
});
