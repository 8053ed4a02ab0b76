import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { getKeys, loadS3 } from '../lib/datasets.js';
import type { S3Target } from '../lib/s3-targets.js';
import type { Scenario } from './scenario.js';
import { wrkCases, type Arm } from './wrk-case.js';

const KEYS = getKeys('4k').length;

async function listArm(system: string, target: S3Target): Promise<Arm> {
  await loadS3(target, '4k');
  const path = await target.presign(
    new ListObjectsV2Command({ Bucket: target.bucket, Prefix: 'get/4k/', MaxKeys: KEYS }),
  );
  return {
    system,
    endpoint: target.server.endpoint,
    method: 'GET',
    paths: [path],
    checkBody: (body) => {
      const n = body.toString().split('<Key>').length - 1;
      return n === KEYS ? undefined : `listed ${n} keys, expected ${KEYS}`;
    },
  };
}

/** ListObjectsV2 returning one full page of 1,000 keys (the GET 4 KiB data set). */
export const listScenario: Scenario = {
  id: 'list-1000',
  description: `ListObjectsV2 of a ${KEYS}-key page, c16: Zonal vs s3rver`,
  needs: { wrk: true, s3rver: true },
  async run(ctx) {
    const arms = [await listArm('zonal', await ctx.zonalTarget())];
    if (ctx.wants('s3rver')) arms.push(await listArm('s3rver', await ctx.s3rverTarget()));
    return wrkCases(
      ctx,
      { scenario: 'list-1000', title: `ListObjectsV2, ${KEYS} keys` },
      arms,
      ctx.concurrencies([16]),
    );
  },
};
