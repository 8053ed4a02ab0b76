/**
 * Connections to the metadata database: a pool with bigint columns as numbers (sizes and
 * times fit in a double), transactions that retry what PostgreSQL asks to retry, and the
 * mapping of a lost database to 503 ServiceUnavailable (S3's error document, which SDKs retry).
 */
import pg from 'pg';
import { S3Error } from '../../errors/s3-error.js';

const INT8_OID = 20;

/** bigint → number; every other type as pg parses it. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  url: string;
  /** Connections this node keeps at most (nodes × pool size must stay under max_connections). */
  max?: number;
}

export function openPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 16,
    types,
    // A request waits this long for a connection before it is answered 503.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection the server dropped: the pool discards it; requests see their own errors.
  pool.on('error', () => undefined);
  return pool;
}

export { describeUrl } from './describe-url.js';

/** SQLSTATEs that mean "run the transaction again": a unique race, a deadlock, a serialization failure. */
const RETRYABLE = new Set(['23505', '40P01', '40001']);

const MAX_ATTEMPTS = 20;

/** True for errors that mean the database cannot be reached (or went away). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|57P0)/.test(code)) return true;
    if (
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(
        code,
      )
    )
      return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    err.message,
  );
}

/** A lost database as the S3 error clients retry; anything else unchanged. */
export function asStoreError(err: unknown): unknown {
  return isConnectionError(err) ? new S3Error('ServiceUnavailable') : err;
}

/** Runs one query on the pool, with a lost database answered 503. */
export async function query<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  try {
    return await pool.query<R>(sql, params);
  } catch (err) {
    throw asStoreError(err);
  }
}

/**
 * Runs `fn` in a READ COMMITTED transaction; rows it must decide on are read `FOR UPDATE`, so a
 * decision holds at commit. A unique-key race (two inserts of a key that was absent), a
 * deadlock or a serialization failure runs `fn` again on a fresh snapshot; `fn` must
 * therefore have no effect outside the database.
 */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw asStoreError(err);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
      if (isConnectionError(err)) broken = true;
      throw asStoreError(err);
    } finally {
      client.release(broken);
    }
  }
}
