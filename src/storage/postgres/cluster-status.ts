/**
 * What `zonal cluster status` reports about a cluster's database: the schema version, how
 * much it holds, the garbage waiting for its grace period, and the session key ring (ids and
 * when each started sealing; never a key), and the nodes that registered (node-heartbeat.ts).
 */
import pg from 'pg';
import { describeUrl } from './pg-connection.js';
import { DB_NOW_MS } from './node-heartbeat.js';
import { SCHEMA_VERSION } from './schema.js';

/** A node is "up" while heard from within this many of its beat intervals. */
const UP_WITHIN_BEATS = 3;

export interface NodeStatus {
  id: string;
  host: string;
  endpoint: string;
  pid: number;
  startedAt: Date;
  lastHeartbeat: Date;
  secondsSinceHeartbeat: number;
  state: 'up' | 'silent';
}

export interface ClusterStatus {
  database: string;
  schemaVersion: number;
  /** The version this Zonal writes. */
  supportedSchemaVersion: number;
  buckets: number;
  objects: number;
  uploads: number;
  inlineBlobs: number;
  garbage: { blobs: number; oldest?: Date };
  sessionKeys: Array<{ id: string; sealsFrom: Date }>;
  /** Every node that registered and has not stopped cleanly (silent ones age out after an hour). */
  nodes: NodeStatus[];
}

export async function clusterStatus(url: string): Promise<ClusterStatus> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach the metadata database ${describeUrl(url)}: ${(err as Error).message || String((err as { code?: string }).code)}`,
    );
  }
  try {
    const count = async (table: string): Promise<number> =>
      Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    const version = await client.query<{ version: number }>('SELECT version FROM zonal_schema');
    const garbage = await client.query<{ n: string; oldest: string | null }>(
      'SELECT count(*) AS n, min(dead_at) AS oldest FROM garbage',
    );
    const keys = await client.query<{ id: string; seal_from: string }>(
      'SELECT id, seal_from FROM session_keys ORDER BY seal_from',
    );
    const nodes = await listNodes(client);
    const oldest = garbage.rows[0]!.oldest;
    return {
      database: describeUrl(url),
      schemaVersion: version.rows[0]?.version ?? 0,
      supportedSchemaVersion: SCHEMA_VERSION,
      buckets: await count('buckets'),
      objects: await count('objects'),
      uploads: await count('uploads'),
      inlineBlobs: await count('inline_blobs'),
      garbage: {
        blobs: Number(garbage.rows[0]!.n),
        ...(oldest === null ? {} : { oldest: new Date(Number(oldest)) }),
      },
      sessionKeys: keys.rows.map((k) => ({ id: k.id, sealsFrom: new Date(Number(k.seal_from)) })),
      nodes,
    };
  } finally {
    await client.end();
  }
}

async function listNodes(client: pg.Client): Promise<NodeStatus[]> {
  // A database migrated by an older Zonal has no nodes table yet.
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('nodes') AS t");
  if (exists.rows[0]!.t === null) return [];
  const { rows } = await client.query<{
    id: string;
    host: string;
    endpoint: string;
    pid: number;
    interval_ms: number;
    started_at: string;
    last_heartbeat: string;
    now: string;
  }>(`SELECT *, ${DB_NOW_MS} AS now FROM nodes ORDER BY started_at, id`);
  return rows.map((row) => {
    // The database's clock on both sides: the node's and this machine's clocks do not matter.
    const sinceMs = Math.max(0, Number(row.now) - Number(row.last_heartbeat));
    return {
      id: row.id,
      host: row.host,
      endpoint: row.endpoint,
      pid: row.pid,
      startedAt: new Date(Number(row.started_at)),
      lastHeartbeat: new Date(Number(row.last_heartbeat)),
      secondsSinceHeartbeat: Math.round(sinceMs / 100) / 10,
      state: sinceMs <= UP_WITHIN_BEATS * row.interval_ms ? 'up' : 'silent',
    };
  });
}
