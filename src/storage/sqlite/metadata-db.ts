/**
 * SQLite schema, migrations, prepared statements (rows.ts maps rows to storage
 * records). It knows nothing about blob files or S3 errors.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type {
  AccessPointRow,
  BucketRow,
  ClientTokenRow,
  ObjectRow,
  ObjectSummaryRow,
  PartRow,
  UploadRow,
} from '../rows.js';

export * from '../rows.js';

/** One entry per schema version; `PRAGMA user_version` records how many have run. Append only. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE buckets (
    name TEXT PRIMARY KEY,
    zone_id TEXT NOT NULL,
    location_type TEXT NOT NULL,
    region TEXT NOT NULL,
    owner_account_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX buckets_by_owner ON buckets (owner_account_id, name);

  -- segments comes last: listings never read it, and SQLite then leaves a long list (a
  -- 10,000-part object) in overflow pages a listing does not touch.
  CREATE TABLE objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    content TEXT NOT NULL,       -- JSON ContentHeaders
    metadata TEXT NOT NULL,      -- JSON user metadata
    checksums TEXT NOT NULL,     -- JSON ObjectChecksums
    checksum_type TEXT NOT NULL, -- FULL_OBJECT | COMPOSITE
    multipart INTEGER NOT NULL,  -- 0 | 1
    encryption TEXT NOT NULL,    -- JSON ServerSideEncryption
    segments TEXT NOT NULL,      -- JSON [{b: blob id, s: size, e?: etag, c?: checksums}]
    PRIMARY KEY (bucket, key)
  ) WITHOUT ROWID;

  CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    initiated INTEGER NOT NULL,
    content TEXT NOT NULL,
    metadata TEXT NOT NULL,
    checksum_algorithm TEXT,
    checksum_type TEXT,
    encryption TEXT NOT NULL
  );
  -- Listing order of ListMultipartUploads.
  CREATE INDEX uploads_in_order ON uploads (bucket, key, initiated, upload_id);

  CREATE TABLE parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    blob_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    checksums TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    PRIMARY KEY (upload_id, part_number)
  ) WITHOUT ROWID;

  -- RenameObject's ClientToken: a retry with the same token and request is a no-op.
  CREATE TABLE client_tokens (
    bucket TEXT NOT NULL,
    token TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (bucket, token)
  ) WITHOUT ROWID;
  CREATE INDEX client_tokens_by_age ON client_tokens (created_at);
  `,
  // 2: bucket policies and default encryption (JSON ServerSideEncryption), both optional.
  `
  ALTER TABLE buckets ADD COLUMN policy TEXT;
  ALTER TABLE buckets ADD COLUMN encryption TEXT;
  `,
  // 3: small bodies inline. A rowid table: WITHOUT ROWID suits rows far smaller than a page.
  `
  CREATE TABLE inline_blobs (
    blob_id TEXT PRIMARY KEY,
    data BLOB NOT NULL
  );
  ALTER TABLE parts ADD COLUMN inline INTEGER NOT NULL DEFAULT 0;
  `,
  // 4: the upload a completed multipart object was made from (retried completions).
  `
  ALTER TABLE objects ADD COLUMN upload_id TEXT;
  `,
  // 5: the bucket's incarnation (random, set at CreateBucket); existing buckets get one here.
  `
  ALTER TABLE buckets ADD COLUMN incarnation TEXT NOT NULL DEFAULT '';
  UPDATE buckets SET incarnation = lower(hex(randomblob(16)));
  `,
  // 6: lifecycle, inventory and metrics configurations (JSON documents of the operations layer).
  `
  ALTER TABLE buckets ADD COLUMN lifecycle TEXT;
  ALTER TABLE buckets ADD COLUMN inventory TEXT;
  ALTER TABLE buckets ADD COLUMN metrics TEXT;
  `,
  // 7: access points and tags: bucket tags (JSON [{key, value}]) and access points for
  // directory buckets, each bound to one incarnation of its bucket.
  `
  ALTER TABLE buckets ADD COLUMN tags TEXT;
  CREATE TABLE access_points (
    name TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    bucket_incarnation TEXT NOT NULL,
    bucket_owner_account_id TEXT NOT NULL,
    owner_account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    policy TEXT,
    scope TEXT,   -- JSON AccessPointScope
    tags TEXT     -- JSON [{key, value}]
  ) WITHOUT ROWID;
  CREATE INDEX access_points_by_owner ON access_points (owner_account_id, name);
  `,
];

const SUMMARY_COLUMNS =
  'bucket, key, size, etag, last_modified, content, metadata, checksums, checksum_type, multipart, encryption, upload_id';
const OBJECT_COLUMNS = `${SUMMARY_COLUMNS}, segments`;
const UPLOAD_ORDER = 'ORDER BY key, initiated, upload_id';

/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database, applies pragmas and pending migrations. Commits do not fsync by
 * themselves (synchronous NORMAL): writers wait for a shared fsync of the WAL instead (group
 * commit, sqlite-metadata.ts), which makes each acknowledged write as durable as FULL would.
 * Without `fsync` (throwaway servers) checkpoints skip theirs too (OFF).
 */
