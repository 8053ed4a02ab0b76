/**
 * The SQLite half of the embedded store: schema, migrations, prepared statements and the
 * mapping between rows and storage records. It knows nothing about blob files or S3 errors.
 */
import Database from 'better-sqlite3';
import type { BucketRecord, ContentHeaders, LocationType, ObjectChecksums, ObjectRecord } from './types.js';

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

  CREATE TABLE objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    content TEXT NOT NULL,   -- JSON ContentHeaders
    metadata TEXT NOT NULL,  -- JSON user metadata
    checksums TEXT NOT NULL, -- JSON ObjectChecksums
    blob_id TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
  ) WITHOUT ROWID;

  CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    initiated INTEGER NOT NULL,
    content TEXT NOT NULL,
    metadata TEXT NOT NULL,
    checksum_algorithm TEXT
  );
  CREATE INDEX uploads_by_bucket ON uploads (bucket, key);

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
  `,
];

export interface BucketRow {
  name: string;
  zone_id: string;
  location_type: string;
  region: string;
  owner_account_id: string;
  created_at: number;
}

export interface ObjectRow {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  last_modified: number;
  content: string;
  metadata: string;
  checksums: string;
  blob_id: string;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  content: string;
  metadata: string;
  checksum_algorithm: string | null;
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  content: ContentHeaders;
  metadata: Record<string, string>;
  checksumAlgorithm?: string;
}

const OBJECT_COLUMNS = 'bucket, key, size, etag, last_modified, content, metadata, checksums, blob_id';

/** Opens the database, applies pragmas and pending migrations. */
export function openDatabase(path: string, fsync: boolean): Database.Database {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // FULL syncs the WAL on every commit: an acknowledged write survives power loss.
    db.pragma(`synchronous = ${fsync ? 'FULL' : 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
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
      `INSERT INTO buckets (name, zone_id, location_type, region, owner_account_id, created_at)
       VALUES (@name, @zone_id, @location_type, @region, @owner_account_id, @created_at)`,
    ),
    listBuckets: prepare<[string, string, number], BucketRow>(
      db,
      'SELECT * FROM buckets WHERE owner_account_id = ? AND name > ? ORDER BY name LIMIT ?',
    ),
    deleteBucket: prepare<[string]>(db, 'DELETE FROM buckets WHERE name = ?'),
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
       VALUES (@bucket, @key, @size, @etag, @last_modified, @content, @metadata, @checksums, @blob_id)`,
    ),
    deleteObject: prepare<[string, string]>(db, 'DELETE FROM objects WHERE bucket = ? AND key = ?'),
    countObjects: prepare<[string], { n: number }>(db, 'SELECT count(*) AS n FROM objects WHERE bucket = ?'),
    // Two seeks for listing: from a key inclusive, or strictly after it. Both are index range scans.
    objectsFrom: prepare<[string, string], ObjectRow>(
      db,
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key >= ? ORDER BY key`,
    ),
    objectsAfter: prepare<[string, string], ObjectRow>(
      db,
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key > ? ORDER BY key`,
    ),

    insertUpload: prepare<[UploadRow]>(
      db,
      `INSERT INTO uploads (upload_id, bucket, key, initiated, content, metadata, checksum_algorithm)
       VALUES (@upload_id, @bucket, @key, @initiated, @content, @metadata, @checksum_algorithm)`,
    ),
    getUpload: prepare<[string], UploadRow>(db, 'SELECT * FROM uploads WHERE upload_id = ?'),
    deleteUpload: prepare<[string]>(db, 'DELETE FROM uploads WHERE upload_id = ?'),
    partBlobsOfUpload: prepare<[string], { blob_id: string }>(
      db,
      'SELECT blob_id FROM parts WHERE upload_id = ?',
    ),
    deletePartsOfUpload: prepare<[string]>(db, 'DELETE FROM parts WHERE upload_id = ?'),

    // Every blob some row still needs; used by the orphan sweep at startup.
    referencedBlobs: prepare<[], { blob_id: string }>(
      db,
      'SELECT blob_id FROM objects UNION SELECT blob_id FROM parts',
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

// --- row <-> record mapping -------------------------------------------------------------

export function bucketToRow(b: BucketRecord): BucketRow {
  return {
    name: b.name,
    zone_id: b.zoneId,
    location_type: b.locationType,
    region: b.region,
    owner_account_id: b.ownerAccountId,
    created_at: b.createdAt.getTime(),
  };
}

export function rowToBucket(r: BucketRow): BucketRecord {
  return {
    name: r.name,
    zoneId: r.zone_id,
    locationType: r.location_type as LocationType,
    region: r.region,
    ownerAccountId: r.owner_account_id,
    createdAt: new Date(r.created_at),
  };
}

export function objectToRow(o: ObjectRecord): ObjectRow {
  return {
    bucket: o.bucket,
    key: o.key,
    size: o.size,
    etag: o.etag,
    last_modified: o.lastModified.getTime(),
    content: JSON.stringify(o.content),
    metadata: JSON.stringify(o.metadata),
    checksums: JSON.stringify(o.checksums),
    blob_id: o.blobId,
  };
}

export function rowToObject(r: ObjectRow): ObjectRecord {
  return {
    bucket: r.bucket,
    key: r.key,
    size: r.size,
    etag: r.etag,
    lastModified: new Date(r.last_modified),
    content: JSON.parse(r.content) as ContentHeaders,
    metadata: JSON.parse(r.metadata) as Record<string, string>,
    checksums: JSON.parse(r.checksums) as ObjectChecksums,
    blobId: r.blob_id,
  };
}

export function uploadToRow(u: UploadRecord): UploadRow {
  return {
    upload_id: u.uploadId,
    bucket: u.bucket,
    key: u.key,
    initiated: u.initiated.getTime(),
    content: JSON.stringify(u.content),
    metadata: JSON.stringify(u.metadata),
    checksum_algorithm: u.checksumAlgorithm ?? null,
  };
}

export function rowToUpload(r: UploadRow): UploadRecord {
  const upload: UploadRecord = {
    uploadId: r.upload_id,
    bucket: r.bucket,
    key: r.key,
    initiated: new Date(r.initiated),
    content: JSON.parse(r.content) as ContentHeaders,
    metadata: JSON.parse(r.metadata) as Record<string, string>,
  };
  if (r.checksum_algorithm !== null) upload.checksumAlgorithm = r.checksum_algorithm;
  return upload;
}
