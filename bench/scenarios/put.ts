import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { bodyOf, putKeys, SIZE_LABEL, SIZES, type SizeName } from '../lib/datasets.js';
import { fsyncRate } from '../lib/disk.js';
import type { CaseResult, Measurement } from '../lib/results.js';
import type { S3Target } from '../lib/s3-targets.js';
import type { BenchContext } from '../lib/context.js';
import { bareNodePutArm, nginxPutArm, s3PutArm } from './arms.js';
import { BARE_NODE } from '../lib/targets.js';
import type { Scenario } from './scenario.js';
import { measureArm } from './wrk-case.js';

/** After the load: the object wrk wrote last is there with the right size. */
async function checkStored(target: S3Target, size: SizeName, m: Measurement): Promise<void> {
  const head = await target.client.send(
    new HeadObjectCommand({ Bucket: target.bucket, Key: putKeys(size)[0] }),
  );
  if (head.ContentLength !== SIZES[size])
    m.flag = `stored object has ${head.ContentLength} bytes, expected ${SIZES[size]}`;
}

async function measurePut(ctx: BenchContext, size: SizeName, c: number): Promise<CaseResult[]> {
  const scenario = `put-${size}`;
  const name = (system: string): string => `${scenario}-c${c}-${system}`;
  const body = bodyOf(size);
  // The disk's rate varies with what else the host does: measured right before and right after
  // Zonal's fsync-on run, and the higher of the two is the reference (the stricter one).
  const diskRate = (): ReturnType<typeof fsyncRate> | undefined =>
    ctx.wants('disk') ? fsyncRate(body.length, ctx.options.quick ? 1 : 3) : undefined;
  const before = diskRate();
  const zonal = await ctx.zonalTarget(true);
  const on = await measureArm(
    ctx,
    await s3PutArm('zonal (fsync on)', zonal, size),
    c,
    name('zonal-fsync-on'),
  );
  await checkStored(zonal, size, on);
  const after = diskRate();
  let disk: Measurement | undefined;
  if (before && after) {
    const best = before.opsPerSecond >= after.opsPerSecond ? before : after;
    disk = {
      system: 'disk (1 stream, fsync)',
      value: best.opsPerSecond,
      latencyMs: { p50: best.p50, p99: best.p99 },
      errors: 0,
      detail: { before, after },
    };
    console.log(
      `    disk               1 stream ${Math.round(before.opsPerSecond)} / ${Math.round(after.opsPerSecond)} ${SIZE_LABEL[size]} write+fsync/s (before / after)`,
    );
  }
  const zonalOff = await ctx.zonalTarget(false);
  const off = await measureArm(
    ctx,
    await s3PutArm('zonal (fsync off)', zonalOff, size),
    c,
    name('zonal-fsync-off'),
  );
  await checkStored(zonalOff, size, off);
  const refs: Measurement[] = [];
  if (ctx.wants('nginx')) {
    refs.push(await measureArm(ctx, nginxPutArm('nginx', await ctx.nginx(), size), c, name('nginx')));
  }
  if (ctx.wants('s3rver'))
    refs.push(
      await measureArm(ctx, await s3PutArm('s3rver', await ctx.s3rverTarget(), size), c, name('s3rver')),
    );
  if (ctx.wants('node')) {
    refs.push(
      await measureArm(ctx, bareNodePutArm(BARE_NODE, await ctx.bareNode(), size), c, name('bare-node')),
    );
  }
  const title = `PUT ${SIZE_LABEL[size]}`;
  return [
    {
      id: `${scenario}-fsync-on-c${c}`,
      scenario,
      title: `${title}, fsync on, c${c}`,
      unit: 'req/s',
      higherIsBetter: true,
      concurrency: c,
      subject: on,
      references: [...(disk ? [disk] : []), ...refs],
      note: 'nginx, s3rver and bare node never fsync; bare node does not even store',
    },
    {
      id: `${scenario}-fsync-off-c${c}`,
      scenario,
      title: `${title}, fsync off, c${c}`,
      unit: 'req/s',
      higherIsBetter: true,
      concurrency: c,
      subject: off,
      references: refs,
    },
  ];
}

/** PUT of one size: Zonal with fsync on and off vs nginx WebDAV PUT vs s3rver (and the disk's fsync rate). */
export function putScenario(size: SizeName): Scenario {
  return {
    id: `put-${size}`,
    description: `PUT ${SIZE_LABEL[size]} (${putKeys(size).length} keys overwritten in turn), c16: Zonal fsync on/off vs nginx WebDAV vs s3rver vs a bare Node HTTP server vs one-stream write+fsync`,
    needs: { wrk: true, nginx: true, s3rver: true },
    async run(ctx) {
      const cases: CaseResult[] = [];
      for (const c of ctx.concurrencies([16])) cases.push(...(await measurePut(ctx, size, c)));
      return cases;
    },
  };
}
