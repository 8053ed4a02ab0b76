import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, isRunning, stopChild } from '../lib/children.js';
import { waitForHttp } from '../lib/http-probe.js';
import type { Measurement } from '../lib/results.js';
import { zonalTarget } from '../lib/s3-targets.js';
import { nginxRoot, spawnNginx } from '../servers/nginx.js';
import { spawnZonal, startZonal } from '../servers/zonal.js';
import type { Scenario } from './scenario.js';

const RUNS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Spawn → first 200 to `urlPath`, `RUNS` times; each process is stopped before the next. */
async function timeStarts(
  spawnOne: (port: number) => { child: import('node:child_process').ChildProcess },
  port: number,
  urlPath: string,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const { child } = spawnOne(port);
    try {
      const t1 = await waitForHttp(
        `http://127.0.0.1:${port}${urlPath}`,
        (s) => s === 200,
        10_000,
        1,
        () => isRunning(child),
      );
      times.push(t1 - t0);
    } finally {
      await stopChild(child);
    }
  }
  return times;
}

/**
 * Cold start: from spawning the process to the first successful GET of a 4 KiB object
 * (session-presigned for Zonal, on a data dir that already holds it), median of 5; nginx
 * started the same way serving the same file.
 */
export const coldStartScenario: Scenario = {
  id: 'cold-start',
  description: 'Process spawn to first 200 GET of a 4 KiB object, median of 5: Zonal vs nginx',
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

    const zonalTimes = await timeStarts((p) => spawnZonal(options, p), port, urlPath);
    const subject: Measurement = {
      system: 'zonal',
      value: median(zonalTimes),
      errors: 0,
      detail: { samplesMs: zonalTimes },
    };
    console.log(`    zonal: ${zonalTimes.map((t) => t.toFixed(0)).join(', ')} ms`);
    const references: Measurement[] = [];
    if (ctx.wants('nginx')) {
      fs.mkdirSync(path.join(nginxRoot, 'cold'), { recursive: true });
      fs.writeFileSync(path.join(nginxRoot, 'cold/4k'), body);
      const nginxTimes = await timeStarts((p) => spawnNginx(p, 'cold-start'), await freePort(), '/cold/4k');
      references.push({
        system: 'nginx',
        value: median(nginxTimes),
        errors: 0,
        detail: { samplesMs: nginxTimes },
      });
      console.log(`    nginx: ${nginxTimes.map((t) => t.toFixed(0)).join(', ')} ms`);
    }
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
