/**
 * Crashes and recovery of a cluster on one PostgreSQL: a node killed with SIGKILL in the
 * middle of an UploadPart, a CompleteMultipartUpload or an append leaves only whole,
 * acknowledged state behind (read through a surviving node), and a database that goes away
 * while nodes run is answered 503 until it is back, when the same nodes work again and their
 * LISTEN connections are re-established.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  CreateSessionCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { bucketName, createBucketInput, expectS3Error } from '../helpers/zonal-fixture.js';
import { startCluster, type ClusterNode, type TestCluster } from '../helpers/zonal-cluster.js';

const MiB = 1024 * 1024;

let cluster: TestCluster;
let b: ClusterNode;
let c: ClusterNode;

before(async () => {
  cluster = await startCluster(2);
  [b, c] = cluster.nodes as [ClusterNode, ClusterNode];
});
after(async () => {
  await cluster?.stop();
});

async function createBucket(node: ClusterNode): Promise<string> {
  const bucket = bucketName();
  await cluster.controlClient(node).send(new CreateBucketCommand(createBucketInput(bucket)));
  return bucket;
}

async function bytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** A body of `chunks` × 64 KiB that takes `chunks` × 20 ms to send. */
function slowBody(chunks: number): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < chunks; i++) {
        yield crypto.randomBytes(64 * 1024);
        await new Promise((r) => setTimeout(r, 20));
      }
    })(),
  );
}

