/** Samples a process's resident memory and open file descriptors from Linux /proc, once a second. */
import fs from 'node:fs';

export interface ProcessSample {
  /** Since the sampler started, ms. */
  atMs: number;
  /** VmRSS, bytes. */
  rss: number;
  /** Entries of /proc/<pid>/fd. */
  fds: number;
  /** Those of them that are sockets: the listener plus one per open connection. */
  sockets: number;
}

export function sampleProcess(pid: number, atMs: number): ProcessSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  const dir = `/proc/${pid}/fd`;
  const fds = fs.readdirSync(dir);
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(`${dir}/${fd}`).startsWith('socket:')) sockets += 1;
    } catch {
      // Closed between the listing and the readlink: not open any more.
    }
  }
  return { atMs, rss, fds: fds.length, sockets };
}

export class ProcessSampler {
  readonly samples: ProcessSample[] = [];
  private readonly startedAt = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 1000,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), intervalMs);
  }

  /** Sampler time: ms since it started. */
  elapsed(): number {
    return Date.now() - this.startedAt;
  }

  /** Takes one more sample now (and returns it). */
  take(): ProcessSample {
    const sample = sampleProcess(this.pid, this.elapsed());
    this.samples.push(sample);
    return sample;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
