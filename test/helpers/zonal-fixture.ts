import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { LookupFunction } from 'node:net';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/config.js';
import type { IdentitiesFile } from '../../src/identity/types.js';
import { startZonal, type RunningZonal } from '../../src/server/start.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export const TEST_REGION = 'us-east-1';
export const ROOT_KEY = {
  accessKeyId: 'AKIAZONALTESTROOT000',
  secretAccessKey: 'zonal-test-secret-key-0000000000000000000',
};

/** Resolves `localhost` and every `*.localhost` name to 127.0.0.1, without touching /etc/hosts. */
export const localhostLookup: LookupFunction = (hostname, options, callback) => {
  const name = hostname.toLowerCase();
  if (name !== 'localhost' && !name.endsWith('.localhost')) {
    callback(new Error(`test lookup refuses ${hostname}`) as NodeJS.ErrnoException, '', 4);
    return;
  }
  if ((options as { all?: boolean }).all) {
    (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ]);
  } else {
    callback(null, '127.0.0.1', 4);
  }
};

export interface TestZonal {
  zonal: RunningZonal;
  dataDir: string;
  /** `http://127.0.0.1:PORT`: the SDK uses path style. */
  ipEndpoint: string;
  /** `http://localhost:PORT`: the SDK uses virtual-hosted style. */
  localhostEndpoint: string;
  /** Default SDK configuration (session auth) against the IP endpoint. */
  client(overrides?: Partial<S3ClientConfig>): S3Client;
  /** Default SDK configuration against `localhost` (virtual-hosted). */
  vhostClient(overrides?: Partial<S3ClientConfig>): S3Client;
  /** Control-plane client: IAM-signed, `disableS3ExpressSessionAuth: true`. */
  controlClient(overrides?: Partial<S3ClientConfig>): S3Client;
  close(): Promise<void>;
}

export interface TestZonalOptions {
  /** The default account's id (ZONAL_ACCOUNT_ID); random when absent. */
  accountId?: string;
  /** Written to `<dataDir>/iam.json` (or `config.iamFile`) before the server starts. */
  identities?: IdentitiesFile;
}

/**
 * The storage backend servers of this process run on: `embedded` (default), or `cluster`
 * (ZONAL_TEST_BACKEND=cluster: PostgreSQL metadata, started once per process, a database per
 * server, and a blob directory), so e2e suites run unchanged against both (test/cluster/).
 */
export function testBackend(): 'embedded' | 'cluster' {
  return process.env.ZONAL_TEST_BACKEND === 'cluster' ? 'cluster' : 'embedded';
}

let sharedPostgres: Promise<TestPostgres> | undefined;

/** Stops the PostgreSQL the cluster backend started in this process, if any. */
export async function stopTestBackend(): Promise<void> {
  const started = sharedPostgres;
  sharedPostgres = undefined;
  if (started) await (await started).stop();
}

/** Config that puts a server on the cluster backend (its own database; blobs in its data dir). */
async function clusterBackendConfig(dataDir: string): Promise<Partial<ServerConfig>> {
  sharedPostgres ??= startPostgres();
  const metadataUrl = await (await sharedPostgres).createDatabase();
  // One node: freed blobs need not wait for readers elsewhere (suites count blob files).
  return {
    metadataUrl,
    blobs: { spec: `dir:${path.join(dataDir, 'shared-blobs')}` },
    blobGraceSeconds: 0,
  };
}

export async function startTestZonal(
  config: Partial<ServerConfig> = {},
  options: TestZonalOptions = {},
): Promise<TestZonal> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-test-'));
  const cluster = testBackend() === 'cluster';
  // Cluster mode takes the account id from the environment, the same on every node.
  const accountId = options.accountId ?? (cluster ? '210987654321' : undefined);
  const backend = cluster ? await clusterBackendConfig(dataDir) : {};
  const internalErrors: unknown[] = [];
  if (options.identities) {
    const file = config.iamFile ?? path.join(dataDir, 'iam.json');
    fs.writeFileSync(file, JSON.stringify(options.identities, null, 2), { mode: 0o600 });
  }
  const zonal = await startZonal(
    { ...DEFAULT_CONFIG, port: 0, dataDir, fsync: false, ...backend, ...config },
    {
      ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      ...(accountId !== undefined ? { ZONAL_ACCOUNT_ID: accountId } : {}),
    },
    (err) => internalErrors.push(err),
  );
  const ipEndpoint = `http://127.0.0.1:${zonal.port}`;
  const localhostEndpoint = `http://localhost:${zonal.port}`;
  const clients: S3Client[] = [];
  const make = (endpoint: string, overrides: Partial<S3ClientConfig>, agent?: http.Agent): S3Client => {
    const client = new S3Client({
      endpoint,
      region: TEST_REGION,
      credentials: ROOT_KEY,
      ...(agent ? { requestHandler: new NodeHttpHandler({ httpAgent: agent }) } : {}),
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  const vhostAgent = new http.Agent({ keepAlive: true, lookup: localhostLookup });
  return {
    zonal,
    dataDir,
    ipEndpoint,
    localhostEndpoint,
    client: (o = {}) => make(ipEndpoint, o),
    vhostClient: (o = {}) => make(localhostEndpoint, o, vhostAgent),
    controlClient: (o = {}) => make(ipEndpoint, { disableS3ExpressSessionAuth: true, ...o }),
    close: async () => {
      for (const c of clients) c.destroy();
      vhostAgent.destroy();
      await zonal.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      // A 500 is always a server bug: fail the suite that caused it.
      if (internalErrors.length > 0)
        throw new Error(`internal errors: ${internalErrors.map(String).join('; ')}`);
    },
  };
}

let counter = 0;
/** A fresh, valid directory bucket name. */
export function bucketName(zone = 'use1-az4'): string {
  counter += 1;
  return `t${process.pid}-${counter}--${zone}--x-s3`;
}

export function createBucketInput(bucket: string, zone = bucket.split('--')[1]!) {
  return {
    Bucket: bucket,
    CreateBucketConfiguration: {
      Location: { Type: 'AvailabilityZone' as const, Name: zone },
      Bucket: { Type: 'Directory' as const, DataRedundancy: 'SingleAvailabilityZone' as const },
    },
  };
}

/** Asserts that a promise rejects with an S3 error of this code and HTTP status. */
export async function expectS3Error(promise: Promise<unknown>, code: string, status: number): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number }; Code?: string };
    const actualStatus = e.$metadata?.httpStatusCode;
    if (e.name !== code || actualStatus !== status) {
      throw new Error(`expected ${code}/${status}, got ${e.name}/${actualStatus}: ${e.message}`);
    }
    return e;
  }
  throw new Error(`expected ${code}/${status}, but the request succeeded`);
}

/** Asserts that a promise rejects with this HTTP status (for bodiless answers such as 304). */
export async function expectHttpStatus(promise: Promise<unknown>, status: number): Promise<void> {
  try {
    await promise;
  } catch (err) {
    const actual = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (actual !== status)
      throw new Error(`expected HTTP ${status}, got ${actual}: ${(err as Error).message}`);
    return;
  }
  throw new Error(`expected HTTP ${status}, but the request succeeded`);
}