/** Waits (3 s at most) until the database has `expected` connections that last ran LISTEN. */
async function waitForListeners(expected: number): Promise<void> {
  const admin = new pg.Client({ connectionString: cluster.metadataUrl });
  await admin.connect();
  try {
    const deadline = Date.now() + 3000;
    for (;;) {
      const { rows } = await admin.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
      );
      if (Number(rows[0]!.n) === expected) return;
      assert.ok(Date.now() < deadline, `LISTEN connections: ${rows[0]!.n}, expected ${expected}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.end();
  }
}

const settle = (p: Promise<unknown>): Promise<'acknowledged' | 'failed'> =>
  p.then(
    () => 'acknowledged' as const,
    () => 'failed' as const,
  );

describe('kill -9 and database outages in a cluster', () => {
  test('kill -9 mid-UploadPart: the acknowledged parts are listed and complete; the torn one is absent', async () => {
    const bucket = await createBucket(b);
    const victim = await cluster.startNode();
    const onVictim = cluster.client(victim, { maxAttempts: 1 });
    const { UploadId } = await onVictim.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(5 * MiB), crypto.randomBytes(300_000)];
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      const out = await onVictim.send(
        new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId, PartNumber: i + 1, Body: body }),
      );
      etags.push(out.ETag!);
    }
    // Part 4 (5 MiB, streamed over ~1.6 s) is on the wire when the node dies.
    const torn = settle(
      onVictim.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'mp',
          UploadId,
          PartNumber: 4,
          Body: slowBody(80),
          ContentLength: 80 * 64 * 1024,
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 400));
    await victim.process.stop('SIGKILL');
    assert.equal(await torn, 'failed');

    const onB = cluster.client(b);
    const listed = await onB.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp', UploadId }));
    assert.deepEqual(
      (listed.Parts ?? []).map((p) => [p.PartNumber, p.ETag, p.Size]),
      parts.map((body, i) => [i + 1, etags[i], body.length]),
    );
    await onB.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mp',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
      }),
    );
    assert.ok((await bytes(cluster.client(c), bucket, 'mp')).equals(Buffer.concat(parts)));
  });

  test('kill -9 mid-CompleteMultipartUpload: the key is the whole object or absent, and the upload matches', async () => {
    const bucket = await createBucket(b);
    // Killed 2 ms after the request is sent (it mostly does not commit) or 15 ms after (it
    // mostly commits, sometimes without its answer leaving the node): both outcomes are seen.
    for (const delayMs of [2, 15]) {
      const Key = `mp-${delayMs}`;
      const victim = await cluster.startNode();
      const onVictim = cluster.client(victim, { maxAttempts: 1 });
      const { UploadId } = await onVictim.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
      const parts = Array.from({ length: 3 }, (_, i) => crypto.randomBytes(i < 2 ? 5 * MiB : 1000));
      const completed = [];
      for (const [i, body] of parts.entries()) {
        const out = await onVictim.send(
          new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: i + 1, Body: body }),
        );
        completed.push({ PartNumber: i + 1, ETag: out.ETag! });
      }
      const complete = settle(
        onVictim.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: completed },
          }),
        ),
      );
      // Killed as the request arrives, or while it is handled (it may or may not have committed).
      await new Promise((r) => setTimeout(r, delayMs));
      await victim.process.stop('SIGKILL');
      const outcome = await complete;

      const onB = cluster.client(b);
      const whole = Buffer.concat(parts);
      const head = await onB.send(new HeadObjectCommand({ Bucket: bucket, Key })).then(
        (h) => h,
        (err: Error) => {
          assert.equal(err.name, 'NotFound');
          return undefined;
        },
      );
      if (head) {
        // Committed: the whole object, and the upload is gone.
        assert.ok((await bytes(onB, bucket, Key)).equals(whole));
        await expectS3Error(
          onB.send(new ListPartsCommand({ Bucket: bucket, Key, UploadId })),
          'NoSuchUpload',
          404,
        );
      } else {
        // Not committed: never acknowledged, the upload is still there and a retry completes it.
        assert.equal(outcome, 'failed');
        const listed = await onB.send(new ListPartsCommand({ Bucket: bucket, Key, UploadId }));
        assert.deepEqual(
          (listed.Parts ?? []).map((p) => [p.PartNumber, p.ETag]),
          completed.map((p) => [p.PartNumber, p.ETag]),
        );
        await onB.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: completed },
          }),
        );
        assert.ok((await bytes(onB, bucket, Key)).equals(whole));
      }
    }
  });

  test('kill -9 mid-append: the object is exactly the acknowledged appends, or those and the one in flight', async () => {
    const bucket = await createBucket(b);
    const victim = await cluster.startNode();
    const onVictim = cluster.client(victim, { maxAttempts: 1 });
    const acknowledged: Buffer[] = [];
    let inFlight: Buffer | undefined;
    let size = 0;
    const appending = (async () => {
      for (let i = 0; ; i++) {
        // 1 MiB appends: the kill most likely lands while one is being received or stored.
        inFlight = crypto.randomBytes(i === 0 ? 1000 : MiB);
        const input = { Bucket: bucket, Key: 'log', Body: inFlight };
        try {
          const out = await onVictim.send(
            new PutObjectCommand(i === 0 ? input : { ...input, WriteOffsetBytes: size }),
          );
          acknowledged.push(inFlight);
          size += inFlight.length;
          if (i > 0) assert.equal(out.Size, size);
        } catch {
          return;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 700));
    await victim.process.stop('SIGKILL');
    await appending;
    assert.ok(acknowledged.length >= 2, `appends acknowledged before the kill: ${acknowledged.length}`);

    const onB = cluster.client(b);
    const got = await bytes(onB, bucket, 'log');
    const acked = Buffer.concat(acknowledged);
    const withInFlight = Buffer.concat([acked, inFlight!]);
    assert.ok(
      got.equals(acked) || got.equals(withInFlight),
      `object is ${got.length} bytes; acknowledged ${acked.length}, with the one in flight ${withInFlight.length}`,
    );
    const tail = Buffer.from('after the crash');
    const out = await onB.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'log', Body: tail, WriteOffsetBytes: got.length }),
    );
    assert.equal(out.Size, got.length + tail.length);
    assert.ok((await bytes(cluster.client(c), bucket, 'log')).equals(Buffer.concat([got, tail])));
  });

  // Last: it stops and restarts the database under the running nodes.
  test('a database that goes away is answered 503; the same nodes recover when it is back', async () => {
    const bucket = await createBucket(b);
    const onB = cluster.client(b, { maxAttempts: 1 });
    const onC = cluster.client(c, { maxAttempts: 1 });
    await onB.send(new PutObjectCommand({ Bucket: bucket, Key: 'before', Body: 'v' }));
    // C's session too is made before the outage: the SDK keeps a failed CreateSession in its
    // session cache, so a client whose first request fell in the outage fails until it is
    // recreated (docs/CLUSTER.md, Failures).
    assert.ok((await bytes(onC, bucket, 'before')).equals(Buffer.from('v')));
    // The bucket and identity listeners of both nodes (the killed nodes' are gone).
    await waitForListeners(4);

    await cluster.postgres.pause();
    for (const s3 of [onB, onC]) {
      await expectS3Error(
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'before' })),
        'ServiceUnavailable',
        503,
      );
      await expectS3Error(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'during', Body: 'x' })),
        'ServiceUnavailable',
        503,
      );
    }
    await expectS3Error(
      cluster.controlClient(c, { maxAttempts: 1 }).send(new CreateSessionCommand({ Bucket: bucket })),
      'ServiceUnavailable',
      503,
    );
    // Down for longer than one reconnect attempt of the listeners.
    await new Promise((r) => setTimeout(r, 1500));
    await cluster.postgres.resume();
    const back = Date.now();

    // Within a few seconds, without a restart, both nodes serve again.
    for (const [i, s3] of [onB, onC].entries()) {
      for (;;) {
        try {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `after-${i}`, Body: `a${i}` }));
          break;
        } catch (err) {
          assert.ok(
            Date.now() - back < 5000,
            `node ${i} still failing 5 s after the database is back: ${String(err)}`,
          );
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    assert.ok((await bytes(onC, bucket, 'after-0')).equals(Buffer.from('a0')));
    assert.ok((await bytes(onB, bucket, 'before')).equals(Buffer.from('v')));
    const listed = await onC.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      ['after-0', 'after-1', 'before'],
    );
    const session = await cluster
      .controlClient(b, { maxAttempts: 1 })
      .send(new CreateSessionCommand({ Bucket: bucket }));
    assert.ok(session.Credentials?.SessionToken);

    // A bucket made after the recovery is seen by every node, and so is its deletion.
    const fresh = await createBucket(b);
    await cluster.controlClient(c).send(new HeadBucketCommand({ Bucket: fresh }));
    await cluster.controlClient(b).send(new DeleteBucketCommand({ Bucket: fresh }));
    const deleted = Date.now();
    for (;;) {
      try {
        await cluster.controlClient(c).send(new HeadBucketCommand({ Bucket: fresh }));
      } catch (err) {
        assert.equal((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 404);
        break;
      }
      assert.ok(Date.now() - deleted < 1000, 'C still sees the deleted bucket after a second');
      await new Promise((r) => setTimeout(r, 20));
    }

    // The LISTEN connections are back (changes are notified, not only picked up by the cache TTL).
    await waitForListeners(4);
  });
});
