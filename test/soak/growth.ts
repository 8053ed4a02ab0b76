/**
 * Figures of a sampled run and the "no growth" verdict. After the warm-up the samples are cut
 * in thirds; growth is the median of the last third against the median of the first (medians:
 * one garbage collection or one burst of in-flight requests moves them little).
 */
import { otherFds, type ProcessSample } from './process-sampler.js';

export interface SeriesFigures {
  /** The idle server before the load. */
  idle: number;
  /** At the end of the warm-up. */
  start: number;
  /** The last sample of the load. */
  end: number;
  /** Highest during the warm-up. */
  warmupMax: number;
  /** Highest after the warm-up. */
  max: number;
  firstThirdMedian: number;
  lastThirdMedian: number;
}

export interface GrowthFigures {
  /** Samples after the warm-up. */
  samples: number;
  rss: SeriesFigures;
  fds: SeriesFigures;
  /** Descriptors but the shard directories held for fsync. */
  workingFds: SeriesFigures;
  sockets: SeriesFigures;
  dirs: SeriesFigures;
}

/**
 * RSS may end at most this much above where it started after the warm-up (median of the last
 * third against the first). A leak of L bytes per request adds L × the requests sent between
 * the two thirds' middles: in the 10-minute run that is six minutes, 20,000 to 70,000
 * requests (throughput depends on what else the machine runs), so 32 MiB catches a leak of
 * 0.5 to 1.7 KiB per request. What a constant load moves by itself stays well below it:
 * V8's old generation grows until its next mark-compact, and the server's bounded caches fill
 * (the session-token cache keeps up to 10,000 sessions, about 1 KiB each): +4 MiB measured
 * over the 10-minute run. (`long` applies to runs of 5 minutes or more.) The short run stops while the heap still grows to its working size
 * (about 140 MiB, reached a minute in): there only gross leaks can be told apart, with 64 MiB.
 */
export const RSS_GROWTH_BYTES = { long: 32 * 1024 * 1024, short: 64 * 1024 * 1024 };

/**
 * File descriptors are the listener, stdio, SQLite's files, one socket per client connection,
 * the blob files of requests in flight, and one directory per blob shard that the storage
 * keeps open for fsync. The load has a fixed number of workers and keep-alive agents, so
 * after the warm-up none of these can rise for good: the highest count but the directories
 * may exceed the warm-up's by a few more files in flight at once at most (the medians move
 * by as many, so they are reported, not judged). The directories are bounded by the shard
 * count. Once the clients have closed their connections the server must be back at its
 * idle count: see {@link idleViolations}.
 */
export const FD_PEAK_SLACK = 8;
/** Sockets: one per connection; the agents' pools stop growing once the warm-up filled them. */
export const SOCKET_PEAK_SLACK = 4;
/** Blob shards (`blobs/00` … `blobs/ff`): at most one directory fd each. */
export const SHARD_DIRS = 256;
/**
 * The WAL checkpoint thread (src/storage/sqlite/checkpointer.ts), started by the first hundred
 * writes: its event loop (epoll, eventfd, a pipe pair), and its own connection's database,
 * WAL and shared-memory files.
 */
const CHECKPOINT_THREAD_FDS = 7;
/**
 * Files the server opens on first use and keeps (the WAL, for group fsync; the checkpoint
 * thread): a constant few more than the idle server had, not one per request.
 */
export const HELD_FILE_SLACK = 2 + CHECKPOINT_THREAD_FDS;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function series(
  pick: (s: ProcessSample) => number,
  idle: ProcessSample,
  warmup: readonly ProcessSample[],
  steady: readonly ProcessSample[],
): SeriesFigures {
  const third = Math.max(1, Math.floor(steady.length / 3));
  return {
    idle: pick(idle),
    start: pick(steady[0]!),
    end: pick(steady[steady.length - 1]!),
    warmupMax: Math.max(...warmup.map(pick)),
    max: Math.max(...steady.map(pick)),
    firstThirdMedian: median(steady.slice(0, third).map(pick)),
    lastThirdMedian: median(steady.slice(-third).map(pick)),
  };
}

/**
 * `samples` from the sampler, the first taken before any request; the load ran from `loadStartMs` to `loadEndMs` (sampler time),
 * the first `warmupMs` of it being the warm-up.
 */
