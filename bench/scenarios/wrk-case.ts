import type { BenchContext } from '../lib/context.js';
import { watchOtherCpu, watchProcessCpu } from '../lib/cpu-share.js';
import { redact, request } from '../lib/http-probe.js';
import { NOISY, type CaseResult, type Measurement } from '../lib/results.js';
import { runWrk } from '../lib/wrk.js';

/** One system under one load: where to send which requests. */
export interface Arm {
  system: string;
  endpoint: string;
  method: 'GET' | 'PUT';
  paths: string[];
  body?: Buffer;
  /** Checked on one request before the run: status 200 (2xx for PUT) and, if set, this body length. */
  expectLength?: number;
  /** Further check of that first response body: a message when it is wrong. */
  checkBody?: (body: Buffer) => string | undefined;
  /** The server's process: its CPU time per request is recorded (µs), besides the rate. */
  serverPid?: number | undefined;
}

/** Sends the first request once by hand: a server that does not answer 2xx is not measured. */
async function preflight(arm: Arm): Promise<void> {
  const url = arm.endpoint + arm.paths[0];
  const shown = redact(url);
  const res = await request(url, { method: arm.method, ...(arm.body ? { body: arm.body } : {}) });
  const ok = arm.method === 'GET' ? res.status === 200 : res.status >= 200 && res.status < 300;
  if (!ok)
    throw new Error(
      `${arm.system}: ${arm.method} ${shown} answered ${res.status}: ${res.body.toString().slice(0, 300)}`,
    );
  if (arm.expectLength !== undefined && res.body.length !== arm.expectLength)
    throw new Error(
      `${arm.system}: ${shown} returned ${res.body.length} bytes, expected ${arm.expectLength}`,
    );
  const wrong = arm.checkBody?.(res.body);
  if (wrong !== undefined) throw new Error(`${arm.system}: ${shown}: ${wrong}`);
}

/** Runs wrk against one arm and turns its summary into a measurement (flagged on any error). */
export async function measureArm(
  ctx: BenchContext,
  arm: Arm,
  connections: number,
  name: string,
): Promise<Measurement> {
  await preflight(arm);
  const job = {
    endpoint: arm.endpoint,
    method: arm.method,
    paths: arm.paths,
    ...(arm.body ? { body: arm.body } : {}),
    connections,
    threads: ctx.options.threads,
    name,
  };
  // Warm-up, not recorded: a fresh process has cold JIT and caches; every system gets the same.
  if (ctx.options.warmupSeconds > 0) await runWrk({ ...job, seconds: ctx.options.warmupSeconds });
  const otherCpu = watchOtherCpu();
  const serverCpu = arm.serverPid === undefined ? undefined : watchProcessCpu(arm.serverPid);
  const r = await runWrk({ ...job, seconds: ctx.options.seconds });
  const others = otherCpu();
  const cpuUsPerRequest =
    serverCpu === undefined || r.requests === 0 ? undefined : (serverCpu() * 1000) / r.requests;
  await ctx.trimLogs();
  const m: Measurement = {
    system: arm.system,
    value: r.requestsPerSecond,
    latencyMs: { p50: r.latencyMs.p50, p99: r.latencyMs.p99 },
    errors: r.errorCount,
    otherCpu: others,
    ...(cpuUsPerRequest === undefined ? {} : { cpuUsPerRequest }),
    detail: { wrk: r },
  };
  if (r.errorCount > 0) m.flag = `${r.errorCount} failed requests (${JSON.stringify(r.errors)})`;
  if (r.requests === 0) m.flag = 'no request completed';
  const lat = m.latencyMs!;
  console.log(
    `    ${arm.system.padEnd(18)} c${String(connections).padEnd(3)} ${Math.round(r.requestsPerSecond)
      .toString()
      .padStart(
        7,
      )} req/s  p50 ${lat.p50.toFixed(2)} ms  p99 ${lat.p99.toFixed(2)} ms${cpuUsPerRequest === undefined ? '' : `  ${Math.round(cpuUsPerRequest)} µs CPU/req`}${others > NOISY ? `  (others used ${Math.round(others * 100)}% CPU)` : ''}${m.flag ? `  !! ${m.flag}` : ''}`,
  );
  return m;
}

/** Runs every arm at each concurrency; the first arm is the subject (Zonal), the rest references. */
export async function wrkCases(
  ctx: BenchContext,
  /** `key` names the cases (`<key>-c<n>`, default the scenario id). */
  base: { scenario: string; key?: string; title: string; note?: string; unit?: 'req/s' | 'ops/s' },
  arms: Arm[],
  concurrencies: number[],
): Promise<CaseResult[]> {
  const cases: CaseResult[] = [];
  for (const c of concurrencies) {
    const measured: Measurement[] = [];
    for (const arm of arms) {
      const slug = arm.system.replace(/[^a-z0-9]+/gi, '-');
      measured.push(await measureArm(ctx, arm, c, `${base.key ?? base.scenario}-c${c}-${slug}`));
    }
    const [subject, ...references] = measured;
    cases.push({
      id: `${base.key ?? base.scenario}-c${c}`,
      scenario: base.scenario,
      title: `${base.title}, c${c}`,
      unit: base.unit ?? 'req/s',
      higherIsBetter: true,
      concurrency: c,
      ...(subject ? { subject } : {}),
      references,
      ...(base.note ? { note: base.note } : {}),
    });
  }
  return cases;
}
