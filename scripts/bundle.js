#!/usr/bin/env node
/**
 * Bundles the compiled server (dist/src, from tsc) into dist/bundle/, which bin/zonal.js runs
 * when it is there: loading a few files instead of ~240 modules is most of a cold start
 * (bench/README.md, "Cold start, before/after"). Part of `npm run build`.
 */
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/bundle');
fs.rmSync(outdir, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: {
    main: 'dist/src/cli/main.js',
    // Started by the checkpointer as new URL('./checkpoint-worker.js', import.meta.url).
    'checkpoint-worker': 'dist/src/storage/sqlite/checkpoint-worker.js',
  },
  outdir,
  bundle: true,
  // Sub-commands, prom-client and the AWS SDK stay behind their dynamic import(), in chunks
  // of their own that serving never loads.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [
    // Native addons find their binaries relative to their own package.
    'better-sqlite3',
    '@node-rs/crc32',
    // CommonJS that src loads with import(): as a split chunk, esbuild would export only its
    // default, not `generate`.
    'selfsigned',
  ],
  // Bundled CommonJS packages (pino, prom-client) require() Node's modules: ESM has no require.
  banner: {
    js: "import { createRequire as __zonalRequire } from 'node:module'; const require = __zonalRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});

// A file the code opens by URL relative to its own module must sit beside the chunk that
// asks for it, or it would be missing only in the bundled build.
for (const output of Object.keys(result.metafile.outputs)) {
  const code = fs.readFileSync(path.join(root, output), 'utf8');
  for (const [, relative] of code.matchAll(/new URL\(["'](\.[^"']+)["'],\s*import\.meta\.url\)/g)) {
    const target = path.resolve(path.dirname(path.join(root, output)), relative);
    if (!fs.existsSync(target)) throw new Error(`${output} opens ${relative}, which the bundle lacks`);
  }
}
