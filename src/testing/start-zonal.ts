/**
 * `startZonal` for JavaScript test suites: a server in this process with ready-made clients,
 * and with `ephemeral: true` a throwaway one (a temporary data dir that `stop()` removes, fsync
 * off, a free port), started in well under a second.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { zonalS3Client, type ZonalClientOptions, type ZonalClients } from '../client/zonal-client.js';
import { DEFAULT_CONFIG, type ServerConfig } from '../config.js';
import type { Logger } from '../observability/request-log.js';
import { installAwsHosts } from '../client/aws-hosts.js';
import { writeAwsHostsSetup, type AwsHostsSetup } from '../server/aws-hosts.js';
import { startZonal as startServer, type RunningZonal } from '../server/start.js';

export interface StartZonalOptions extends Partial<ServerConfig> {
  /**
   * A throwaway server: a new temporary data dir (removed by `stop()`, and when the process
   * exits), fsync off and a free port (unless `dataDir`, `fsync` or `port` say otherwise).
   */
  ephemeral?: boolean;
  /**
   * Answer for the AWS host names over HTTPS with a certificate from a local CA (as
   * `zonal serve --aws-hosts`); `awsHosts.install()` then points this process's HTTPS agents at
   * the server, and `awsHosts.env` does it for child processes.
   */
  awsHosts?: boolean;
  /** Root credentials of the default account; default: generated (and kept in the data dir). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The default account's 12-digit id; default: generated. */
  accountId?: string;
  /** Environment read for ZONAL_ROOT_* / ZONAL_ACCOUNT_ID; default: none when ephemeral, else process.env. */
  env?: NodeJS.ProcessEnv;
  /** Settings of the ready-made clients (session cache, extra S3Client settings). */
  clients?: Pick<ZonalClientOptions, 'sessions' | 'clientConfig'>;
  /** Failures that are the server's fault; default: printed to stderr. */
  onInternalError?: (err: unknown) => void;
  /** Request log; default: none. */
  logger?: Logger;
}

/** A running server, its credentials and clients made for it. */
export interface ZonalTestServer {
  /** `http://127.0.0.1:<port>` (`https://` with TLS). */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** Root credentials of the default account. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly accountId: string;
  readonly dataDir: string;
  /** Object operations with S3 Express sessions (this package's S3ExpressSessionProvider). */
  readonly s3: S3Client;
  /** Bucket operations (CreateBucket, ListDirectoryBuckets, …), IAM-signed. */
  readonly control: S3Client;
  /** `s3`, `control` and the session cache `s3` uses. */
  readonly clients: ZonalClients;
  /** More clients for this server, e.g. with other settings; `stop()` destroys them too. */
  newClients(
    options?: Partial<Pick<ZonalClientOptions, 'sessions' | 'clientConfig' | 'credentials'>>,
  ): ZonalClients;
  /** With `awsHosts: true`: the CA, the Python hook, and `install()` for this process. */
  readonly awsHosts: (AwsHostsSetup & { install(): () => void }) | undefined;
  /** The server itself: its journal, fault rules, stats and store. */
  readonly zonal: RunningZonal;
  /** Destroys the clients, stops the server gracefully and (ephemeral) removes the data dir. */
  stop(): Promise<void>;
}

/**
 * Starts a Zonal server in this process.
 *
 * @example
 * const zonal = await startZonal({ ephemeral: true });
 * await zonal.control.send(new CreateBucketCommand({ Bucket: 'b--use1-az4--x-s3' }));
 * await zonal.s3.send(new PutObjectCommand({ Bucket: 'b--use1-az4--x-s3', Key: 'k', Body: 'v' }));
 * await zonal.stop();
 */
export async function startZonal(options: StartZonalOptions = {}): Promise<ZonalTestServer> {
  const {
    ephemeral = false,
    awsHosts: wantAwsHosts = false,
    credentials,
    accountId,
    env: givenEnv,
    clients: clientOptions,
    onInternalError,
    logger,
    ...overrides
  } = options;
  const tempDir =
    ephemeral && overrides.dataDir === undefined
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-ephemeral-'))
      : undefined;
  const removeTemp = (): void => {
    if (tempDir !== undefined) fs.rmSync(tempDir, { recursive: true, force: true });
  };
  if (tempDir !== undefined) process.once('exit', removeTemp);
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    ...(ephemeral ? { port: 0, fsync: false } : {}),
    ...overrides,
    ...(tempDir !== undefined ? { dataDir: tempDir } : {}),
    ...(wantAwsHosts ? { tls: { awsHosts: true as const } } : {}),
  };
  const env: NodeJS.ProcessEnv = {
    ...(givenEnv ?? (ephemeral ? {} : process.env)),
    ...(credentials !== undefined
      ? {
          ZONAL_ROOT_ACCESS_KEY_ID: credentials.accessKeyId,
          ZONAL_ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        }
      : {}),
    ...(accountId !== undefined ? { ZONAL_ACCOUNT_ID: accountId } : {}),
  };
  let zonal: RunningZonal;
  try {
    zonal = await startServer(config, env, onInternalError, undefined, logger);
  } catch (err) {
    removeTemp();
    process.off('exit', removeTemp);
    throw err;
  }
  const awsHosts =
    wantAwsHosts === true
      ? writeAwsHostsSetup(zonal.config.dataDir, zonal.config.host, zonal.port)
      : undefined;
  // The ready-made clients trust the local CA.
  const ca = awsHosts === undefined ? undefined : fs.readFileSync(awsHosts.caFile);
  const agents: https.Agent[] = [];
  const trusting = () => {
    if (ca === undefined) return {};
    const httpsAgent = new https.Agent({ keepAlive: true, ca });
    agents.push(httpsAgent);
    return { requestHandler: { httpsAgent } };
  };
  const root = {
    accessKeyId: zonal.root.identity.accessKeyId,
    secretAccessKey: zonal.root.identity.secretAccessKey,
  };
  const made: ZonalClients[] = [];
  const newClients: ZonalTestServer['newClients'] = (more = {}) => {
    const set = zonalS3Client({
      endpoint: zonal.endpoint,
      region: zonal.config.region,
      credentials: more.credentials ?? root,
      ...((more.sessions ?? clientOptions?.sessions)
        ? { sessions: more.sessions ?? clientOptions?.sessions }
        : {}),
      clientConfig: { ...trusting(), ...(more.clientConfig ?? clientOptions?.clientConfig) },
    });
    made.push(set);
    return set;
  };
  const clients = newClients();
  return {
    endpoint: zonal.endpoint,
    port: zonal.port,
    region: zonal.config.region,
    credentials: root,
    accountId: zonal.root.identity.accountId,
    dataDir: path.resolve(zonal.config.dataDir),
    s3: clients.s3,
    control: clients.control,
    clients,
    newClients,
    awsHosts:
      awsHosts === undefined
        ? undefined
        : { ...awsHosts, install: () => installAwsHosts({ target: awsHosts.target, ca: ca! }) },
    zonal,
    stop: async () => {
      for (const set of made) set.destroy();
      for (const agent of agents) agent.destroy();
      try {
        await zonal.close();
      } finally {
        removeTemp();
        process.off('exit', removeTemp);
      }
    },
  };
}
