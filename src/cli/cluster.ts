/** `zonal cluster status --metadata postgres://…`: what a cluster's database holds, as JSON. */
import { parseArgs } from 'node:util';
import { clusterStatus } from '../storage/postgres/cluster-status.js';

const USAGE = `Usage: zonal cluster status --metadata postgres://USER[:PASSWORD]@HOST:PORT/DB

  Prints the cluster database's schema version, counts of buckets, objects, uploads and
  inline blobs, the garbage waiting for its grace period, the session key ring (ids only) and
  the nodes (one per serving process: id, host, endpoint, pid, start, last heartbeat, and
  state "up" if heard from within 3 heartbeats, else "silent").`;

export async function cluster(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'status') {
    console.error(USAGE);
    return command === undefined || command === '--help' ? 0 : 1;
  }
  const { values } = parseArgs({ args: rest, strict: true, options: { metadata: { type: 'string' } } });
  if (values.metadata === undefined) {
    console.error(USAGE);
    return 1;
  }
  try {
    console.log(JSON.stringify(await clusterStatus(values.metadata), null, 2));
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
}
