/**
 * A cluster node's row in the `nodes` table, so `zonal cluster status` can list the nodes up:
 * registered at start, its `last_heartbeat` renewed every few seconds, deleted on a clean
 * stop. Times are the database's clock, so nodes with skewed clocks still compare. Each beat
 * also deletes rows not heard from for an hour (nodes killed without a clean stop), so the
 * table stays bounded. With `--workers`, every worker process has a row of its own.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import { openPool } from './pg-connection.js';

/** Test-only: the beat interval in milliseconds, so tests need not wait 3 × 5 s. */
export const HEARTBEAT_MS_ENV = 'ZONAL_HEARTBEAT_MS';
export const DEFAULT_HEARTBEAT_MS = 5000;
/** Rows silent for longer than this are deleted by any node's beat. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

/** The database's clock in epoch milliseconds, as SQL. */
export const DB_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();

  private constructor(
    private readonly pool: pg.Pool,
    readonly id: string,
    private readonly endpoint: string,
    readonly intervalMs: number,
  ) {}

  /** Registers this node (a failed first beat is retried by the next) and starts beating. */
  static async start(url: string, endpoint: string, env: NodeJS.ProcessEnv): Promise<NodeHeartbeat> {
    const asked = Number(env[HEARTBEAT_MS_ENV]);
    const intervalMs = Number.isInteger(asked) && asked > 0 ? asked : DEFAULT_HEARTBEAT_MS;
    const heartbeat = new NodeHeartbeat(openPool({ url, max: 1 }), crypto.randomUUID(), endpoint, intervalMs);
    await heartbeat.beat();
    heartbeat.timer = setInterval(() => void heartbeat.beat(), intervalMs);
    heartbeat.timer.unref();
    return heartbeat;
  }

  /** Stops beating and deletes this node's row (best effort: a lost database just ages it out). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    try {
      await this.pool.query('DELETE FROM nodes WHERE id = $1', [this.id]);
    } catch {
      // The row ages out within FORGET_AFTER_MS.
    }
    await this.pool.end();
  }

  private beat(): Promise<void> {
    // One beat at a time: a slow database must not pile them up on the single connection.
    const next = this.beating.then(async () => {
      try {
        // An upsert: a row deleted meanwhile (someone cleaned the table) comes back.
        await this.pool.query(
          `INSERT INTO nodes (id, host, endpoint, pid, interval_ms, started_at, last_heartbeat)
           VALUES ($1, $2, $3, $4, $5, ${DB_NOW_MS}, ${DB_NOW_MS})
           ON CONFLICT (id) DO UPDATE SET last_heartbeat = EXCLUDED.last_heartbeat`,
          [this.id, os.hostname(), this.endpoint, process.pid, this.intervalMs],
        );
        await this.pool.query(`DELETE FROM nodes WHERE last_heartbeat < ${DB_NOW_MS} - $1`, [
          FORGET_AFTER_MS,
        ]);
      } catch {
        // Ignored until the next beat: a node whose database is away shows as silent.
      }
    });
    this.beating = next;
    return next;
  }
}
