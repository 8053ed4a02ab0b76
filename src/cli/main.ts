import { iam } from './iam.js';
import { serve, SERVE_USAGE } from './serve.js';

const USAGE = `Usage: zonal <command>

Commands:
  serve     start the server (zonal serve --help for options)
  iam       zonal iam explain: why a principal may (not) do something on a bucket
  session   zonal session create --bucket <name>: print S3 Express session credentials
  bucket    zonal bucket create|list|delete: manage directory buckets
  journal   zonal journal: the requests the server answered last (root-only)
  faults    zonal faults add|list|clear|remove: fault injection (a server started with --faults)
  lifecycle zonal lifecycle list|run: list lifecycle rules, apply them now
  inventory zonal inventory run: write inventory reports now
  keys      zonal keys rotate --metadata <url>: add a session key to a cluster's shared ring
  cluster   zonal cluster status --metadata <url>: what a cluster's database holds
  access-point  zonal access-point list [--bucket <name>]: the access points for directory buckets
`;

/** Entry point of the `zonal` command; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'iam':
      return iam(rest);
    // Loaded on demand: the AWS SDK they use is not needed to serve.
    case 'session':
      return (await import('./session.js')).session(rest);
    case 'bucket':
      return (await import('./bucket.js')).bucket(rest);
    case 'journal':
      return (await import('./journal.js')).journal(rest);
    case 'faults':
      return (await import('./faults.js')).faults(rest);
    case 'lifecycle':
      return (await import('./lifecycle.js')).lifecycle(rest);
    case 'inventory':
      return (await import('./inventory.js')).inventory(rest);
    case 'cluster':
      return (await import('./cluster.js')).cluster(rest);
    case 'keys':
      return (await import('./keys.js')).keys(rest);
    case 'access-point':
      return (await import('./access-point.js')).accessPoint(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE + '\n' + SERVE_USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 1;
  }
}
