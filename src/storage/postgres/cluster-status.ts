/**
 * What `zonal cluster status` reports about a cluster's database: the schema version, how
 * much it holds, the garbage waiting for its grace period, and the session key ring (ids and
 * when each started sealing; never a key).
 */
import pg from 'pg';
import { describeUrl } from './pg-connection.js';
import { SCHEMA_VERSION } from './schema.js';

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
    };
  } finally {
    await client.end();
  }
}
