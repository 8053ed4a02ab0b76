import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file compiles to dist/bench/lib/paths.js). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const benchDir = path.join(repoRoot, 'bench');
/** Installed tools that are not project dependencies (s3rver). */
export const depsDir = path.join(benchDir, '.deps');
/** Scratch data: data dirs, nginx config, wrk scripts, logs. */
export const workDir = path.join(benchDir, '.work');
export const resultsDir = path.join(benchDir, 'results');
export const zonalBin = path.join(repoRoot, 'bin/zonal.js');
/** Compiled benchmark entry points run as child processes. */
export const distBenchDir = path.join(repoRoot, 'dist/bench');
