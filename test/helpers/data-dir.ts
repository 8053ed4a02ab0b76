/**
 * Looking inside a Zonal data directory from a test: which files exist, which blobs the
 * metadata references, and which files are orphans. The database is opened read-only, so a
 * crashed server's files are inspected as it left them.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Every regular file and directory under `root`, as paths relative to it (`/`-separated). */
export function walk(root: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const visit = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        dirs.push(child);
        visit(child);
      } else {
        files.push(child);
      }
    }
  };
  visit('');
  return { files: files.sort(), dirs: dirs.sort() };
}

/** Top-level files a data dir may hold besides `blobs/` and `tmp/`. */
const TOP_LEVEL_FILES = new Set([
  'meta.sqlite3',
  'meta.sqlite3-wal',
  'meta.sqlite3-shm',
  'root-credentials.json',
  'session-keys.json',
  'iam.json',
]);

/**
 * Paths in a data dir that are not one of: the files above, `blobs/<xx>/<32 hex>` whose name
 * starts with its shard, the directories `blobs/`, `blobs/<xx>/`, `tmp/`, and (when
 * `allowTmpFiles`) `tmp/<32 hex>`.
 */
export function unexpectedPaths(dataDir: string, allowTmpFiles = false): string[] {
  const { files, dirs } = walk(dataDir);
  const bad: string[] = [];
  for (const dir of dirs) {
    if (dir === 'blobs' || dir === 'tmp' || /^blobs\/[0-9a-f]{2}$/.test(dir)) continue;
    bad.push(`${dir}/`);
  }
  for (const file of files) {
    if (TOP_LEVEL_FILES.has(file)) continue;
    const blob = /^blobs\/([0-9a-f]{2})\/([0-9a-f]{32})$/.exec(file);
    if (blob && blob[2]!.startsWith(blob[1]!)) continue;
    if (allowTmpFiles && /^tmp\/[0-9a-f]{32}$/.test(file)) continue;
    bad.push(file);
  }
  return bad;
}

/** What the metadata references and what is on disk. */
export interface BlobInventory {
  /** Blob ids referenced by object segments or multipart parts (files and inline). */
  referenced: Set<string>;
  /** Blob ids stored: a file under `blobs/`, or an inline blob in the database. */
  onDisk: Set<string>;
  /** How many of `onDisk` are inline blobs in the database. */
  inline: number;
  /** Files under `tmp/`. */
  tmpFiles: number;
  /** On disk but referenced by no row: orphans. */
  orphans: string[];
  /** Referenced but without a file: lost data. */
  missing: string[];
  objects: number;
  uploads: number;
  parts: number;
}

/**
 * Reads the metadata (read-only: a crashed server's WAL is read, not checkpointed) and lists
 * the blob and temp files. Call it while no write is in flight.
 */
export function blobInventory(dataDir: string): BlobInventory {
  const db = new Database(path.join(dataDir, 'meta.sqlite3'), { readonly: true, fileMustExist: true });
  const referenced = new Set<string>();
  const onDisk = new Set<string>();
  let objects = 0;
  let uploads = 0;
  let parts = 0;
  let inline = 0;
  try {
    for (const row of db.prepare('SELECT segments FROM objects').iterate() as Iterable<{
      segments: string;
    }>) {
      objects++;
      for (const segment of JSON.parse(row.segments) as { b: string }[]) referenced.add(segment.b);
    }
    for (const row of db.prepare('SELECT blob_id FROM parts').iterate() as Iterable<{ blob_id: string }>) {
      parts++;
      referenced.add(row.blob_id);
    }
    uploads = (db.prepare('SELECT count(*) AS n FROM uploads').get() as { n: number }).n;
    for (const row of db.prepare('SELECT blob_id FROM inline_blobs').iterate() as Iterable<{
      blob_id: string;
    }>) {
      inline++;
      onDisk.add(row.blob_id);
    }
  } finally {
    db.close();
  }
  const blobsDir = path.join(dataDir, 'blobs');
  for (const shard of fs.existsSync(blobsDir) ? fs.readdirSync(blobsDir) : []) {
    for (const name of fs.readdirSync(path.join(blobsDir, shard))) onDisk.add(name);
  }
  const tmpDir = path.join(dataDir, 'tmp');
  const tmpFiles = fs.existsSync(tmpDir) ? fs.readdirSync(tmpDir).length : 0;
  return {
    referenced,
    onDisk,
    inline,
    tmpFiles,
    orphans: [...onDisk].filter((id) => !referenced.has(id)),
    missing: [...referenced].filter((id) => !onDisk.has(id)),
    objects,
    uploads,
    parts,
  };
}
