import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const zonalBin = path.join(repoRoot, 'bin/zonal.js');

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  endpoint: string;
  /** Resident set size of the server process now, in bytes (Linux /proc). */
  rss(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `zonal serve` as a separate process, as a user would, and waits for its banner. */
export async function startServerProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [zonalBin, 'serve', ...args], {
    env: { PATH: process.env.PATH, ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 10_000);
    const check = (): void => {
      const match = /Zonal listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  return {
    child,
    output: () => out,
    endpoint,
    rss: () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
