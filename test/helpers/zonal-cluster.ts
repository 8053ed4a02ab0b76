/**
 * A Zonal cluster for tests: a throwaway PostgreSQL (postgres.ts), a shared blob directory,
 * and `zonal serve` child processes started with the same `--metadata` and `--blobs`, each
 * with a data dir (node-local scratch) and a port of its own.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startServerProcess, type ServerProcess } from './cli-server.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export const CLUSTER_REGION = 'us-east-1';
export const CLUSTER_ROOT = {
  accessKeyId: 'AKIAZONALCLUSTER0000',
  secretAccessKey: 'zonal-cluster-secret-0000000000000000000',
};
export const CLUSTER_ACCOUNT = '123412341234';

export interface ClusterNode {
  process: ServerProcess;
  endpoint: string;
  dataDir: string;
}

export interface TestCluster {
  postgres: TestPostgres;
  metadataUrl: string;
  blobDir: string;
  nodes: ClusterNode[];
  /** The environment every node runs with (shared root credentials). */
  env: NodeJS.ProcessEnv;
  /** Starts one more node of the cluster. */
  startNode(): Promise<ClusterNode>;
  /** Session-auth client of one node (the SDK makes its sessions there). */
  client(node: ClusterNode, overrides?: Partial<S3ClientConfig>): S3Client;
  /** IAM-signed client of one node (bucket operations, CreateSession). */
  controlClient(node: ClusterNode, overrides?: Partial<S3ClientConfig>): S3Client;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  fsync?: boolean;
  /** The shared tier as `zonal serve` flags (default `--blobs dir:<temp dir>`), and its credentials. */
  blobs?: { args: string[]; env: NodeJS.ProcessEnv };
  /** More `zonal serve` flags for every node (e.g. `--blob-grace 1`). */
  serveArgs?: string[];
  /** More environment for every node (e.g. ZONAL_HEARTBEAT_MS). */
  env?: NodeJS.ProcessEnv;
}

export async function startCluster(nodes: number, options: ClusterOptions = {}): Promise<TestCluster> {
  const postgres = await startPostgres();
  const metadataUrl = await postgres.createDatabase();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-cluster-'));
  const blobDir = path.join(root, 'blobs');
  const env = {
    ZONAL_ROOT_ACCESS_KEY_ID: CLUSTER_ROOT.accessKeyId,
    ZONAL_ROOT_SECRET_ACCESS_KEY: CLUSTER_ROOT.secretAccessKey,
    ZONAL_ACCOUNT_ID: CLUSTER_ACCOUNT,
    ...options.blobs?.env,
    ...options.env,
  };
  const clients: S3Client[] = [];
  const all: ClusterNode[] = [];
  const startNode = async (): Promise<ClusterNode> => {
    const dataDir = path.join(root, `node-${crypto.randomBytes(4).toString('hex')}`);
    const process = await startServerProcess(
      [
        '--metadata',
        metadataUrl,
        ...(options.blobs?.args ?? ['--blobs', `dir:${blobDir}`]),
        ...(options.serveArgs ?? []),
        '--data-dir',
        dataDir,
        '--port',
        '0',
        `--fsync=${options.fsync ?? true}`,
      ],
      env,
    );
    const node = { process, endpoint: process.endpoint, dataDir };
    all.push(node);
    return node;
  };
  const make = (node: ClusterNode, overrides: Partial<S3ClientConfig>): S3Client => {
    const client = new S3Client({
      endpoint: node.endpoint,
      region: CLUSTER_REGION,
      credentials: CLUSTER_ROOT,
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  try {
    // Started together: their migrations of the empty database must take turns.
    await Promise.all(Array.from({ length: nodes }, startNode));
  } catch (err) {
    await Promise.all(all.map((n) => n.process.stop('SIGKILL')));
    await postgres.stop();
    throw err;
  }
  return {
    postgres,
    metadataUrl,
    blobDir,
    nodes: [...all],
    env,
    startNode,
    client: (node, o = {}) => make(node, o),
    controlClient: (node, o = {}) => make(node, { disableS3ExpressSessionAuth: true, ...o }),
    async stop() {
      for (const c of clients) c.destroy();
      await Promise.all(all.map((n) => n.process.stop('SIGKILL')));
      await postgres.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
