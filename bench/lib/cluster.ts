import fs from 'node:fs';
import path from 'node:path';
import { startPostgres, type TestPostgres } from '../../test/helpers/postgres.js';
import { startBalancer } from '../servers/balancer.js';
import type { BenchServer } from '../servers/server.js';
import { startZonal } from '../servers/zonal.js';
import { runDir } from './paths.js';

/** Two cluster nodes on a throwaway PostgreSQL and one blob dir, and nginx balancing them. */
export interface BenchCluster {
  postgres: TestPostgres;
  nodes: BenchServer[];
  balancer: BenchServer;
  stop(): Promise<void>;
}

export async function startBenchCluster(
  nodeCount: number,
  options: { nodeArgs?: string[]; serveArgs?: string[] },
): Promise<BenchCluster> {
  const postgres = await startPostgres();
  const started: BenchServer[] = [];
  try {
    const url = await postgres.createDatabase('bench');
    const blobDir = path.join(runDir, 'data', 'cluster-blobs');
    fs.mkdirSync(blobDir, { recursive: true });
    for (let i = 1; i <= nodeCount; i++) {
      const node = await startZonal({
        fsync: true,
        dataDirName: `cluster-node-${i}`,
        nodeArgs: options.nodeArgs,
        serveArgs: ['--metadata', url, '--blobs', `dir:${blobDir}`, ...(options.serveArgs ?? [])],
      });
      started.push({ ...node, label: `cluster node ${i}` });
    }
    const balancer = await startBalancer('cluster-balancer', started);
    return {
      postgres,
      nodes: started,
      balancer,
      async stop() {
        await balancer.stop();
        await Promise.all(started.map((n) => n.stop()));
        await postgres.stop();
      },
    };
  } catch (err) {
    await Promise.all(started.map((n) => n.stop()));
    await postgres.stop();
    throw err;
  }
}
