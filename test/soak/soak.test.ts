/**
 * Soak: `zonal serve` as a child process under a bounded mixed load from several unmodified
 * SDK clients with this package's session provider, its sessions lasting 5 s so that they
 * renew (and, for an idle client, expire) all the time. Every answer is checked; memory and
 * file descriptors are sampled each second and must not grow.
 *
 * Short (20 s) in `npm test`; `ZONAL_SOAK=1` (`npm run soak`) runs 10 minutes,
 * `ZONAL_SOAK_SECONDS=N` any length, `ZONAL_SOAK_SESSION_SECONDS=N` another session lifetime,
 * `ZONAL_SOAK_SEED=S` replays an operation mix.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createSession,
  zonalS3Client,
  type SessionModeChoice,
  type ZonalClients,
} from '../../src/client/index.js';
import { startServerProcess } from '../helpers/cli-server.js';
import { blobInventory } from '../helpers/data-dir.js';
import { PROCESS_ROOT_ENV, PROCESS_ROOT_KEY, seededBytes } from '../helpers/process-clients.js';
import { createBucketInput } from '../helpers/zonal-fixture.js';
import {
  describeFigures,
  growthFigures,
  growthViolations,
  idleViolations,
  RSS_GROWTH_BYTES,
  rssTimeline,
} from './growth.js';
import { HttpStatuses } from './http-statuses.js';
import { ObjectWorker, type StoredObject } from './object-worker.js';
import { otherFds, ProcessSampler } from './process-sampler.js';
import { Random } from './random.js';
import { RawMistakes } from './raw-mistakes.js';
import { ReaderWorker } from './reader-worker.js';
import { soakSettings } from './soak-settings.js';
import { Tally } from './tally.js';

const settings = soakSettings();
const BUCKETS = ['soak-a--use1-az4--x-s3', 'soak-b--use1-az4--x-s3'];
/** Read-write clients, each with two workers (one per bucket). */
const RW_CLIENTS = 4;
const STATIC_SIZES = [0, 1, 1000, 64 * 1024, 300 * 1024, 1024 * 1024];

