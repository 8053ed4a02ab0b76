/** Exponential backoff between failed attempts. */
export interface BackoffOptions {
  /** Delay after the first failure, ms (default 200). */
  initialMs?: number;
  /** Upper bound of the delay, ms (default 10,000). */
  maxMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 200, maxMs: 10_000 };

/**
 * The wait after `failures` consecutive failures (1, 2, …): `initialMs · 2^(failures-1)`
 * capped at `maxMs`, then "equal jitter" (a random point in its upper half) so that many
 * clients that failed together do not retry together.
 */
export function backoffDelay(
  failures: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const max = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const exponent = Math.min(Math.max(failures, 1) - 1, 52);
  const ceiling = Math.min(max, initial * 2 ** exponent);
  return ceiling / 2 + (random() * ceiling) / 2;
}