export function openDatabase(path: string, fsync: boolean): Database.Database {
  // SQLite would create the file 0644 (less the umask), and gives its -wal and -shm files the
  // main file's mode: created here first, 0600, all three are the owner's only. An existing
  // file keeps the mode it has (an operator's choice); the process umask is left alone.
  fs.closeSync(fs.openSync(path, 'a', 0o600));
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${fsync ? 'NORMAL' : 'OFF'}`);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`metadata schema version ${current} is newer than this Zonal (${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

/** The part of a better-sqlite3 statement the store uses (named, so declarations can refer to it). */
export interface Statement<P extends unknown[], R = unknown> {
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
  run(...params: P): Database.RunResult;
}

function prepare<P extends unknown[], R = unknown>(db: Database.Database, sql: string): Statement<P, R> {
  return db.prepare<P, R>(sql);
}

/** Every statement the store runs, prepared once. */
export function prepareStatements(db: Database.Database) {
  return {
    getBucket: prepare<[string], BucketRow>(db, 'SELECT * FROM buckets WHERE name = ?'),
    insertBucket: prepare<[BucketRow]>(
      db,
      `INSERT INTO buckets (name, zone_id, location_type, region, owner_account_id, created_at, policy, encryption,
                            incarnation, lifecycle, inventory, metrics, tags)
       VALUES (@name, @zone_id, @location_type, @region, @owner_account_id, @created_at, @policy, @encryption,
               @incarnation, @lifecycle, @inventory, @metrics, @tags)`,
    ),
    setBucketTags: prepare<[string | null, string]>(db, 'UPDATE buckets SET tags = ? WHERE name = ?'),
    getAccessPoint: prepare<[string], AccessPointRow>(db, 'SELECT * FROM access_points WHERE name = ?'),
    insertAccessPoint: prepare<[AccessPointRow]>(
      db,
      `INSERT INTO access_points (name, bucket, bucket_incarnation, bucket_owner_account_id, owner_account_id,
                                  region, zone_id, created_at, policy, scope, tags)
       VALUES (@name, @bucket, @bucket_incarnation, @bucket_owner_account_id, @owner_account_id, @region,
               @zone_id, @created_at, @policy, @scope, @tags)`,
    ),
    updateAccessPoint: prepare<
      [{ name: string; policy: string | null; scope: string | null; tags: string | null }]
    >(db, 'UPDATE access_points SET policy = @policy, scope = @scope, tags = @tags WHERE name = @name'),
    deleteAccessPoint: prepare<[string]>(db, 'DELETE FROM access_points WHERE name = ?'),
    listAccessPoints: prepare<[string, string, number], AccessPointRow>(
      db,
      'SELECT * FROM access_points WHERE owner_account_id = ? AND name > ? ORDER BY name LIMIT ?',
    ),
    listAccessPointsOfBucket: prepare<[string, string, string, number], AccessPointRow>(
      db,
      'SELECT * FROM access_points WHERE owner_account_id = ? AND bucket = ? AND name > ? ORDER BY name LIMIT ?',
    ),
    listBuckets: prepare<[string, string, number], BucketRow>(
      db,
      'SELECT * FROM buckets WHERE owner_account_id = ? AND name > ? ORDER BY name LIMIT ?',
    ),
    deleteBucket: prepare<[string]>(db, 'DELETE FROM buckets WHERE name = ?'),
    setBucketPolicy: prepare<[string | null, string]>(db, 'UPDATE buckets SET policy = ? WHERE name = ?'),
    setBucketLifecycle: prepare<[string | null, string]>(
      db,
      'UPDATE buckets SET lifecycle = ? WHERE name = ?',
    ),
    setBucketInventory: prepare<[string | null, string]>(
      db,
      'UPDATE buckets SET inventory = ? WHERE name = ?',
    ),
    setBucketMetrics: prepare<[string | null, string]>(db, 'UPDATE buckets SET metrics = ? WHERE name = ?'),
    listAllBuckets: prepare<[string, number], BucketRow>(
      db,
      'SELECT * FROM buckets WHERE name > ? ORDER BY name LIMIT ?',
    ),
    setBucketEncryption: prepare<[string | null, string]>(
      db,
      'UPDATE buckets SET encryption = ? WHERE name = ?',
    ),
    bucketHasObjects: prepare<[string], { one: 1 }>(
      db,
      'SELECT 1 AS one FROM objects WHERE bucket = ? LIMIT 1',
    ),
    bucketHasUploads: prepare<[string], { one: 1 }>(
      db,
      'SELECT 1 AS one FROM uploads WHERE bucket = ? LIMIT 1',
    ),

    getObject: prepare<[string, string], ObjectRow>(
      db,
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?`,
    ),
    upsertObject: prepare<[ObjectRow]>(
      db,
      `INSERT OR REPLACE INTO objects (${OBJECT_COLUMNS})
       VALUES (@bucket, @key, @size, @etag, @last_modified, @content, @metadata, @checksums,
               @checksum_type, @multipart, @encryption, @upload_id, @segments)`,
    ),
    deleteObject: prepare<[string, string]>(db, 'DELETE FROM objects WHERE bucket = ? AND key = ?'),
    countObjects: prepare<[string], { n: number }>(db, 'SELECT count(*) AS n FROM objects WHERE bucket = ?'),
    // Two seeks for listing: from a key inclusive, or strictly after it. Both are index range
    // scans, and neither reads segments.
    objectsFrom: prepare<[string, string], ObjectSummaryRow>(
      db,
      `SELECT ${SUMMARY_COLUMNS} FROM objects WHERE bucket = ? AND key >= ? ORDER BY key`,
    ),
    objectsAfter: prepare<[string, string], ObjectSummaryRow>(
      db,
      `SELECT ${SUMMARY_COLUMNS} FROM objects WHERE bucket = ? AND key > ? ORDER BY key`,
    ),

    insertUpload: prepare<[UploadRow]>(
      db,
      `INSERT INTO uploads (upload_id, bucket, key, initiated, content, metadata, checksum_algorithm,
                            checksum_type, encryption)
       VALUES (@upload_id, @bucket, @key, @initiated, @content, @metadata, @checksum_algorithm,
               @checksum_type, @encryption)`,
    ),
    getUpload: prepare<[string], UploadRow>(db, 'SELECT * FROM uploads WHERE upload_id = ?'),
    deleteUpload: prepare<[string]>(db, 'DELETE FROM uploads WHERE upload_id = ?'),
    countUploads: prepare<[string], { n: number }>(db, 'SELECT count(*) AS n FROM uploads WHERE bucket = ?'),
    // The upload listing's seeks: from a key, after a key, after one upload.
    uploadsFrom: prepare<[string, string], UploadRow>(
      db,
      `SELECT * FROM uploads WHERE bucket = ? AND key >= ? ${UPLOAD_ORDER}`,
    ),
    uploadsAfterKey: prepare<[string, string], UploadRow>(
      db,
      `SELECT * FROM uploads WHERE bucket = ? AND key > ? ${UPLOAD_ORDER}`,
    ),
    uploadsAfterUpload: prepare<[string, string, number, string], UploadRow>(
      db,
      `SELECT * FROM uploads WHERE bucket = ? AND (key, initiated, upload_id) > (?, ?, ?) ${UPLOAD_ORDER}`,
    ),

    getPart: prepare<[string, number], PartRow>(
      db,
      'SELECT * FROM parts WHERE upload_id = ? AND part_number = ?',
    ),
    upsertPart: prepare<[PartRow]>(
      db,
      `INSERT OR REPLACE INTO parts (upload_id, part_number, blob_id, size, etag, checksums, last_modified, inline)
       VALUES (@upload_id, @part_number, @blob_id, @size, @etag, @checksums, @last_modified, @inline)`,
    ),
    partsAfter: prepare<[string, number, number], PartRow>(
      db,
      'SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?',
    ),
    allParts: prepare<[string], PartRow>(db, 'SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number'),
    partBlobsOfUpload: prepare<[string], { blob_id: string; inline: number }>(
      db,
      'SELECT blob_id, inline FROM parts WHERE upload_id = ?',
    ),
    deletePartsOfUpload: prepare<[string]>(db, 'DELETE FROM parts WHERE upload_id = ?'),

    getClientToken: prepare<[string, string, number], ClientTokenRow>(
      db,
      'SELECT * FROM client_tokens WHERE bucket = ? AND token = ? AND created_at >= ?',
    ),
    putClientToken: prepare<[ClientTokenRow]>(
      db,
      `INSERT OR REPLACE INTO client_tokens (bucket, token, fingerprint, created_at)
       VALUES (@bucket, @token, @fingerprint, @created_at)`,
    ),
    purgeClientTokens: prepare<[number]>(db, 'DELETE FROM client_tokens WHERE created_at < ?'),
    deleteClientTokensOfBucket: prepare<[string]>(db, 'DELETE FROM client_tokens WHERE bucket = ?'),

    // Every blob-store blob some row still needs (each segment of each object, each part);
    // used by the orphan sweep at startup.
    referencedBlobs: prepare<[], { blob_id: string }>(
      db,
      `SELECT json_extract(s.value, '$.b') AS blob_id FROM objects, json_each(objects.segments) AS s
       WHERE json_extract(s.value, '$.i') IS NULL
       UNION ALL SELECT blob_id FROM parts WHERE inline = 0`,
    ),

    getInline: prepare<[string], { data: Buffer }>(db, 'SELECT data FROM inline_blobs WHERE blob_id = ?'),
    insertInline: prepare<[string, Buffer]>(db, 'INSERT INTO inline_blobs (blob_id, data) VALUES (?, ?)'),
    deleteInline: prepare<[string]>(db, 'DELETE FROM inline_blobs WHERE blob_id = ?'),
    countInline: prepare<[], { n: number }>(db, 'SELECT count(*) AS n FROM inline_blobs'),
    // Inline blobs no row needs: a crash came between a commit and the removal it freed.
    sweepInline: prepare<[]>(
      db,
      `DELETE FROM inline_blobs WHERE blob_id NOT IN (
         SELECT json_extract(s.value, '$.b') FROM objects, json_each(objects.segments) AS s
         WHERE json_extract(s.value, '$.i') = 1
         UNION ALL SELECT blob_id FROM parts WHERE inline = 1)`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
