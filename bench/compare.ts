/**
 * `node dist/bench/compare.js --against <checkout> [--rounds N] [run.js options]`: this
 * checkout against another build of Zonal (a worktree of the old revision, built), run in
 * turns — old, new, old, new… — and compared by the median of the rounds. On a machine
 * whose load moves between runs (a VM's steal time can halve a run), turns spread the noise
 * over both builds alike, where one run of each would mostly measure the noise.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './lib/paths.js';
import type { BenchReport } from './lib/results.js';

const USAGE = `Usage: node dist/bench/compare.js --against <checkout> [--rounds 4] [run.js options]

  --against <dir>   another checkout of Zonal, built (npm run build there): the "before"
  --rounds <n>      turns of each build (default 4)
  other options go to run.js in both checkouts (default: --systems none); e.g.
  node dist/bench/compare.js --against ../zonal-old --only get-4k --concurrency 16
  BENCH_SECONDS, BENCH_WARMUP and the other BENCH_* variables apply to every run.`;

interface Figures {
  title: string;
  unit: string;
  values: number[];
  cpu: number[];
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One run of a checkout's bench; its subjects' figures are added to `into`, by case id. */
function runOnce(checkout: string, args: readonly string[], into: Map<string, Figures>): void {
  const run = spawnSync(process.execPath, [path.join(checkout, 'dist/bench/run.js'), ...args, '--no-save'], {
    cwd: checkout,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`the bench in ${checkout} exited with ${run.status ?? run.signal}`);
  const report = JSON.parse(
    fs.readFileSync(path.join(checkout, 'bench/.work/results/last.json'), 'utf8'),
  ) as BenchReport;
  for (const c of report.cases) {
    if (c.subject === undefined) continue;
    const figures = into.get(c.id) ?? { title: c.title, unit: c.unit, values: [], cpu: [] };
    figures.values.push(c.subject.value);
    if (c.subject.cpuUsPerRequest !== undefined) figures.cpu.push(c.subject.cpuUsPerRequest);
    into.set(c.id, figures);
  }
}

function describe(f: Figures | undefined): string {
  if (f === undefined) return '—';
  const cpu = median(f.cpu);
  const value = Math.round(median(f.values)!).toLocaleString('en-US');
  return `${value} ${f.unit}${cpu === undefined ? '' : `, ${Math.round(cpu)} µs CPU/req`}`;
}

function main(): number {
  const { values, tokens } = parseArgs({
    args: process.argv.slice(2),
    options: {
      against: { type: 'string' },
      rounds: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: false,
    tokens: true,
  });
  if (values.help || typeof values.against !== 'string') {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const against = path.resolve(values.against);
  if (!fs.existsSync(path.join(against, 'dist/bench/run.js'))) {
    console.error(`${against} has no dist/bench/run.js: build it first (npm run build there)`);
    return 2;
  }
  const rounds = Number(values.rounds ?? 4);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer');
  // Everything but our own options goes to run.js, in order.
  const ours = new Set(['against', 'rounds', 'help']);
  const passed: string[] = [];
  for (const t of tokens ?? []) {
    if (t.kind === 'option' && ours.has(t.name)) continue;
    if (t.kind === 'option') passed.push(t.rawName, ...(t.value === undefined ? [] : [t.value]));
    else if (t.kind === 'positional') passed.push(t.value);
  }
  if (!passed.some((a) => a === '--systems' || a.startsWith('--systems='))) passed.push('--systems', 'none');

  const before = new Map<string, Figures>();
  const after = new Map<string, Figures>();
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round} of ${rounds}: before (${against}), then after (${repoRoot})`);
    runOnce(against, passed, before);
    runOnce(repoRoot, passed, after);
  }
  console.log(`\nMedians of ${rounds} rounds, in turns:`);
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(id);
    const a = after.get(id);
    const percent =
      a !== undefined && b !== undefined
        ? Math.round((median(a.values)! / median(b.values)! - 1) * 100)
        : undefined;
    const change = percent === undefined ? '' : ` (${percent >= 0 ? '+' : ''}${percent}%)`;
    console.log(`  ${(a ?? b)!.title}: before ${describe(b)}; after ${describe(a)}${change}`);
  }
  return 0;
}

process.exitCode = main();
