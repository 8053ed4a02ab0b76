/** Samples a process's resident memory and open file descriptors from Linux /proc, once a second. */
import fs from 'node:fs';
import path from 'node:path';

export interface ProcessSample {
  /** Since the sampler started, ms. */
  atMs: number;
  /** VmRSS, bytes. */
  rss: number;
  /** Entries of /proc/<pid>/fd. */
  fds: number;
  /** Those of them that are sockets: the listener, stdio pipes, one per open connection. */
  sockets: number;
  /** Directories: the storage keeps one open per blob shard for fsync (at most 256). */
  dirs: number;
  /** Blob and temp files of the data dir: open only while a request reads or writes one. */
  requestFiles: number;
}

/** Non-socket, non-directory, non-request descriptors: SQLite's files, pipes, epoll, … */
export const otherFds = (s: ProcessSample): number => s.fds - s.sockets - s.dirs - s.requestFiles;

export function sampleProcess(pid: number, dataDir: string, atMs: number): ProcessSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  const dir = `/proc/${pid}/fd`;
  const blobs = path.join(dataDir, 'blobs') + path.sep;
  const tmp = path.join(dataDir, 'tmp') + path.sep;
  const fds = fs.readdirSync(dir);
  const sample = { atMs, rss, fds: fds.length, sockets: 0, dirs: 0, requestFiles: 0 };
  for (const fd of fds) {
    try {
      const target = fs.readlinkSync(`${dir}/${fd}`);
      if (target.startsWith('socket:')) sample.sockets += 1;
      else if (target.startsWith('/') && fs.statSync(`${dir}/${fd}`).isDirectory()) sample.dirs += 1;
      else if (target.startsWith(blobs) || target.startsWith(tmp)) sample.requestFiles += 1;
    } catch {
      // Closed between the listing and the look: counted in `fds`, classified as other.
    }
  }
  return sample;
}

export class ProcessSampler {
  readonly samples: ProcessSample[] = [];
  private readonly startedAt = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    private readonly dataDir: string,
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
    const sample = sampleProcess(this.pid, this.dataDir, this.elapsed());
    this.samples.push(sample);
    return sample;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
