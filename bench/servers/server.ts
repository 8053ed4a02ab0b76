import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { isRunning, stopChild } from '../lib/children.js';
import { waitForHttp } from '../lib/http-probe.js';

/** One server under test, running as its own process on the loopback. */
export interface BenchServer {
  /** Label in reports: zonal, zonal (fsync off), nginx, s3rver. */
  readonly label: string;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly child: ChildProcess;
  /** Where its output and request logs go (trimmed between runs). */
  readonly logFiles: string[];
  stop(): Promise<void>;
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Opens a log file for a child's stdout+stderr (append: it can be truncated under the writer). */
export function openLog(file: string): number {
  return fs.openSync(file, 'a');
}

/** Keeps request logs from filling the disk over a long run; the writer appends, so truncation is safe. */
export function trimLog(file: string, maxBytes = 64 * 1024 * 1024): void {
  try {
    if (fs.statSync(file).size > maxBytes) fs.truncateSync(file, 0);
  } catch {
    // No log yet.
  }
}

export function stopper(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): () => Promise<void> {
  return () => stopChild(child, signal);
}

/**
 * Waits until the server on `port` answers HTTP at all (any status: readiness, not
 * correctness), failing early if `child` exits. Returns its endpoint.
 */
export async function waitUntilAnswering(port: number, child: ChildProcess): Promise<string> {
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHttp(
    `${endpoint}/`,
    (s) => s > 0,
    15_000,
    10,
    () => isRunning(child),
  );
  return endpoint;
}
