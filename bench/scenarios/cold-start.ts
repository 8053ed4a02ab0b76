import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, isRunning, spawnTracked, stopChild } from '../lib/children.js';
import { waitForHttp } from '../lib/http-probe.js';
import type { Measurement } from '../lib/results.js';
import { zonalTarget } from '../lib/s3-targets.js';
import { BARE_NODE } from '../lib/targets.js';
import { nginxRoot, spawnNginx } from '../servers/nginx.js';
import { spawnZonal, startZonal } from '../servers/zonal.js';
import type { Scenario } from './scenario.js';

const RUNS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A way to start one system for timing: what to spawn, and the path whose 200 means served. */
interface Starter {
  system: string;
  port: number;
  urlPath: string;
  spawn(port: number): { child: import('node:child_process').ChildProcess };
}

/**
 * Spawn → first 200 to each starter's `urlPath`, `RUNS` times each, in rounds (one start of
 * every system per round, so that load from elsewhere on the machine falls on all of them
 * alike); each process is stopped before the next starts.
 */
async function timeStarts(starters: Starter[]): Promise<Map<string, number[]>> {
  const times = new Map(starters.map((s) => [s.system, [] as number[]]));
  for (let i = 0; i < RUNS; i++) {
    for (const starter of starters) {
      const t0 = performance.now();
      const { child } = starter.spawn(starter.port);
      try {
        const t1 = await waitForHttp(
          `http://127.0.0.1:${starter.port}${starter.urlPath}`,
          (s) => s === 200,
          10_000,
          1,
          () => isRunning(child),
        );
        times.get(starter.system)!.push(t1 - t0);
      } finally {
        await stopChild(child);
      }
    }
  }
  return times;
}

/** The least a Node process takes to serve: `node -e` with an http server answering 200. */
function spawnBareNode(port: number) {
  const script = `require('node:http').createServer((req, res) => res.end()).listen(${port}, '127.0.0.1')`;
  return { child: spawnTracked(process.execPath, ['-e', script], { stdio: 'ignore' }) };
}

/**
 * Cold start: from spawning the process to the first successful GET of a 4 KiB object
 * (session-presigned for Zonal, on a data dir that already holds it), median of 5; nginx
 * started the same way serving the same file, and a bare Node HTTP server (the floor for any
 * Node server on this machine).
 */
export const coldStartScenario: Scenario = {
  id: 'cold-start',
  description:
    'Process spawn to first 200 GET of a 4 KiB object, median of 5: Zonal vs nginx and a bare Node HTTP server',
  needs: { nginx: true },
  async run(ctx) {
    const options = {
      fsync: true,
      dataDirName: 'cold-start',
      nodeArgs: [],
      serveArgs: ctx.options.zonalServeArgs,
    };
    // Prepare the data dir once: bucket, object and a presigned GET that stays valid across restarts
    // on the same port (the session key ring lives in the data dir; the signature covers Host).
    const port = await freePort();
    const server = await startZonal(options, port);
    const target = await zonalTarget(server);
    const body = Buffer.alloc(4096, 7);
    await target.client.send(new PutObjectCommand({ Bucket: target.bucket, Key: 'cold/4k', Body: body }));
    const urlPath = await target.presign(new GetObjectCommand({ Bucket: target.bucket, Key: 'cold/4k' }));
    target.destroy();
    await server.stop();

    const starters: Starter[] = [{ system: 'zonal', port, urlPath, spawn: (p) => spawnZonal(options, p) }];
    if (ctx.wants('nginx')) {
      fs.mkdirSync(path.join(nginxRoot, 'cold'), { recursive: true });
      fs.writeFileSync(path.join(nginxRoot, 'cold/4k'), body);
      const spawn = (p: number) => spawnNginx(p, 'cold-start');
      starters.push({ system: 'nginx', port: await freePort(), urlPath: '/cold/4k', spawn });
    }
    if (ctx.wants('node'))
      starters.push({ system: BARE_NODE, port: await freePort(), urlPath: '/', spawn: spawnBareNode });
    const times = await timeStarts(starters);
    const measured = (system: string): Measurement => {
      const samples = times.get(system)!;
      console.log(`    ${system}: ${samples.map((t) => t.toFixed(0)).join(', ')} ms`);
      return { system, value: median(samples), errors: 0, detail: { samplesMs: samples } };
    };
    const subject = measured('zonal');
    const references = starters.slice(1).map((s) => measured(s.system));
    return [
      {
        id: 'cold-start',
        scenario: 'cold-start',
        title: 'Cold start to first GET (median of 5)',
        unit: 'ms',
        higherIsBetter: false,
        subject,
        references,
        note: 'spawn → first 200; ratio > 1 means slower',
      },
    ];
  },
};
