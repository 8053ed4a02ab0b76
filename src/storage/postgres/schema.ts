/**
 * The PostgreSQL schema and its migrations. Every node applies pending migrations at start
 * under a session-level advisory lock, so nodes started at the same moment against an empty
 * database take turns instead of colliding; a schema newer than this Zonal stops the node.
 *
 * Keys are `bytea` (their UTF-8 bytes): `text` refuses U+0000, which S3 keys may hold, and
 * bytea compares byte-wise, which is S3's listing order. Names Zonal validates (buckets,
 * access points) are `text COLLATE "C"`, ordered by bytes whatever the database's locale.
 */
import type pg from 'pg';

/** The advisory lock key the migrations run under ("zonalmig" as an int64). */
const MIGRATION_LOCK = 0x7a6f6e616c6d6967n;

/** One entry per schema version; `zonal_schema.version` records how many have run. Append only. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE buckets (
    name text COLLATE "C" PRIMARY KEY,
    zone_id text NOT NULL,
    location_type text NOT NULL,
    region text NOT NULL,
    owner_account_id text NOT NULL,
    created_at bigint NOT NULL,
    incarnation text NOT NULL,
    policy text,
    encryption text,
    lifecycle text,
    inventory text,
    metrics text,
    tags text
  );
  CREATE INDEX buckets_by_owner ON buckets (owner_account_id, name);

  CREATE TABLE objects (
    bucket text COLLATE "C" NOT NULL,
    key bytea NOT NULL,
    size bigint NOT NULL,
    etag text NOT NULL,
    last_modified bigint NOT NULL,
    content text NOT NULL,
    metadata text NOT NULL,
    checksums text NOT NULL,
    checksum_type text NOT NULL,
    multipart smallint NOT NULL,
    encryption text NOT NULL,
    upload_id text,
    segments text NOT NULL,
    PRIMARY KEY (bucket, key)
  );

  CREATE TABLE uploads (
    upload_id text COLLATE "C" PRIMARY KEY,
    bucket text COLLATE "C" NOT NULL,
    key bytea NOT NULL,
    initiated bigint NOT NULL,
    content text NOT NULL,
    metadata text NOT NULL,
    checksum_algorithm text,
    checksum_type text,
    encryption text NOT NULL
  );
  CREATE INDEX uploads_in_order ON uploads (bucket, key, initiated, upload_id);

  CREATE TABLE parts (
    upload_id text COLLATE "C" NOT NULL,
    part_number integer NOT NULL,
    blob_id text NOT NULL,
    size bigint NOT NULL,
    etag text NOT NULL,
    checksums text NOT NULL,
    last_modified bigint NOT NULL,
    inline smallint NOT NULL,
    PRIMARY KEY (upload_id, part_number)
  );

  CREATE TABLE client_tokens (
    bucket text COLLATE "C" NOT NULL,
    token text NOT NULL,
    fingerprint text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (bucket, token)
  );
  CREATE INDEX client_tokens_by_age ON client_tokens (created_at);

  CREATE TABLE inline_blobs (
    blob_id text PRIMARY KEY,
    data bytea NOT NULL
  );

  CREATE TABLE access_points (
    name text COLLATE "C" PRIMARY KEY,
    bucket text COLLATE "C" NOT NULL,
    bucket_incarnation text NOT NULL,
    bucket_owner_account_id text NOT NULL,
    owner_account_id text NOT NULL,
    region text NOT NULL,
    zone_id text NOT NULL,
    created_at bigint NOT NULL,
    policy text,
    scope text,
    tags text
  );
  CREATE INDEX access_points_by_owner ON access_points (owner_account_id, name);

  -- The session key ring every node shares (src/auth/session-key-postgres.ts): a key opens
  -- tokens once loaded, seals from seal_from on, and retires a session lifetime after a newer
  -- key started sealing.
  CREATE TABLE session_keys (
    id text PRIMARY KEY,
    key bytea NOT NULL,
    created_at bigint NOT NULL,
    seal_from bigint NOT NULL
  );

  -- The identities document every node shares (src/identity/shared-identities.ts): the JSON
  -- of an identities file, one row, changed under its row lock.
  CREATE TABLE identities (
    id integer PRIMARY KEY CHECK (id = 1),
    doc text NOT NULL,
    version bigint NOT NULL
  );

  -- Blobs freed by a commit (in that commit), removed by any node once dead_at is older than
  -- the grace period: readers on other nodes may still be streaming them.
  CREATE TABLE garbage (
    blob_id text PRIMARY KEY,
    inline smallint NOT NULL,
    dead_at bigint NOT NULL
  );
  CREATE INDEX garbage_by_age ON garbage (dead_at);
  `,
  `
  -- The nodes up, one row per serving process (src/storage/postgres/node-heartbeat.ts): times
  -- are the database's clock in epoch milliseconds; interval_ms is that node's beat interval.
  CREATE TABLE nodes (
    id text PRIMARY KEY,
    host text NOT NULL,
    endpoint text NOT NULL,
    pid integer NOT NULL,
    interval_ms integer NOT NULL,
    started_at bigint NOT NULL,
    last_heartbeat bigint NOT NULL
  );
  CREATE INDEX nodes_by_heartbeat ON nodes (last_heartbeat);
  `,
];

/** The schema version this Zonal writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A database whose schema this Zonal cannot use (newer, or not Zonal's). */
export class SchemaVersionError extends Error {}

/**
 * Brings the schema up to SCHEMA_VERSION. Nodes racing here queue on the advisory lock; the
 * second one finds the work done. A newer schema (a newer Zonal migrated it) is refused.
 */
export async function migrate(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS zonal_schema (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM zonal_schema');
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `the metadata schema is version ${current}, newer than this Zonal understands (${SCHEMA_VERSION}); upgrade Zonal`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version]!);
        if (version === 0) await client.query('INSERT INTO zonal_schema (version) VALUES (1)');
        else await client.query('UPDATE zonal_schema SET version = $1', [version + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
  }
}
