#!/usr/bin/env node
import fs from 'node:fs';

// The bundled build (scripts/bundle.js, part of npm run build) loads a few files instead of
// ~240 modules: most of a cold start. After a bare `tsc` it is stale: rebuild, or delete dist/bundle.
const bundle = new URL('../dist/bundle/main.js', import.meta.url);
const { main } = await import(fs.existsSync(bundle) ? bundle.href : '../dist/src/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
