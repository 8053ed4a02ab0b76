import { AccessPolicies } from '../access/access-policies.js';
import { RequestAuthorizer } from '../access/request-authorizer.js';
import { sessionCreators } from '../access/session-creators.js';
import cluster from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import type { RootCredentialSource, RootCredentials } from '../auth/credentials.js';
import { FileRootCredentials } from '../auth/root-credentials-file.js';
import { FileSessionKeyRing } from '../auth/session-key-file.js';
import type { SessionKeyRing } from '../auth/session-key-ring.js';
import { SessionTokenSealer } from '../auth/session-token.js';
import type { ServerConfig } from '../config.js';
import { BodyBudget } from '../http/body-budget.js';
import type { IdentitySource } from '../identity/identity-source.js';
import { IdentityStore } from '../identity/identity-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { openObjectStore } from '../storage/open-store.js';
import { DataDirLock } from './data-dir-lock.js';
import { ZonalServer, type ZonalServerOptions } from './zonal-server.js';
import { InventoryRunner } from '../operations/inventory-runner.js';
import { LifecycleRunner } from '../operations/lifecycle-runner.js';
import { type ZonalStats } from '../operations/services.js';
import type { RequestJournal } from '../observability/journal.js';
import type { FaultRules } from './faults.js';
import { SYSTEM_CLOCK, TestClock } from '../util/clock.js';
import type { MaintenanceHooks } from './maintenance-api.js';

/** Set in the environment of the one `--workers` worker that runs the scheduled passes. */
export const MAINTENANCE_WORKER_ENV = 'ZONAL_MAINTENANCE_WORKER';

export interface RunningZonal {
  readonly config: ServerConfig;
  readonly root: RootCredentials;
  /** `http://host:port` (`https://` with TLS) as bound (the real port when 0 was asked). */
  readonly endpoint: string;
  readonly port: number;
  readonly server: ZonalServer;
  readonly store: ObjectStore;
  readonly identities: IdentityStore;
  /** Live counters (e.g. CreateSession calls), mutated while the server runs. */
  readonly stats: ZonalStats;
  /** Memory reserved now by request bodies read whole (diagnostics and tests). */
  readonly bodyBudget: BodyBudget;
  /** The last requests answered, as `GET /_zonal/journal` lists them. */
  readonly journal: RequestJournal;
  /** Fault injection rules (active with `faults: true`, as `--faults`). */
  readonly faults: FaultRules;
  /** The test clock (`testClock` in the config), else undefined. */
  readonly testClock: TestClock | undefined;
  /** Lifecycle passes, scheduled every `maintenanceIntervalSeconds` and on demand. */
  readonly lifecycle: LifecycleRunner;
  /** Inventory reports that are due, on the same schedule (and on demand, due or not). */
  readonly inventory: InventoryRunner;
  /** Graceful stop: finish in-flight requests, then close storage. */
  close(): Promise<void>;
}

