/** Above this share of CPU used by other processes during a measurement, it is marked noisy. */
export const NOISY = 0.1;

/** What one system scored in one case. */
export interface Measurement {
  /** zonal, zonal (fsync off), nginx, s3rver, disk… */
  system: string;
  /** The headline figure, in the case's unit. */
  value: number;
  latencyMs?: { p50: number; p99: number };
  /** Requests that failed (connect/read/write errors, timeouts, non-2xx/3xx statuses). */
  errors: number;
  /** Share of all CPUs other processes used during the measurement (0–1): noise. */
  otherCpu?: number;
  /** CPU time the server process (and its children) used per request, in µs, when measured. */
  cpuUsPerRequest?: number;
  /** Set when the figure must not be trusted as is (errors, failed checks). */
  flag?: string;
  /** Anything else worth keeping in the JSON (raw wrk figures, samples…). */
  detail?: Record<string, unknown>;
}

/** One line of comparison: Zonal against its references, under the same load. */
export interface CaseResult {
  /** e.g. get-4k-c16 */
  id: string;
  /** Scenario id the case belongs to (what --only selects). */
  scenario: string;
  title: string;
  unit: 'req/s' | 'MiB/s' | 'ms' | 'ops/s' | 'MiB';
  /** False for times (cold start): the ratio then reads "times slower". */
  higherIsBetter: boolean;
  concurrency?: number;
  subject?: Measurement;
  references: Measurement[];
  note?: string;
}

export function ratio(c: CaseResult, reference: Measurement): number | undefined {
  if (c.subject === undefined || reference.value <= 0) return undefined;
  return c.subject.value / reference.value;
}

export interface TargetResult {
  target: string;
  required: string;
  measured: string;
  status: 'met' | 'not met' | 'not measured';
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  kernel: string;
  os: string;
  node: string;
  disk: string;
  wrk: string;
  nginx: string;
  s3rver: string;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  settings: {
    seconds: number;
    warmupSeconds: number;
    threads: number;
    quick: boolean;
    only: string[];
    systems: string[];
  };
  /** The commit the run measured (with "+ uncommitted changes" when src/ differed from it). */
  commit: string;
  machine: MachineInfo;
  /** Share of CPU time busy in the second before the run (other processes): > 0.15 spoils figures. */
  cpuBusyBefore: number;
  cases: CaseResult[];
  targets: TargetResult[];
  /** Scenarios that threw: their cases are missing. */
  failures: { scenario: string; error: string }[];
}
