import path from 'node:path';
import Database from 'better-sqlite3';
import { rowToBucket, type BucketRow } from './metadata-db.js';
import type { BucketRecord } from '../types.js';

/**
 * Reads one bucket from a data dir without opening the store (no migrations, no orphan
 * sweep), so tools such as `zonal iam explain` can run beside a live server.
 */
export function readBucket(dataDir: string, name: string): BucketRecord | undefined {
  const db = new Database(path.join(dataDir, 'meta.sqlite3'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare<[string], BucketRow>('SELECT * FROM buckets WHERE name = ?').get(name);
    return row && rowToBucket(row);
  } finally {
    db.close();
  }
}
