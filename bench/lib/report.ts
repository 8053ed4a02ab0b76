import fs from 'node:fs';
import path from 'node:path';
import { benchDir, resultsDir, workDir } from './paths.js';
import { NOISY, ratio, type BenchReport, type CaseResult, type Measurement } from './results.js';
import { ratioChart } from './svg-chart.js';

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function value(m: Measurement, unit: string): string {
  const digits = unit === 'req/s' || unit === 'ops/s' ? 0 : unit === 'ms' ? 0 : 1;
  return `${fmt(m.value, digits)} ${unit}`;
}

const ms = (n: number | undefined): string => (n === undefined ? '' : n < 10 ? n.toFixed(2) : n.toFixed(1));

function ratioText(c: CaseResult, r: Measurement): string {
  const q = ratio(c, r);
  return q === undefined ? '' : `${q >= 10 ? q.toFixed(1) : q.toFixed(2)}×`;
}

function noiseSummary(report: BenchReport): string {
  const shares = report.cases
    .flatMap((c) => [c.subject, ...c.references])
    .map((m) => m?.otherCpu)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  if (shares.length === 0) return 'an unknown share';
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  return `${pct(shares[Math.floor(shares.length / 2)]!)} (median), ${pct(shares[shares.length - 1]!)} (max)`;
}

/** The machine and settings lines shared by the Markdown and the console output. */
function machineLines(report: BenchReport): string[] {
  const m = report.machine;
  return [
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; ${m.os}, ${m.kernel}; Node ${m.node}`,
    `- Disk: ${m.disk}`,
    `- Tools: ${m.wrk}, ${m.nginx} (1 worker), ${m.s3rver}`,
    `- Zonal at commit ${report.commit}`,
    `- Load: wrk, ${report.settings.threads} threads, keep-alive, ${report.settings.seconds} s per run after ${report.settings.warmupSeconds} s of warm-up, loopback` +
      (report.settings.quick ? ' (--quick smoke run: figures are indicative only)' : ''),
    `- CPU busy before the run (other processes): ${Math.round(report.cpuBusyBefore * 100)}%` +
      (report.cpuBusyBefore > 0.15 ? ' ⚠ the machine was not quiet: figures are low and noisy' : '') +
      `; during the wrk runs, other processes used ${noiseSummary(report)} of the CPUs`,
  ];
}

export function markdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`### Run of ${report.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`, '');
  lines.push(...machineLines(report), '');
  lines.push('#### Targets', '', '| Target | Required | Measured | Status |', '|---|---|---|---|');
  for (const t of report.targets)
    lines.push(
      `| ${t.target} | ${t.required} | ${t.measured} | ${t.status === 'met' ? '✅ met' : t.status === 'not met' ? '❌ not met' : '— not measured'} |`,
    );
  lines.push('', '#### Results', '');
  lines.push(
    '| Case | System | Result | p50 ms | p99 ms | Zonal ÷ system | Notes |',
    '|---|---|--:|--:|--:|--:|---|',
  );
  for (const c of report.cases) {
    const rows: [Measurement, boolean][] = [
      ...(c.subject ? [[c.subject, true] as [Measurement, boolean]] : []),
      ...c.references.map((r) => [r, false] as [Measurement, boolean]),
    ];
    rows.forEach(([m, isSubject], i) => {
      const noisy =
        m.otherCpu !== undefined && m.otherCpu > NOISY
          ? `noisy: others used ${Math.round(m.otherCpu * 100)}% CPU`
          : '';
      const notes = [m.flag ? `⚠ ${m.flag}` : '', noisy, i === 0 && c.note ? c.note : '']
        .filter((s) => s)
        .join('; ');
      lines.push(
        `| ${i === 0 ? c.title : ''} | ${isSubject ? `**${m.system}**` : m.system} | ${value(m, c.unit)} | ${ms(m.latencyMs?.p50)} | ${ms(m.latencyMs?.p99)} | ${isSubject ? '' : ratioText(c, m)} | ${notes} |`,
      );
    });
  }
  if (report.failures.length > 0) {
    lines.push('', '#### Failed scenarios', '');
    for (const f of report.failures) lines.push(`- ${f.scenario}: ${f.error.split('\n')[0]}`);
  }
  lines.push('', '![Zonal relative to each reference](latest.svg)', '');
  return lines.join('\n');
}

/** A plain-text table for the terminal. */
export function printReport(report: BenchReport): void {
  console.log('\n' + machineLines(report).join('\n') + '\n');
  const header = ['Case', 'System', 'Result', 'p50 ms', 'p99 ms', 'Zonal÷sys'];
  const rows: string[][] = [];
  for (const c of report.cases) {
    const all = [...(c.subject ? [c.subject] : []), ...c.references];
    all.forEach((m, i) =>
      rows.push([
        i === 0 ? c.title : '',
        `${m.system}${m.flag ? ' ⚠' : ''}`,
        value(m, c.unit),
        ms(m.latencyMs?.p50),
        ms(m.latencyMs?.p99),
        m === c.subject ? '' : ratioText(c, m),
      ]),
    );
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('\nTargets:');
  for (const t of report.targets)
    console.log(`  [${t.status}] ${t.target}: ${t.measured} (required ${t.required})`);
  for (const f of report.failures) console.log(`  FAILED ${f.scenario}: ${f.error.split('\n')[0]}`);
}

/** Replaces the "Latest results" section of bench/README.md with this run's table. */
async function updateReadme(report: BenchReport): Promise<string | undefined> {
  const file = path.join(benchDir, 'README.md');
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const start = '<!-- latest:start -->';
  const end = '<!-- latest:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return undefined;
  const table = markdown(report).replace('(latest.svg)', '(results/latest.svg)').trim();
  const updated = `${text.slice(0, i + start.length)}\n${table}\n${text.slice(j)}`;
  // Formatted as `npm run lint` expects (prettier aligns Markdown tables).
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(updated, { ...config, filepath: file }));
  return file;
}

/**
 * Always writes bench/.work/results/last.*; with `save`, also bench/results/latest.* and a
 * timestamped JSON copy and the README's latest table. Returns the paths written.
 */
export async function writeReport(report: BenchReport, save: boolean): Promise<string[]> {
  const written: string[] = [];
  const write = (dir: string, base: string): void => {
    fs.mkdirSync(dir, { recursive: true });
    const files: [string, string][] = [
      [`${base}.json`, JSON.stringify(report, null, 2) + '\n'],
      [`${base}.md`, markdown(report).replace('(latest.svg)', `(${base}.svg)`)],
      [`${base}.svg`, ratioChart(report)],
    ];
    for (const [name, text] of files) {
      fs.writeFileSync(path.join(dir, name), text);
      written.push(path.join(dir, name));
    }
  };
  write(path.join(workDir, 'results'), 'last');
  if (save) {
    write(resultsDir, 'latest');
    const stamp = report.startedAt.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
    const copy = path.join(resultsDir, `${stamp}.json`);
    fs.copyFileSync(path.join(resultsDir, 'latest.json'), copy);
    written.push(copy);
    const readme = await updateReadme(report);
    if (readme !== undefined) written.push(readme);
  }
  return written;
}
