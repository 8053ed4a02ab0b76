import fs from 'node:fs';
import path from 'node:path';
import { runDir, workDir } from './paths.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates this run's directory and removes those of runs that are no longer alive. */
export function prepareRunDir(): void {
  const runs = path.join(workDir, 'runs');
  fs.mkdirSync(runs, { recursive: true });
  for (const name of fs.readdirSync(runs)) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid))
      fs.rmSync(path.join(runs, name), { recursive: true, force: true });
  }
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
}

/** Drops the bulky parts of this run (data dirs, static files); logs and wrk scripts stay until the next run. */
export function cleanRunDir(): void {
  for (const dir of ['data', 'nginx/www', 'nginx/tmp', 'disk'])
    fs.rmSync(path.join(runDir, dir), { recursive: true, force: true });
}

function cpuTimes(): { idle: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { idle, total: fields.reduce((a, b) => a + b, 0) };
}

/** Share of all cores busy over `ms` (the harness itself is idle meanwhile). */
export async function otherCpuLoad(ms = 1000): Promise<number> {
  try {
    const a = cpuTimes();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const b = cpuTimes();
    const total = b.total - a.total;
    return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
  } catch {
    return 0; // Not Linux: unknown, assume quiet.
  }
}
