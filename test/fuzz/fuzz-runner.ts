/**
 * Shared runner for the fuzz tests: case counts for CI and the long (release) mode, seeds that
 * are always printed so any run can be replayed, and the "only S3Error, and quickly" checks.
 *
 *   ZONAL_FUZZ_RUNS=1000000  long mode: every property scaled so the whole harness runs about
 *                            that many cases (CI runs FUZZ_CI_CASES).
 *   ZONAL_FUZZ_SEED=<n>      replay a run (with ZONAL_FUZZ_PATH=<path> for one failing case);
 *                            fast-check prints both when a property fails.
 */
import type { TestContext } from 'node:test';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';

import { PolicyError } from '../../src/access/policy/index.js';
import { S3Error } from '../../src/errors/s3-error.js';

/** Nominal number of cases of one CI run of the whole harness (sum of the `ci` counts). */
export const FUZZ_CI_CASES = 48_000;

const requestedTotal = Number(process.env.ZONAL_FUZZ_RUNS ?? '');
/** True in long mode (ZONAL_FUZZ_RUNS set). */
export const LONG_MODE = Number.isFinite(requestedTotal) && requestedTotal > 0;
const scale = LONG_MODE ? requestedTotal / FUZZ_CI_CASES : 1;

/** The number of cases for a property whose CI count is `ci`. */
export function runs(ci: number): number {
  return Math.max(1, Math.round(ci * scale));
}

function seedFor(): number {
  const fixed = process.env.ZONAL_FUZZ_SEED;
  if (fixed !== undefined && fixed !== '') return Number(fixed) | 0;
  return (Date.now() ^ (Math.random() * 0x100000000)) | 0;
}

function parameters<T>(numRuns: number, seed: number, extra: fc.Parameters<T>): fc.Parameters<T> {
  const path = process.env.ZONAL_FUZZ_PATH;
  return {
    numRuns,
    seed,
    ...(path !== undefined && path !== '' ? { path } : {}),
    ...extra,
  };
}

/** fast-check keeps the property's own error as `cause`, which the test reporter does not print. */
function withCause(err: unknown): unknown {
  const cause = (err as { cause?: unknown }).cause;
  if (!(err instanceof Error) || cause === undefined) return err;
  const text = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
  return new Error(`${err.message}\nCaused by: ${text}`);
}

function report(t: TestContext, name: string, numRuns: number, seed: number, started: number): void {
  const ms = Math.round(performance.now() - started);
  t.diagnostic(`fuzz ${name}: ${numRuns} cases in ${ms} ms (seed ${seed})`);
}

/** Runs a synchronous property `runs(ci)` times and reports count, time and seed. */
export function fuzz<Ts extends [unknown, ...unknown[]]>(
  t: TestContext,
  name: string,
  ci: number,
  property: fc.IProperty<Ts>,
  extra: fc.Parameters<Ts> = {},
): void {
  const numRuns = runs(ci);
  const seed = seedFor();
  const started = performance.now();
  try {
    fc.assert(property, parameters(numRuns, seed, extra));
  } catch (err) {
    throw withCause(err);
  }
  report(t, name, numRuns, seed, started);
}

/** Runs an asynchronous property `runs(ci)` times, each case bounded by `timeoutMs`. */
export async function fuzzAsync<Ts extends [unknown, ...unknown[]]>(
  t: TestContext,
  name: string,
  ci: number,
  property: fc.IAsyncProperty<Ts>,
  extra: fc.Parameters<Ts> = {},
): Promise<void> {
  const numRuns = runs(ci);
  const seed = seedFor();
  const started = performance.now();
  try {
    await fc.assert(property, parameters(numRuns, seed, { timeout: 10_000, ...extra }));
  } catch (err) {
    throw withCause(err);
  }
  report(t, name, numRuns, seed, started);
}

/** Longest a single synchronous case may take: far above normal (≪ 1 ms), far below a hang. */
export const CASE_BUDGET_MS = 1_000;

/** A failure a client can cause: the only kinds of error the parsers may throw. */
export function isClientError(err: unknown): boolean {
  return err instanceof S3Error || err instanceof PolicyError;
}

/**
 * Calls `fn`; a thrown S3Error (or PolicyError) is an accepted outcome and returned as such,
 * anything else (TypeError, RangeError, a library's plain Error) fails the property, and so does
 * a call slower than CASE_BUDGET_MS.
 */
export function outcome<T>(fn: () => T): { value: T } | { error: S3Error | PolicyError } {
  const started = performance.now();
  let result: { value: T } | { error: S3Error | PolicyError };
  try {
    result = { value: fn() };
  } catch (err) {
    if (!isClientError(err)) {
      const e = err as Error;
      throw new Error(`unexpected ${e?.constructor?.name ?? typeof err}: ${e?.message ?? String(err)}`, {
        cause: err,
      });
    }
    result = { error: err as S3Error | PolicyError };
  }
  const elapsed = performance.now() - started;
  if (elapsed > CASE_BUDGET_MS) throw new Error(`case took ${Math.round(elapsed)} ms`);
  return result;
}