/** Opens the data dir and starts listening. Fails with a clear message if the dir is unusable. */
export async function startZonal(
  config: ServerConfig,
  env: NodeJS.ProcessEnv = process.env,
  onInternalError: (err: unknown) => void = (err) => console.error('internal error:', err),
  onWarning: (message: string) => void = (message) => console.warn('warning:', message),
  logger?: ZonalServerOptions['logger'], // request log; absent: none (tests)
): Promise<RunningZonal> {
  const prepared = await prepareStart(config, env, onWarning, true);
  config = prepared.config;
  const { dataDir, root, lock } = prepared;
  let identities = prepared.identities;
  /** What requests ask about identities: the file-backed store, or in cluster mode the shared one. */
  let identitySource: IdentitySource & { close(): void } = identities;
  let store: ObjectStore;
  try {
    if (config.metadataUrl !== undefined && !(root.fromEnvironment && env.ZONAL_ACCOUNT_ID !== undefined)) {
      // Each node would otherwise make up root credentials of its own in its data dir.
      throw new Error(
        'cluster mode needs the root credentials from the environment, the same on every node: set ZONAL_ROOT_ACCESS_KEY_ID, ZONAL_ROOT_SECRET_ACCESS_KEY and ZONAL_ACCOUNT_ID',
      );
    }
    const inline = config.inlineMaxBytes === undefined ? {} : { inlineMaxBytes: config.inlineMaxBytes };
    const blobTier = config.blobs === undefined ? {} : { blobTier: { ...config.blobs, env } };
    store = await openObjectStore(
      config.metadataUrl !== undefined && config.blobs !== undefined
        ? {
            kind: 'cluster',
            metadataUrl: config.metadataUrl,
            blobTier: { ...config.blobs, env },
            fsync: config.fsync,
            ...(config.blobGraceSeconds === undefined ? {} : { blobGraceMs: config.blobGraceSeconds * 1000 }),
            ...inline,
          }
        : // A worker of `--workers N` shares the data dir with its siblings (workers.ts).
          {
            kind: 'embedded',
            dataDir,
            fsync: config.fsync,
            shared: cluster.isWorker,
            ...blobTier,
            ...inline,
          },
    );
  } catch (err) {
    identities.close();
    lock.release();
    throw err;
  }
  let keyRing: (SessionKeyRing & { close?: () => void }) | undefined;
  try {
    // Cluster mode: one ring in the shared database, so a session made on any node opens on all.
    keyRing =
      config.metadataUrl === undefined
        ? FileSessionKeyRing.open(dataDir)
        : // Cluster modules (and the pg client) load only in cluster mode: cold start.
          await (
            await import('../auth/session-key-postgres.js')
          ).PostgresSessionKeyRing.open(config.metadataUrl, config.sessionDurationSeconds * 1000);
    if (config.metadataUrl !== undefined) {
      // The identities file (validated by prepareStart) only seeds an empty cluster database.
      identities.close();
      const { SharedIdentities } = await import('../identity/shared-identities.js');
      const shared = await SharedIdentities.open({
        url: config.metadataUrl,
        seedFile: identities.file,
        // One per process: `--workers` share the data dir, and each copy is written while in use.
        cacheFile: path.join(dataDir, `iam-cluster-copy-${process.pid}.json`),
        defaultRoot: root.identity,
        onWarning,
      });
      identitySource = shared;
      identities = shared.local;
    }
  } catch (err) {
    keyRing?.close?.();
    store.close();
    identitySource.close();
    lock.release();
    throw err;
  }
  const authorizer = new RequestAuthorizer(
    new AccessPolicies(identitySource),
    sessionCreators(identitySource),
    config.region,
  );
  const stats: ZonalStats = { sessionsCreated: 0, lifecycleExpiredObjects: 0, lifecycleAbortedUploads: 0 };
  const bodyBudget = new BodyBudget(config.bodyBudgetBytes);
  const testClock = config.testClock ? new TestClock() : undefined;
  const clock = testClock ?? SYSTEM_CLOCK;
  const log = logger ? { log: (line: Record<string, unknown>) => logger.info(line) } : {};
  const lifecycle = new LifecycleRunner({ store, clock, stats, ...log });
  const inventory = new InventoryRunner({ store, clock, ...log });
  const maintenance: MaintenanceHooks = {
    ...(testClock ? { clock: testClock } : {}),
    runLifecycle: () => lifecycle.run(),
    runInventory: (only) => inventory.run(only, true),
  };
  const sessionKeys = keyRing;
  const server = new ZonalServer({
    services: {
      config,
      store,
      sessions: new SessionTokenSealer(sessionKeys),
      root: root.identity,
      identities: identitySource,
      authorizer,
      bodyBudget,
      stats,
      clock,
    },
    onInternalError,
    logger,
    maintenance,
  });
  let address;
  try {
    address = await server.listen(config.port, config.host);
  } catch (err) {
    sessionKeys.close?.();
    store.close();
    identitySource.close();
    lock.release();
    throw err;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const endpoint = `${config.tls ? 'https' : 'http'}://${host}:${address.port}`;
  // Cluster mode: this process's row in `nodes`, for `zonal cluster status`.
  const heartbeat =
    config.metadataUrl === undefined
      ? undefined
      : await (
          await import('../storage/postgres/node-heartbeat.js')
        ).NodeHeartbeat.start(config.metadataUrl, endpoint, env);
  // Scheduled passes: in the only process, or in the one worker chosen for them.
  const scheduled = !cluster.isWorker || env[MAINTENANCE_WORKER_ENV] === '1';
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> = Promise.resolve();
  if (scheduled && config.maintenanceIntervalSeconds > 0) {
    timer = setInterval(() => {
      pass = lifecycle
        .run()
        .then(() => inventory.run())
        .catch(onInternalError);
    }, config.maintenanceIntervalSeconds * 1000);
    timer.unref();
  }
  return {
    config,
    root,
    endpoint,
    port: address.port,
    server,
    store,
    identities,
    stats,
    bodyBudget,
    journal: server.journal,
    faults: server.faults,
    testClock,
    lifecycle,
    inventory,
    close: async () => {
      if (timer) clearInterval(timer);
      await heartbeat?.stop();
      await server.close();
      await pass;
      // Freed blobs are unlinked in the background; a graceful stop lets those finish.
      await store.settled();
      identitySource.close();
      sessionKeys.close?.();
      store.close();
      lock.release();
    },
  };
}

/**
 * What every start does first, in order: the data dir and its lock (taken before anything in
 * the dir is created or changed; a `--workers` worker checks that its primary holds it), the
 * TLS files (resolved before anything opens: a self-signed certificate becomes the files it
 * lives in), the root credentials, and
 * the identities file (a bad one stops the start here, with a message naming the problem).
 * Returns the config with TLS as files.
 */
export async function prepareStart(
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  onWarning: (message: string) => void,
  watchIdentities: boolean,
): Promise<{
  config: ServerConfig;
  dataDir: string;
  root: RootCredentials;
  identities: IdentityStore;
  lock: DataDirLock;
}> {
  const dataDir = prepareDataDir(config);
  const lock = cluster.isWorker ? DataDirLock.heldBy(dataDir, process.ppid) : DataDirLock.acquire(dataDir);
  try {
    return { ...(await prepareLocked(config, dataDir, env, onWarning, watchIdentities)), lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function prepareLocked(
  config: ServerConfig,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  onWarning: (message: string) => void,
  watchIdentities: boolean,
): Promise<{ config: ServerConfig; dataDir: string; root: RootCredentials; identities: IdentityStore }> {
  // Loaded only for TLS: node:tls costs ~3 ms of start-up that plain HTTP need not pay.
  const tls =
    config.tls === undefined
      ? undefined
      : await (await import('./tls.js')).prepareTls(config.tls, dataDir, config.region);
  if (tls !== undefined) config = { ...config, tls: { certFile: tls.certFile, keyFile: tls.keyFile } };
  const rootSource: RootCredentialSource = new FileRootCredentials(dataDir, env);
  const root = await rootSource.load();
  const identities = IdentityStore.open({
    file: path.resolve(config.iamFile ?? path.join(dataDir, 'iam.json')),
    defaultRoot: root.identity,
    watch: watchIdentities,
    onWarning,
  });
  return { config, dataDir, root, identities };
}

/** Creates the data dir if needed; returns its absolute path. Fails with a clear message if unusable. */
export function prepareDataDir(config: ServerConfig): string {
  const dataDir = path.resolve(config.dataDir);
  try {
    // 0700 when created: the data dir holds secrets and object data. One that exists keeps
    // the mode its operator chose.
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (err) {
    throw new Error(`data dir ${dataDir} is not usable: ${whyNotUsable(dataDir, err)}`);
  }
  return dataDir;
}

/**
 * The reason a data dir could not be created or written, in words an operator can act on.
 * Node's recursive mkdir reports EEXIST for a file or a dangling link in the way, and ENOENT
 * when the parent exists but refuses the new entry (a read-only filesystem), where a plain
 * mkdir tells the real cause (EROFS, EACCES).
 */
function whyNotUsable(dataDir: string, err: unknown): string {
  let cause = err as NodeJS.ErrnoException;
  if (cause.code === 'ENOENT' && fs.existsSync(path.dirname(dataDir))) {
    try {
      fs.mkdirSync(dataDir, { mode: 0o700 });
    } catch (plain) {
      cause = plain as NodeJS.ErrnoException;
    }
  }
  if (cause.code === 'EEXIST') {
    const stat = fs.statSync(dataDir, { throwIfNoEntry: false });
    if (stat === undefined) return 'it is a symbolic link to nothing';
    if (!stat.isDirectory()) return 'it exists and is not a directory';
  }
  return cause.message;
}
