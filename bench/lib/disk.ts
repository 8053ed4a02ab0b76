import fs from 'node:fs';
import path from 'node:path';
import { runDir } from './paths.js';

export const diskDir = path.join(runDir, 'disk');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The disk's single-stream durable write rate: write `blockSize` bytes at the end of a file,
 * fsync, repeat for `seconds` (the file wraps at 256 MiB). One writer, nothing batched: the
 * rate a server without group commit could at best acknowledge durable writes at.
 */
export function fsyncRate(
  blockSize: number,
  seconds: number,
): { opsPerSecond: number; p50: number; p99: number } {
  fs.mkdirSync(diskDir, { recursive: true });
  const file = path.join(diskDir, `fsync-${blockSize}.bin`);
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(blockSize, 0xa5);
  const wrapAt = Math.max(blockSize, Math.floor((256 * 2 ** 20) / blockSize) * blockSize);
  const latencies: number[] = [];
  let position = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  try {
    for (let t = start; t < end;) {
      fs.writeSync(fd, block, 0, blockSize, position);
      fs.fsyncSync(fd);
      const now = performance.now();
      latencies.push(now - t);
      t = now;
      position = (position + blockSize) % wrapAt;
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    opsPerSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** A plain sequential write of `bytes` in 8 MiB chunks, then one fsync: MiB/s. */
export function plainWrite(bytes: number): { mibPerSecond: number; seconds: number } {
  fs.mkdirSync(diskDir, { recursive: true });
  const file = path.join(diskDir, 'plain-write.bin');
  const chunk = Buffer.alloc(8 * 2 ** 20, 0x5a);
  const start = performance.now();
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < bytes;) {
      const n = Math.min(chunk.length, bytes - written);
      written += fs.writeSync(fd, chunk, 0, n);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const seconds = (performance.now() - start) / 1000;
  fs.rmSync(file, { force: true });
  return { mibPerSecond: bytes / 2 ** 20 / seconds, seconds };
}
