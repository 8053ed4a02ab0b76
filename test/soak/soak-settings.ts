/**
 * How long the soak runs. Without a flag it is a short run that CI can afford (it still
 * outlives several sessions); `ZONAL_SOAK=1` (`npm run soak`) is the release run.
 */
export interface SoakSettings {
  long: boolean;
  /** Load phase, ms. */
  durationMs: number;
  /** Samples taken before this (from the start of the load) are the warm-up, ms. */
  warmupMs: number;
  /**
   * `--session-duration` of the server: short, so sessions expire and renew all the time
   * (default 5 s; `ZONAL_SOAK_SESSION_SECONDS` to change it).
   */
  sessionSeconds: number;
  /** Seed of the operation mix, printed so that a failing run can be replayed. */
  seed: number;
}

const SHORT_SECONDS = 20;
const LONG_SECONDS = 600;

function positiveInteger(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`${name} must be a positive integer`);
  return Number(value);
}

export function soakSettings(env: NodeJS.ProcessEnv = process.env): SoakSettings {
  const long = env.ZONAL_SOAK === '1';
  const seconds =
    env.ZONAL_SOAK_SECONDS !== undefined
      ? positiveInteger('ZONAL_SOAK_SECONDS', env.ZONAL_SOAK_SECONDS)
      : long
        ? LONG_SECONDS
        : SHORT_SECONDS;
  const durationMs = seconds * 1000;
  return {
    long,
    durationMs,
    // Heaps, buffer pools, SQLite's page cache and the agents' socket pools fill up first;
    // growth is judged on what follows. A fifth of the run, between 6 s and 60 s.
    warmupMs: Math.min(60_000, Math.max(6_000, durationMs / 5)),
    sessionSeconds:
      env.ZONAL_SOAK_SESSION_SECONDS !== undefined
        ? positiveInteger('ZONAL_SOAK_SESSION_SECONDS', env.ZONAL_SOAK_SESSION_SECONDS)
        : 5,
    seed:
      env.ZONAL_SOAK_SEED !== undefined
        ? positiveInteger('ZONAL_SOAK_SEED', env.ZONAL_SOAK_SEED)
        : Math.floor(Math.random() * 2 ** 31) + 1,
  };
}
