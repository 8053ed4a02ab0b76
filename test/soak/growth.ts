/**
 * Figures of a sampled run and the "no growth" verdict. After the warm-up the samples are cut
 * in thirds; growth is the median of the last third against the median of the first (medians:
 * one garbage collection or one burst of in-flight requests moves them little).
 */
import type { ProcessSample } from './process-sampler.js';

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
  sockets: SeriesFigures;
}

/**
 * RSS may end at most this much above where it started. A leak of L bytes per request
 * shows as L × (requests between the thirds' middles); the long run sends hundreds of
 * thousands of requests there, so 48 MiB catches a leak of a few hundred bytes per request
 * and of a few KiB per session, while staying above what V8 and the allocator move by
 * themselves at a constant load (young generation resizing, old generation growing until
 * its next mark-compact: tens of MiB, measured when this was written).
 */
export const RSS_GROWTH_BYTES = 48 * 1024 * 1024;

/**
 * File descriptors are the listener, SQLite's three files, one socket per client connection
 * and the blob files of requests in flight. The load has a fixed number of workers and
 * keep-alive agents, so after the warm-up none of these can rise for good: the highest count
 * may exceed the warm-up's by a few more files in flight at once at most (the median moves by
 * as many, so it is reported, not judged). Once the clients have closed their connections the
 * server must be back at its idle count exactly: see {@link idleViolations}.
 */
export const FD_PEAK_SLACK = 8;
/** Sockets: one per connection; the agents' pools stop growing once the warm-up filled them. */
export const SOCKET_PEAK_SLACK = 4;

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
    sockets: series((s) => s.sockets, idle, warmup, steady),
  };
}

/** What grew: an empty list is the "no growth" verdict. */
export function growthViolations(f: GrowthFigures): string[] {
  const out: string[] = [];
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (f.rss.lastThirdMedian - f.rss.firstThirdMedian > RSS_GROWTH_BYTES) {
    out.push(
      `RSS grew from ${mib(f.rss.firstThirdMedian)} to ${mib(f.rss.lastThirdMedian)} (median of the first and last third), more than ${mib(RSS_GROWTH_BYTES)}`,
    );
  }
  if (f.fds.max > f.fds.warmupMax + FD_PEAK_SLACK) {
    out.push(
      `${f.fds.max} file descriptors open, the warm-up's peak was ${f.fds.warmupMax} (slack ${FD_PEAK_SLACK})`,
    );
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
  if (after.fds !== idle.fds)
    out.push(`${after.fds} file descriptors open after the load, ${idle.fds} before it`);
  if (after.sockets !== idle.sockets)
    out.push(`${after.sockets} sockets open after the load, ${idle.sockets} before it`);
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
  return [line('RSS MiB', f.rss, mib), line('fds', f.fds, String), line('sockets', f.sockets, String)];
}
