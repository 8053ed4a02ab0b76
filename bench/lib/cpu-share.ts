import fs from 'node:fs';

/** utime+stime+cutime+cstime of one process, in clock ticks (0 if it is gone). */
function ticksOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  } catch {
    return 0;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * Starts counting the CPU time of process `pid` and its children; the returned function gives
 * the CPU milliseconds used since. Divided by the requests served, it is the server's cost
 * per request, which other load on the host changes far less than its throughput.
 */
export function watchProcessCpu(pid: number): () => number {
  const start = treeTicks(pid);
  return () => ((treeTicks(pid) - start) * 1000) / TICKS_PER_SECOND;
}

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU ticks used by this process and everything below it (servers, nginx workers, wrk),
 * including children already reaped (cutime/cstime), so an exit inside a window still counts.
 */
function treeTicks(root = process.pid): number {
  let sum = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    sum += ticksOf(pid);
    stack.push(...childrenOf(pid));
  }
  return sum;
}

function systemTicks(): { busy: number; total: number } {
  const fields = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/**
 * Starts watching; the returned function gives the share of all CPUs that processes outside
 * the harness used since then (0–1). Figures taken while that share is high are noisy.
 */
export function watchOtherCpu(): () => number {
  try {
    const s0 = systemTicks();
    const t0 = treeTicks();
    return () => {
      const s1 = systemTicks();
      const ours = treeTicks() - t0;
      const total = s1.total - s0.total;
      return total > 0 ? Math.max(0, (s1.busy - s0.busy - ours) / total) : 0;
    };
  } catch {
    return () => 0; // No /proc: unknown.
  }
}
