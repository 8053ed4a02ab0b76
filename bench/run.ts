/**
 * `npm run bench`: starts Zonal, nginx and s3rver, drives them with wrk (requests presigned
 * beforehand), and writes bench/results/latest.{json,md,svg}. See bench/README.md.
 */
import { stopAll } from './lib/children.js';
import { BenchContext } from './lib/context.js';
import { ensureTools } from './lib/install.js';
import { gitCommit, machineInfo } from './lib/machine.js';
import { parseOptions, USAGE } from './lib/options.js';
import { cleanRunDir, otherCpuLoad, prepareRunDir } from './lib/run-dir.js';
import { printReport, writeReport } from './lib/report.js';
import type { BenchReport, CaseResult } from './lib/results.js';
import { evaluateTargets } from './lib/targets.js';
import { selectScenarios, SCENARIOS } from './scenarios/index.js';

// The SDK's notice about future Node versions is noise in a benchmark's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.list) {
    for (const s of SCENARIOS) console.log(`${s.id.padEnd(16)} ${s.description}`);
    return 0;
  }
  const scenarios = selectScenarios(options.only);
  const ctx = new BenchContext(options);
  ensureTools({
    wrk: scenarios.some((s) => s.needs.wrk),
    nginx: ctx.wants('nginx') && scenarios.some((s) => s.needs.nginx),
    s3rver: ctx.wants('s3rver') && scenarios.some((s) => s.needs.s3rver),
  });
  prepareRunDir();
  const busy = await otherCpuLoad();
  if (busy > 0.15)
    console.warn(
      `!! the machine is ${Math.round(busy * 100)}% busy before the run: figures will be low and noisy`,
    );

  const startedAt = new Date();
  const cases: CaseResult[] = [];
  const failures: BenchReport['failures'] = [];
  try {
    for (const scenario of scenarios) {
      console.log(`\n== ${scenario.id}: ${scenario.description}`);
      try {
        cases.push(...(await scenario.run(ctx)));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        console.error(`!! ${scenario.id} failed: ${message}`);
        failures.push({ scenario: scenario.id, error: message });
      }
    }
  } finally {
    await ctx.close();
    await stopAll();
    cleanRunDir();
  }
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings: {
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      threads: options.threads,
      quick: options.quick,
      only: options.only,
      systems: options.systems,
    },
    commit: gitCommit(),
    machine: machineInfo(),
    cpuBusyBefore: busy,
    cases,
    targets: evaluateTargets(cases),
    failures,
  };
  printReport(report);
  const written = await writeReport(report, options.save);
  console.log(`\nResults: ${written.join(', ')}`);
  // A reference's own errors (s3rver under load, say) are flagged in the table, not a failed run.
  const flagged = cases.map((c) => c.subject).filter((m) => m?.flag !== undefined);
  const referencesFlagged = cases.flatMap((c) => c.references).filter((m) => m?.flag !== undefined).length;
  if (referencesFlagged > 0) console.warn(`\n${referencesFlagged} reference measurement(s) flagged (⚠).`);
  if (failures.length > 0 || flagged.length > 0) {
    console.error(`\n${failures.length} scenario(s) failed, ${flagged.length} Zonal measurement(s) flagged.`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err) => {
    console.error(err instanceof Error ? err.stack : err);
    await stopAll();
    process.exitCode = 1;
  },
);
