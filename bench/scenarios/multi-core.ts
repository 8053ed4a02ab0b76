import os from 'node:os';
import type { CaseResult } from '../lib/results.js';
import { createSessionArm, nginxGetArm, nginxPutArm, s3GetArm, s3PutArm } from './arms.js';
import type { Scenario } from './scenario.js';
import { wrkCases, type Arm } from './wrk-case.js';

const WORKERS = Math.max(2, os.availableParallelism());

/**
 * What the multi-core mode (`zonal serve --workers n`, one process per core) gives: the same
 * loads against n workers, against one Zonal process, and against nginx with n workers.
 */
export const multiCoreScenario: Scenario = {
  id: 'multi-core',
  description: `zonal serve --workers ${WORKERS} vs one Zonal process vs nginx with ${WORKERS} workers: GET 4 KiB c64, PUT 4 KiB (fsync on) c16, CreateSession c16`,
  needs: { wrk: true, nginx: true },
  async run(ctx) {
    const multi = await ctx.zonalTarget(true, WORKERS);
    const single = await ctx.zonalTarget(true);
    const label = `zonal --workers ${WORKERS}`;
    const nginx = ctx.wants('nginx') ? await ctx.nginx(WORKERS) : undefined;
    const nginxLabel = `nginx (${WORKERS} workers)`;
    const cases: CaseResult[] = [];
    const get: Arm[] = [
      await s3GetArm(label, multi, '4k'),
      await s3GetArm('zonal (1 process)', single, '4k'),
    ];
    if (nginx) get.push(nginxGetArm(nginxLabel, nginx, '4k'));
    cases.push(
      ...(await wrkCases(
        ctx,
        { scenario: 'multi-core', key: 'multi-core-get-4k', title: `GET 4 KiB, ${WORKERS} workers` },
        get,
        ctx.concurrencies([64]),
      )),
    );
    const put: Arm[] = [
      await s3PutArm(label, multi, '4k'),
      await s3PutArm('zonal (1 process)', single, '4k'),
    ];
    if (nginx) put.push(nginxPutArm(nginxLabel, nginx, '4k'));
    cases.push(
      ...(await wrkCases(
        ctx,
        {
          scenario: 'multi-core',
          key: 'multi-core-put-4k',
          title: `PUT 4 KiB, fsync on, ${WORKERS} workers`,
          note: 'nginx never fsyncs',
        },
        put,
        ctx.concurrencies([16]),
      )),
    );
    cases.push(
      ...(await wrkCases(
        ctx,
        {
          scenario: 'multi-core',
          key: 'multi-core-create-session',
          title: `CreateSession, ${WORKERS} workers`,
        },
        [await createSessionArm(label, multi), await createSessionArm('zonal (1 process)', single)],
        ctx.concurrencies([16]),
      )),
    );
    return cases;
  },
};