test(
  `soak: ${settings.durationMs / 1000} s of mixed SDK load, sessions of ${settings.sessionSeconds} s`,
  { timeout: settings.durationMs + 180_000 },
  async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-soak-'));
    const server = await startServerProcess(
      ['--port', '0', '--data-dir', dataDir, '--session-duration', String(settings.sessionSeconds)],
      PROCESS_ROOT_ENV,
    );
    const sampler = new ProcessSampler(server.child.pid!, dataDir);
    const clients: ZonalClients[] = [];
    const statuses = new HttpStatuses();
    const client = (endpoint: string, mode: SessionModeChoice = 'ReadWrite'): ZonalClients => {
      const made = zonalS3Client({
        endpoint,
        credentials: PROCESS_ROOT_KEY,
        sessions: { mode },
        // Every failed attempt must be seen, not retried away.
        clientConfig: { maxAttempts: 1 },
      });
      statuses.watch(made.s3);
      statuses.watch(made.control);
      clients.push(made);
      return made;
    };
    try {
      const port = Number(new URL(server.endpoint).port);
      const tally = new Tally();
      t.diagnostic(`seed ${settings.seed} (ZONAL_SOAK_SEED replays the operation mix)`);

      // Buckets, and the objects the reader checks, which stay as they are.
      const setup = client(server.endpoint);
      for (const Bucket of BUCKETS)
        await setup.control.send(new CreateBucketCommand(createBucketInput(Bucket)));
      const staticObjects = new Map<string, StoredObject>();
      for (const [i, size] of STATIC_SIZES.entries()) {
        const key = `static/${i}`;
        const seed = `static-${i}`;
        const out = await setup.s3.send(
          new PutObjectCommand({ Bucket: BUCKETS[0], Key: key, Body: seededBytes(seed, size) }),
        );
        staticObjects.set(key, { seed, size, etag: out.ETag! });
      }
      const oldSession = (await createSession(setup.control, { bucket: BUCKETS[0]! })).Credentials;

      // The load: RW clients (one virtual-hosted, the others path style), an idle-prone
      // client whose sessions expire between bursts, a ReadOnly reader, raw mistakes.
      const random = (n: number): Random => new Random(settings.seed + n * 7919);
      const rw = Array.from({ length: RW_CLIENTS }, (_, c) =>
        client(c === 1 ? `http://localhost:${port}` : server.endpoint),
      );
      const workers = rw.flatMap((c, i) =>
        BUCKETS.map((bucket, b) => new ObjectWorker(c.s3, bucket, `w${i}-${b}/`, random(2 * i + b), tally)),
      );
      const bursty = client(server.endpoint);
      const burstyWorker = new ObjectWorker(bursty.s3, BUCKETS[1]!, 'bursty/', random(100), tally);
      const reader = client(server.endpoint, 'ReadOnly');
      const readerWorker = new ReaderWorker(
        reader.s3,
        BUCKETS[0]!,
        'static/',
        staticObjects,
        random(101),
        tally,
      );
      const mistakes = new RawMistakes(
        port,
        BUCKETS[0]!,
        'static/2',
        PROCESS_ROOT_KEY,
        oldSession,
        random(102),
        tally,
      );

      const loadStartMs = sampler.elapsed();
      const deadline = Date.now() + settings.durationMs;
      const untilDeadline = async (step: () => Promise<void>, pauseMs = 0): Promise<void> => {
        while (Date.now() < deadline) {
          await step();
          if (pauseMs > 0) await sleep(pauseMs);
        }
      };
      let bursts = 0;
      const burstRng = random(103);
      const burstLoop = async (): Promise<void> => {
        while (Date.now() < deadline) {
          bursts += 1;
          const steps = 10 + burstRng.int(20);
          for (let i = 0; i < steps && Date.now() < deadline; i++) await burstyWorker.step();
          // Idle for longer than a session lives (2 s of margin), so the next burst needs a new one.
          const idleMs = (settings.sessionSeconds + 2 + burstRng.int(3)) * 1000;
          await sleep(Math.max(0, Math.min(idleMs, deadline - Date.now())));
        }
      };
      await Promise.all([
        ...workers.map((w) => untilDeadline(() => w.step())),
        untilDeadline(() => readerWorker.step()),
        untilDeadline(() => mistakes.step(), 100),
        burstLoop(),
      ]);
      const loadEndMs = sampler.elapsed();
      sampler.take();

      // Renewals started by the last requests may still be on their way.
      while (clients.some((c) => c.sessions.stats().inFlight > 0)) await sleep(10);
      // Everything each worker wrote is there, byte for byte, and nothing else.
      for (const w of [...workers, burstyWorker]) await tally.run('final-check', () => w.verifyAll());
      const inventory = blobInventory(dataDir);
      // Close every client connection; the server must get back to its idle descriptors.
      for (const c of clients) c.destroy();
      const idle = sampler.samples[0]!;
      let after = sampler.take();
      const settleBy = Date.now() + 10_000;
      while (idleViolations(idle, after).length > 0 && Date.now() < settleBy) {
        await sleep(100);
        after = sampler.take();
      }
      sampler.stop();

      const seconds = (loadEndMs - loadStartMs) / 1000;
      const sessionStats = clients.map((c) => c.sessions.stats());
      const sum = (key: 'created' | 'refreshes' | 'misses' | 'failures'): number =>
        sessionStats.reduce((n, s) => n + s[key], 0);
      // Runs of 5 minutes or more are judged on the heap's working size (see RSS_GROWTH_BYTES).
      const rssTolerance = RSS_GROWTH_BYTES[settings.durationMs >= 300_000 ? 'long' : 'short'];
      const figures = growthFigures(sampler.samples, loadStartMs, settings.warmupMs, loadEndMs);
      const summary =
        `soak ${seconds.toFixed(0)} s: ${tally.total} operations (${(tally.total / seconds).toFixed(0)}/s), ` +
        `${statuses.total} HTTP responses, ${tally.expectedTotal} expected client errors, ` +
        `${tally.failureCount} failures, ${statuses.serverErrors} 5xx; sessions: ${sum('created')} created, ` +
        `${sum('refreshes')} background renewals, ${sum('misses')} misses (${bursts} idle bursts), ${sum('failures')} failed`;
      console.log(`# ${summary}`);
      t.diagnostic(summary);
      for (const line of describeFigures(figures)) t.diagnostic(line);
      t.diagnostic(
        `after the load, connections closed: ${after.fds} fds (idle ${idle.fds}): ${after.sockets} sockets ` +
          `(idle ${idle.sockets}), ${after.dirs} shard dirs, ${after.requestFiles} blob files, ${otherFds(after)} other (idle ${otherFds(idle)})`,
      );
      t.diagnostic(
        `RSS MiB by tenth of the load: ${rssTimeline(sampler.samples, loadStartMs, loadEndMs).join(', ')}`,
      );
      t.diagnostic(`operations: ${JSON.stringify(Object.fromEntries([...tally.ops].sort()))}`);
      t.diagnostic(`expected errors: ${JSON.stringify(Object.fromEntries([...tally.expected].sort()))}`);
      t.diagnostic(`HTTP statuses: ${JSON.stringify(Object.fromEntries([...statuses.counts].sort()))}`);
      t.diagnostic(
        `data dir: ${inventory.objects} objects, ${inventory.onDisk.size} blobs, ${inventory.uploads} open uploads, ${inventory.tmpFiles} temp files`,
      );

      assert.deepEqual(tally.failures, [], `${tally.failureCount} operations failed`);
      assert.equal(statuses.serverErrors, 0, 'no 5xx');
      assert.equal(sum('failures'), 0, 'no CreateSession failed');
      // Each cache entry in continuous use needs a new session at least every session lifetime.
      const entries = RW_CLIENTS * BUCKETS.length + 1;
      const minimum = entries * Math.floor(seconds / settings.sessionSeconds);
      assert.ok(
        sum('created') >= minimum,
        `${sum('created')} sessions created, at least ${minimum} expected`,
      );
      assert.ok(
        bursty.sessions.stats().misses >= bursts,
        `${bursts} bursts after an idle time longer than a session, ${bursty.sessions.stats().misses} misses`,
      );
      for (const mistake of ['raw-expired-session', 'readonly-put', 'complete-wrong-etag', 'get-missing']) {
        assert.ok(
          [...tally.expected.keys()].some((k) => k.startsWith(`${mistake} `)),
          `${mistake} was tried`,
        );
      }
      const expectedObjects =
        staticObjects.size + workers.reduce((n, w) => n + w.objectCount, 0) + burstyWorker.objectCount;
      assert.equal(inventory.objects, expectedObjects, 'objects in the metadata');
      assert.deepEqual(
        {
          orphans: inventory.orphans,
          missing: inventory.missing,
          uploads: inventory.uploads,
          tmp: inventory.tmpFiles,
        },
        { orphans: [], missing: [], uploads: 0, tmp: 0 },
        'no blob left behind or lost',
      );
      assert.deepEqual(
        growthViolations(figures, rssTolerance),
        [],
        'no growth of memory, descriptors or connections',
      );
      assert.deepEqual(idleViolations(idle, after), [], 'nothing left open after the load');
    } finally {
      sampler.stop();
      for (const c of clients) c.destroy();
      const code = await server.stop('SIGTERM');
      fs.rmSync(dataDir, { recursive: true, force: true });
      assert.equal(code, 0, `zonal serve exit code; output:\n${server.output()}`);
      assert.doesNotMatch(server.output(), /internal error/i, 'the server logged no internal error');
    }
  },
);
