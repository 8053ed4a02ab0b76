/**
 * The session key ring of a cluster, in the shared PostgreSQL database (table session_keys,
 * created by the storage schema). Every node loads it at start and reloads it every
 * RELOAD_MS, so the sealer's synchronous questions are answered from memory.
 *
 * Rotation has three phases, so that no node ever rejects a token because it has not loaded
 * the key yet: a new key is first only accepted (every node loads it within RELOAD_MS), seals
 * from `seal_from` = creation + ACCEPT_BEFORE_SEAL_MS on, and the key it replaces retires once
 * every token it sealed has expired (the session lifetime plus a clock skew after the new one
 * took over).
 */
import pg from 'pg';
import { newSessionKey, type SessionKey, type SessionKeyRing } from './session-key-ring.js';

/** How often a node reloads the ring. */
export const RELOAD_MS = 1000;
/** A new key is accepted everywhere this long before any node seals with it. */
export const ACCEPT_BEFORE_SEAL_MS = 5 * RELOAD_MS;
/** Clock difference between nodes tolerated at retirement. */
const SKEW_MS = 60_000;
/** Keys superseded longer ago than the longest session lifetime (12 h) are deleted. */
const PURGE_AFTER_MS = 13 * 3600 * 1000;
/** Advisory lock serialising the creation of the first key ("zonalkey"). */
const FIRST_KEY_LOCK = '8822259318133483897';

interface KeyRow {
  id: string;
  key: Buffer;
  seal_from: string | number;
}

interface LoadedKey extends SessionKey {
  sealFrom: number;
}

export class PostgresSessionKeyRing implements SessionKeyRing {
  private keys: LoadedKey[] = [];
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly sessionLifetimeMs: number,
  ) {}

  /** Loads the ring (creating its first key if the cluster has none) and keeps it fresh. */
  static async open(url: string, sessionLifetimeMs: number): Promise<PostgresSessionKeyRing> {
    const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
    pool.on('error', () => undefined);
    const ring = new PostgresSessionKeyRing(pool, sessionLifetimeMs);
    try {
      await ensureFirstKey(pool);
      await ring.reload();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    ring.timer = setInterval(() => void ring.reload().catch(() => undefined), RELOAD_MS);
    ring.timer.unref();
    return ring;
  }

  /** Adds a key that starts sealing ACCEPT_BEFORE_SEAL_MS from now; returns its id. */
  static async rotate(url: string): Promise<{ id: string; sealFrom: Date }> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const key = newSessionKey();
      const now = Date.now();
      const sealFrom = now + ACCEPT_BEFORE_SEAL_MS;
      await client.query(
        'INSERT INTO session_keys (id, key, created_at, seal_from) VALUES ($1, $2, $3, $4)',
        [key.id, key.key, now, sealFrom],
      );
      await client.query('DELETE FROM session_keys WHERE seal_from < $1 AND id <> $2', [
        now - PURGE_AFTER_MS,
        key.id,
      ]);
      return { id: key.id, sealFrom: new Date(sealFrom) };
    } finally {
      await client.end();
    }
  }

  private async reload(): Promise<void> {
    const { rows } = await this.pool.query<KeyRow>(
      'SELECT id, key, seal_from FROM session_keys ORDER BY seal_from',
    );
    this.keys = rows.map((r) => ({ id: r.id, key: r.key, sealFrom: Number(r.seal_from) }));
  }

  activeKey(): SessionKey {
    const now = Date.now();
    let active = this.keys[0]!;
    for (const k of this.keys) if (k.sealFrom <= now) active = k;
    return active;
  }

  keyById(id: string): SessionKey | undefined {
    const at = this.keys.findIndex((k) => k.id === id);
    if (at < 0) return undefined;
    // Retired once the next key has sealed for longer than a session lives.
    const next = this.keys[at + 1];
    if (next !== undefined && Date.now() > next.sealFrom + this.sessionLifetimeMs + SKEW_MS) return undefined;
    return this.keys[at];
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.pool.end().catch(() => undefined);
  }
}

async function ensureFirstKey(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [FIRST_KEY_LOCK]);
    const { rows } = await client.query('SELECT 1 FROM session_keys LIMIT 1');
    if (rows.length === 0) {
      const key = newSessionKey();
      await client.query(
        'INSERT INTO session_keys (id, key, created_at, seal_from) VALUES ($1, $2, $3, $3)',
        [key.id, key.key, Date.now()],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
