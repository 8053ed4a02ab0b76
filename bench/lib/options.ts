import { parseArgs } from 'node:util';

export interface Options {
  /** Seconds per wrk run (BENCH_SECONDS, default 10; --quick: 2). */
  seconds: number;
  /** Unrecorded wrk run before each measurement, so every server is warm (JIT, caches): BENCH_WARMUP, default 2; --quick: 1. */
  warmupSeconds: number;
  quick: boolean;
  /** Scenario ids or prefixes to run (--only get-4k,put-4k); empty: all. */
  only: string[];
  /** Reference systems to include besides Zonal (--systems nginx,s3rver,disk,node); empty: all. */
  systems: string[];
  /** Concurrencies to run (--concurrency 16); empty: each scenario's defaults. */
  concurrency: number[];
  threads: number;
  /** Write bench/results/latest.* (default: only for a full run). */
  save: boolean;
  list: boolean;
  help: boolean;
  /** Extra node flags for the Zonal process, e.g. --cpu-prof (BENCH_ZONAL_NODE_ARGS). */
  zonalNodeArgs: string[];
  /** Extra `zonal serve` flags (BENCH_ZONAL_ARGS). */
  zonalServeArgs: string[];
}

export const USAGE = `Usage: node dist/bench/run.js [options]   (npm run bench -- [options])

  --only <ids>          run only these scenarios (comma-separated ids or prefixes: get-4k, put, cold-start)
  --systems <names>     references to include besides Zonal: nginx, s3rver, disk, node (a bare
                        Node HTTP server: Node's own ceiling; for GETs also the same server
                        checking each signature with Zonal's SigV4 code) (default all);
                        --systems none runs Zonal alone (e.g. to profile it)
  --concurrency <n,…>   wrk connections (default: 16 and 64 for GETs, 16 otherwise)
  --quick               2-second runs and small transfers: a smoke test
  --save / --no-save    write bench/results/latest.* (default: only for a full, non-quick run)
  --list                list the scenarios
Environment:
  BENCH_SECONDS          seconds per wrk run (default 10)
  BENCH_WARMUP           seconds of unrecorded load before each run (default 2; 0 for none)
  BENCH_THREADS          wrk threads (default 2)
  BENCH_ZONAL_NODE_ARGS  node flags for the Zonal process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  BENCH_ZONAL_ARGS       extra \`zonal serve\` flags`;

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const words = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter((s) => s !== '');

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      only: { type: 'string', multiple: true },
      systems: { type: 'string' },
      concurrency: { type: 'string' },
      quick: { type: 'boolean' },
      save: { type: 'boolean' },
      'no-save': { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const quick = values.quick ?? false;
  const seconds = quick ? 2 : Number(env.BENCH_SECONDS ?? 10);
  if (!Number.isFinite(seconds) || seconds < 1) throw new Error('BENCH_SECONDS must be a number ≥ 1');
  const warmupSeconds = quick ? 1 : Number(env.BENCH_WARMUP ?? 2);
  if (!Number.isInteger(warmupSeconds) || warmupSeconds < 0)
    throw new Error('BENCH_WARMUP must be an integer ≥ 0');
  const only = (values.only ?? []).flatMap(list);
  const systemsArg = list(values.systems);
  const systems = systemsArg.includes('none') ? ['none'] : systemsArg;
  for (const s of systems)
    if (!['nginx', 's3rver', 'disk', 'node', 'none'].includes(s)) throw new Error(`unknown system ${s}`);
  const concurrency = list(values.concurrency).map(Number);
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--concurrency takes integers');
  const threads = Number(env.BENCH_THREADS ?? 2);
  const partial = quick || only.length > 0 || systems.length > 0 || concurrency.length > 0;
  return {
    seconds,
    warmupSeconds,
    quick,
    only,
    systems,
    concurrency,
    threads,
    save: values['no-save'] ? false : (values.save ?? !partial),
    list: values.list ?? false,
    help: values.help ?? false,
    zonalNodeArgs: words(env.BENCH_ZONAL_NODE_ARGS),
    zonalServeArgs: words(env.BENCH_ZONAL_ARGS),
  };
}
