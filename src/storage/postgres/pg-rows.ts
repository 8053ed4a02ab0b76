/**
 * PostgreSQL rows ↔ the shared row shapes of rows.ts: the same columns, with keys as bytes
 * (UTF-8) instead of strings.
 */
import type { ObjectRow, ObjectSummaryRow, UploadRow } from '../rows.js';

export const SUMMARY_SELECT =
  'bucket, key, size, etag, last_modified, content, metadata, checksums, checksum_type, multipart, encryption, upload_id';
export const OBJECT_SELECT = `${SUMMARY_SELECT}, segments`;

export type Keyed<R> = Omit<R, 'key'> & { key: Buffer };

export const keyBytes = (key: string): Buffer => Buffer.from(key, 'utf8');

export function fromKeyed<T extends { key: Buffer }>(row: T): Omit<T, 'key'> & { key: string } {
  return { ...row, key: row.key.toString('utf8') };
}

/** The parameters of an object row, in OBJECT_SELECT's order. */
export function objectParams(r: ObjectRow): unknown[] {
  return [
    r.bucket,
    keyBytes(r.key),
    r.size,
    r.etag,
    r.last_modified,
    r.content,
    r.metadata,
    r.checksums,
    r.checksum_type,
    r.multipart,
    r.encryption,
    r.upload_id,
    r.segments,
  ];
}

export type PgObjectRow = Keyed<ObjectRow>;
export type PgSummaryRow = Keyed<ObjectSummaryRow>;
export type PgUploadRow = Keyed<UploadRow>;
