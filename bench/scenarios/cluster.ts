import type { CaseResult } from '../lib/results.js';
import { s3GetArm, s3PutArm } from './arms.js';
import type { Scenario } from './scenario.js';
import { wrkCases, type Arm } from './wrk-case.js';

/**
 * Cluster mode (`--metadata postgres://… --blobs dir:…`): one node, and two nodes behind an
 * nginx balancer, against the embedded single node, in the same run. On a 2-core machine two
 * nodes, PostgreSQL, nginx and wrk share the cores: this shows the cost of a networked
 * metadata store and that a second node is not slower, not how a cluster scales
 * (docs/CLUSTER.md).
 */
export const clusterScenario: Scenario = {
  id: 'cluster',
  description:
    'cluster mode (PostgreSQL + shared blob dir): 1 node vs 2 nodes behind nginx vs the embedded node: GET 4 KiB c64, PUT 4 KiB fsync on c16',
  needs: { wrk: true, nginx: true },
  async run(ctx) {
    const embedded = await ctx.zonalTarget(true);
    const { one, two } = await ctx.clusterTargets();
    const cases: CaseResult[] = [];
    const get: Arm[] = [
      await s3GetArm('cluster, 2 nodes + nginx', two, '4k'),
      await s3GetArm('cluster, 1 node', one, '4k'),
      await s3GetArm('embedded, 1 node', embedded, '4k'),
    ];
    cases.push(
      ...(await wrkCases(
        ctx,
        { scenario: 'cluster', key: 'cluster-get-4k', title: 'GET 4 KiB, cluster' },
        get,
        ctx.concurrencies([64]),
      )),
    );
    const put: Arm[] = [
      await s3PutArm('cluster, 2 nodes + nginx', two, '4k'),
      await s3PutArm('cluster, 1 node', one, '4k'),
      await s3PutArm('embedded, 1 node', embedded, '4k'),
    ];
    cases.push(
      ...(await wrkCases(
        ctx,
        { scenario: 'cluster', key: 'cluster-put-4k', title: 'PUT 4 KiB, fsync on, cluster' },
        put,
        ctx.concurrencies([16]),
      )),
    );
    return cases;
  },
};
