import fs from 'node:fs';
import path from 'node:path';
import { freePort, spawnTracked } from '../lib/children.js';
import { runDir, zonalBin } from '../lib/paths.js';
import { openLog, stopper, type BenchServer, waitUntilAnswering } from './server.js';

/** Root credentials the harness gives Zonal (through the environment), so it can sign. */
export const BENCH_ROOT = {
  accessKeyId: 'AKIAZONALBENCHROOT00',
  secretAccessKey: 'zonalBenchRootSecretKey00000000000000000',
};
export const BENCH_REGION = 'us-east-1';
/** The root account (cluster mode takes it from the environment, the same on every node). */
export const BENCH_ACCOUNT_ID = '111122223333';
/** Long sessions: presigned URLs made at the start of a scenario stay valid through it. */
export const SESSION_SECONDS = 12 * 3600;

export interface ZonalOptions {
  fsync: boolean;
  /** Data dir name under bench/.work (kept between starts of the same server). */
  dataDirName: string;
  /** Extra node flags, e.g. --cpu-prof (BENCH_ZONAL_NODE_ARGS). */
  nodeArgs?: string[];
  /** Extra `zonal serve` flags (BENCH_ZONAL_ARGS). */
  serveArgs?: string[];
}

export function zonalDataDir(name: string): string {
  return path.join(runDir, 'data', name);
}

/** Spawns `node bin/zonal.js serve` without waiting for it (cold-start timing uses this). */
export function spawnZonal(options: ZonalOptions, port: number) {
  const dataDir = zonalDataDir(options.dataDirName);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  const logFile = path.join(runDir, 'logs', `${options.dataDirName}.log`);
  const log = openLog(logFile);
  const args = [
    ...(options.nodeArgs ?? []),
    zonalBin,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    `--fsync=${options.fsync}`,
    '--session-duration',
    String(SESSION_SECONDS),
    ...(options.serveArgs ?? []),
  ];
  const child = spawnTracked(process.execPath, args, {
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      ZONAL_ROOT_ACCESS_KEY_ID: BENCH_ROOT.accessKeyId,
      ZONAL_ROOT_SECRET_ACCESS_KEY: BENCH_ROOT.secretAccessKey,
      ZONAL_ACCOUNT_ID: BENCH_ACCOUNT_ID,
    },
  });
  fs.closeSync(log);
  return { child, logFile, dataDir };
}

/** Starts Zonal and waits until it answers HTTP (any status: an unsigned GET / is a 403). */
export async function startZonal(options: ZonalOptions, port?: number): Promise<BenchServer> {
  port ??= await freePort();
  const { child, logFile } = spawnZonal(options, port);
  let endpoint: string;
  try {
    endpoint = await waitUntilAnswering(port, child);
  } catch (err) {
    throw new Error(`${(err as Error).message}; see ${logFile}`);
  }
  return {
    label: options.fsync ? 'zonal' : 'zonal (fsync off)',
    endpoint,
    child,
    logFiles: [logFile],
    stop: stopper(child),
  };
}
