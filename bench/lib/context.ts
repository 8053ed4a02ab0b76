import { startBareNode } from '../servers/bare-node.js';
import { startNginx } from '../servers/nginx.js';
import { startS3rver } from '../servers/s3rver.js';
import type { BenchServer } from '../servers/server.js';
import { trimLog } from '../servers/server.js';
import { startZonal } from '../servers/zonal.js';
import { startBenchCluster, type BenchCluster } from './cluster.js';
import type { Options } from './options.js';
import { s3rverTarget, zonalTarget, type S3Target } from './s3-targets.js';

type ZonalTarget = Awaited<ReturnType<typeof zonalTarget>>;

const zonalName = (fsync: boolean, workers: number): string =>
  `zonal${fsync ? '' : '-nofsync'}${workers > 1 ? `-w${workers}` : ''}`;

/**
 * The servers of one run, started on first use and kept until the end (an idle server costs
 * nothing measurable), plus the options every scenario reads.
 */
export class BenchContext {
  private readonly servers = new Map<string, Promise<BenchServer>>();
  private readonly targets = new Map<string, Promise<S3Target>>();
  private cluster: Promise<BenchCluster> | undefined;
  private clusterPair: Promise<{ one: ZonalTarget; two: ZonalTarget }> | undefined;

  constructor(readonly options: Options) {}

  /** Whether the run includes this system (--systems). Zonal always runs. */
  wants(system: 'nginx' | 's3rver' | 'disk' | 'node'): boolean {
    return this.options.systems.length === 0 || this.options.systems.includes(system);
  }

  concurrencies(defaults: number[]): number[] {
    const c = this.options.concurrency;
    return c.length === 0
      ? defaults
      : defaults.filter((d) => c.includes(d)).concat(c.filter((x) => !defaults.includes(x)));
  }

  private server(name: string, start: () => Promise<BenchServer>): Promise<BenchServer> {
    let server = this.servers.get(name);
    if (server === undefined) {
      console.log(`  starting ${name}`);
      server = start();
      this.servers.set(name, server);
    }
    return server;
  }

  /** Zonal with fsync on or off, as one process or with `--workers n` (multi-core mode). */
  zonal(fsync = true, workers = 1): Promise<BenchServer> {
    const name = zonalName(fsync, workers);
    return this.server(name, () =>
      startZonal({
        fsync,
        dataDirName: name,
        nodeArgs: this.options.zonalNodeArgs,
        serveArgs: [...(workers > 1 ? ['--workers', String(workers)] : []), ...this.options.zonalServeArgs],
      }),
    );
  }

  nginx(workers = 1): Promise<BenchServer> {
    return this.server(workers === 1 ? 'nginx' : `nginx-w${workers}`, () => startNginx(workers));
  }

  /** A bare Node HTTP server (no auth, storage or logging): Node's own ceiling. */
  bareNode(): Promise<BenchServer> {
    return this.server('bare node', () => startBareNode());
  }

  /** The bare Node HTTP server checking each GET's SigV4 signature, and nothing more. */
  bareNodeSigV4(): Promise<BenchServer> {
    return this.server('bare node + SigV4', () => startBareNode(true));
  }

  s3rver(): Promise<BenchServer> {
    return this.server('s3rver', startS3rver);
  }

  zonalTarget(fsync = true, workers = 1): Promise<ZonalTarget> {
    const name = zonalName(fsync, workers);
    let target = this.targets.get(name);
    if (target === undefined) {
      target = this.zonal(fsync, workers).then(zonalTarget);
      this.targets.set(name, target);
    }
    return target as Promise<ZonalTarget>;
  }

  /**
   * Cluster mode: two nodes on one PostgreSQL and blob dir; `one` talks to the first node,
   * `two` to nginx balancing both. Started on first use, like every server.
   */
  clusterTargets(): Promise<{ one: ZonalTarget; two: ZonalTarget }> {
    this.clusterPair ??= (async () => {
      console.log('  starting cluster (PostgreSQL, 2 nodes, nginx)');
      this.cluster = startBenchCluster(2, {
        nodeArgs: this.options.zonalNodeArgs,
        serveArgs: this.options.zonalServeArgs,
      });
      const cluster = await this.cluster;
      const one = await zonalTarget(cluster.nodes[0]!);
      const two = await zonalTarget(cluster.balancer);
      return { one, two };
    })();
    return this.clusterPair;
  }

  s3rverTarget(): Promise<S3Target> {
    let target = this.targets.get('s3rver');
    if (target === undefined) {
      target = this.s3rver().then(s3rverTarget);
      this.targets.set('s3rver', target);
    }
    return target;
  }

  /** Request logs grow fast under load; keep them bounded between runs. */
  async trimLogs(): Promise<void> {
    for (const server of this.servers.values()) for (const file of (await server).logFiles) trimLog(file);
  }

  async close(): Promise<void> {
    for (const target of this.targets.values()) (await target.catch(() => undefined))?.destroy();
    await Promise.all([...this.servers.values()].map(async (s) => (await s.catch(() => undefined))?.stop()));
    const pair = await this.clusterPair?.catch(() => undefined);
    pair?.one.destroy();
    pair?.two.destroy();
    await (await this.cluster?.catch(() => undefined))?.stop();
  }
}
