import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { bucketName, createBucketInput, ROOT_KEY } from '../helpers/zonal-fixture.js';
import { startServerProcess, type ServerProcess } from '../helpers/cli-server.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** `size` bytes of incompressible data, produced on the fly (never held whole). */
function generated(size: number): { stream: Readable; digest: () => string } {
  const block = crypto.randomBytes(MiB);
  const hash = crypto.createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const chunk = Buffer.from(block.subarray(0, Math.min(MiB, size - sent)));
      chunk.writeUInt32BE(sent / MiB, 0); // every block differs
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** Samples the server's RSS while `work` runs; returns the peak. */
async function peakRss(server: ServerProcess, work: () => Promise<void>): Promise<number> {
  let peak = server.rss();
  const timer = setInterval(() => (peak = Math.max(peak, server.rss())), 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, server.rss());
}

describe('a 1 GiB object streams through with flat server memory', { timeout: 240_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-large-'));
  let server: ServerProcess;
  let s3: S3Client;
  const bucket = bucketName();
  before(async () => {
    server = await startServerProcess(['--port', '0', '--data-dir', dataDir, '--fsync=false'], {
      ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
    });
    const config = { endpoint: server.endpoint, region: 'us-east-1', credentials: ROOT_KEY };
    await new S3Client({ ...config, disableS3ExpressSessionAuth: true }).send(
      new CreateBucketCommand(createBucketInput(bucket)),
    );
    s3 = new S3Client(config);
  });
  after(async () => {
    s3.destroy();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('PutObject with a streamed 1 GiB body, then GetObject streamed back', async () => {
    const baseline = server.rss();
    const body = generated(GiB);
    const putPeak = await peakRss(server, async () => {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'big/put', Body: body.stream, ContentLength: GiB }),
      );
    });
    const sent = body.digest();
    let received = '';
    let bytes = 0;
    const getPeak = await peakRss(server, async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/put' }));
      const hash = crypto.createHash('sha256');
      for await (const chunk of got.Body as Readable) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      received = hash.digest('hex');
    });
    assert.equal(bytes, GiB);
    assert.equal(received, sent);
    const growth = Math.max(putPeak, getPeak) - baseline;
    console.log(
      `# server RSS: baseline ${(baseline / MiB).toFixed(0)} MiB, peak PUT ${(putPeak / MiB).toFixed(0)} MiB, peak GET ${(getPeak / MiB).toFixed(0)} MiB`,
    );
    assert.ok(growth < 96 * MiB, `server RSS grew by ${(growth / MiB).toFixed(0)} MiB for a 1 GiB object`);
  });

  test('lib-storage Upload of 1 GiB in 16 MiB parts', async () => {
    const baseline = server.rss();
    const body = generated(GiB);
    const peak = await peakRss(server, async () => {
      await new Upload({
        client: s3,
        params: { Bucket: bucket, Key: 'big/multipart', Body: body.stream },
        partSize: 16 * MiB,
        queueSize: 4,
      }).done();
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/multipart' }));
    const hash = crypto.createHash('sha256');
    for await (const chunk of got.Body as Readable) hash.update(chunk as Buffer);
    assert.equal(hash.digest('hex'), body.digest());
    assert.equal(got.ContentLength, GiB);
    const growth = peak - baseline;
    console.log(
      `# server RSS during multipart: baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB`,
    );
    assert.ok(growth < 96 * MiB, `server RSS grew by ${(growth / MiB).toFixed(0)} MiB`);
  });
});
