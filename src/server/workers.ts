/**
 * Multi-core mode (`zonal serve --workers N`): N server processes from node:cluster share the
 * listening port and the data dir. The primary serves nothing; it prepares the data dir once
 * (creates secrets, runs migrations and the orphan sweep, which would delete another process's
 * in-flight blobs if a worker ran it), forks the workers, restarts one that dies, and stops
 * them all on shutdown. It holds the data dir's lock for the workers (data-dir-lock.ts), which
 * check that it does. Workers open the store in shared mode (see EmbeddedStoreOptions.shared
 * in storage/embedded.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import { FileSessionKeyRing } from '../auth/session-key-file.js';
import type { ServerConfig } from '../config.js';
import { openObjectStore } from '../storage/open-store.js';
import { MAINTENANCE_WORKER_ENV, prepareStart, type RunningZonal } from './start.js';

/** What the primary knows of the running cluster: enough for the banner and a clean stop. */
export type RunningWorkers = Pick<RunningZonal, 'config' | 'root' | 'endpoint' | 'port'> & {
  close(): Promise<void>;
};

/** True in a process forked by `startWorkers`: it serves, sharing the data dir. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

export async function startWorkers(
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  onWarning: (message: string) => void,
): Promise<RunningWorkers> {
  // Everything a worker would otherwise create on first start, created once, here.
  const prepared = await prepareStart(config, env, onWarning, false);
  prepared.identities.close();
  config = prepared.config;
  // The lock is held for the workers and released once all have stopped (or, on a failed
  // start, when this process exits).
  const { dataDir, root, lock } = prepared;
  if (config.metadataUrl !== undefined && config.blobs !== undefined) {
    // Cluster mode: the shared schema is migrated once here; keys and data live in the database.
    (
      await openObjectStore({
        kind: 'cluster',
        metadataUrl: config.metadataUrl,
        blobTier: { ...config.blobs, env },
        fsync: config.fsync,
      })
    ).close();
  } else {
    FileSessionKeyRing.open(dataDir);
    const blobTier = config.blobs === undefined ? {} : { blobTier: { ...config.blobs, env } };
    (await openObjectStore({ kind: 'embedded', dataDir, fsync: config.fsync, ...blobTier })).close();
  }

  let stopping = false;
  // One worker runs the scheduled lifecycle and inventory passes (MAINTENANCE_WORKER_ENV);
  // its replacement takes the role over when it dies.
  let maintenanceWorker: Worker | undefined;
  const fork = (): Worker => {
    const first = maintenanceWorker === undefined;
    const worker = cluster.fork(first ? { [MAINTENANCE_WORKER_ENV]: '1' } : {});
    if (first) maintenanceWorker = worker;
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    onWarning(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    if (worker === maintenanceWorker) maintenanceWorker = undefined;
    fork();
  });
  const listening = new Promise<{ address: string; port: number }>((resolve, reject) => {
    let ready = 0;
    cluster.on('listening', (_worker, address) => {
      if (++ready === config.workers)
        resolve({ address: address.address ?? config.host, port: address.port });
    });
    // A worker that cannot start (port taken, bad config) exits before listening.
    cluster.once('exit', (_worker, code) => {
      if (ready < config.workers) reject(new Error(`a worker failed to start (exit code ${code})`));
    });
  });
  for (let i = 0; i < config.workers; i++) fork();
  let bound;
  try {
    bound = await listening;
  } catch (err) {
    stopping = true;
    await stopAll();
    lock.release();
    throw err;
  }
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return {
    config,
    root,
    endpoint: `${config.tls ? 'https' : 'http'}://${host}:${bound.port}`,
    port: bound.port,
    close: async () => {
      stopping = true;
      await stopAll();
      lock.release();
    },
  };
}

/** SIGTERM to every worker (each stops gracefully), resolved when all have exited. */
function stopAll(): Promise<void> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  return Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    ),
  ).then(() => undefined);
}
