import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file compiles to dist/bench/lib/paths.js). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const benchDir = path.join(repoRoot, 'bench');
/** Installed tools that are not project dependencies (s3rver). */
export const depsDir = path.join(benchDir, '.deps');
/** Scratch space of the harness (git-ignored). */
export const workDir = path.join(benchDir, '.work');
/**
 * This run's data dirs, nginx config, wrk scripts and logs: one directory per run, so that
 * two runs at once (a profile while a full run goes on) never delete each other's data.
 */
export const runDir = path.join(workDir, 'runs', String(process.pid));
export const resultsDir = path.join(benchDir, 'results');
export const zonalBin = path.join(repoRoot, 'bin/zonal.js');
/** Compiled benchmark entry points run as child processes. */
export const distBenchDir = path.join(repoRoot, 'dist/bench');