export function growthFigures(
  samples: readonly ProcessSample[],
  loadStartMs: number,
  warmupMs: number,
  loadEndMs: number,
): GrowthFigures {
  // The first sample: the server as it started, before any request.
  const idle = samples[0];
  const warmup = samples.filter((s) => s.atMs > loadStartMs && s.atMs <= loadStartMs + warmupMs);
  const steady = samples.filter((s) => s.atMs > loadStartMs + warmupMs && s.atMs <= loadEndMs);
  if (idle === undefined || idle.atMs > loadStartMs || warmup.length === 0 || steady.length < 3) {
    throw new Error(`too few samples: ${warmup.length} in the warm-up, ${steady.length} after it`);
  }
  return {
    samples: steady.length,
    rss: series((s) => s.rss, idle, warmup, steady),
    fds: series((s) => s.fds, idle, warmup, steady),
    workingFds: series((s) => s.fds - s.dirs, idle, warmup, steady),
    sockets: series((s) => s.sockets, idle, warmup, steady),
    dirs: series((s) => s.dirs, idle, warmup, steady),
  };
}

/** What grew: an empty list is the "no growth" verdict. */
export function growthViolations(f: GrowthFigures, rssToleranceBytes: number): string[] {
  const out: string[] = [];
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (f.rss.lastThirdMedian - f.rss.firstThirdMedian > rssToleranceBytes) {
    out.push(
      `RSS grew from ${mib(f.rss.firstThirdMedian)} to ${mib(f.rss.lastThirdMedian)} (median of the first and last third), more than ${mib(rssToleranceBytes)}`,
    );
  }
  if (f.workingFds.max > f.workingFds.warmupMax + FD_PEAK_SLACK) {
    out.push(
      `${f.workingFds.max} file descriptors open (shard directories aside), the warm-up's peak was ${f.workingFds.warmupMax} (slack ${FD_PEAK_SLACK})`,
    );
  }
  if (Math.max(f.dirs.max, f.dirs.warmupMax) > SHARD_DIRS) {
    out.push(`${f.dirs.max} directories open, more than the ${SHARD_DIRS} blob shards`);
  }
  if (f.sockets.max > f.sockets.warmupMax + SOCKET_PEAK_SLACK) {
    out.push(
      `${f.sockets.max} sockets open, the warm-up's peak was ${f.sockets.warmupMax} (slack ${SOCKET_PEAK_SLACK})`,
    );
  }
  return out;
}

/**
 * The server after the load, once every client closed its connections, against the idle
 * server before it: anything still open is a leak (a blob file, a socket, a statement).
 */
export function idleViolations(idle: ProcessSample, after: ProcessSample): string[] {
  const out: string[] = [];
  if (after.requestFiles !== 0)
    out.push(`${after.requestFiles} blob or temp files still open after the load`);
  if (after.sockets !== idle.sockets)
    out.push(`${after.sockets} sockets open after the load, ${idle.sockets} before it`);
  if (otherFds(after) > otherFds(idle) + HELD_FILE_SLACK) {
    out.push(`${otherFds(after)} other descriptors open after the load, ${otherFds(idle)} before it`);
  }
  if (after.dirs > SHARD_DIRS) out.push(`${after.dirs} directories open after the load`);
  return out;
}

/** Median RSS (MiB) of each of `parts` equal stretches of the load: the shape of the curve. */
export function rssTimeline(
  samples: readonly ProcessSample[],
  loadStartMs: number,
  loadEndMs: number,
  parts = 10,
): number[] {
  const span = (loadEndMs - loadStartMs) / parts;
  const out: number[] = [];
  for (let i = 0; i < parts; i++) {
    const from = loadStartMs + i * span;
    const part = samples.filter((s) => s.atMs > from && s.atMs <= from + span).map((s) => s.rss);
    if (part.length > 0) out.push(Math.round((median(part) / 1024 / 1024) * 10) / 10);
  }
  return out;
}

/** One line per series, for the test's diagnostics and docs/RELIABILITY.md. */
export function describeFigures(f: GrowthFigures): string[] {
  const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
  const line = (name: string, s: SeriesFigures, unit: (n: number) => string): string =>
    `${name}: idle ${unit(s.idle)}, after warm-up ${unit(s.start)}, end ${unit(s.end)}, max ${unit(s.max)} ` +
    `(warm-up max ${unit(s.warmupMax)}; median first third ${unit(s.firstThirdMedian)}, last third ${unit(s.lastThirdMedian)})`;
  return [
    line('RSS MiB', f.rss, mib),
    line('fds', f.fds, String),
    line('fds but shard dirs', f.workingFds, String),
    line('sockets', f.sockets, String),
    line('shard dirs', f.dirs, String),
  ];
}
