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

export interface ServerProcessOptions {
  /** Working directory of the server process (default: this process's). */
  cwd?: string;
}

/** Runs `zonal serve` as a separate process, as a user would, and waits for its banner. */
export async function startServerProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [zonalBin, 'serve', ...args], {
    env: { PATH: process.env.PATH, ...env },
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a server that never came up must not outlive the test
      reject(new Error(`no banner: ${out}`));
    }, 10_000);
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
        // A process killed by a signal has signalCode set and exitCode null: it is gone too.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/**
 * Runs `zonal serve` expecting it to fail at start-up: resolves with its exit code and output
 * (stdout and stderr as they came, and stderr alone) once it exits. A server that comes up
 * instead is killed and reported as exit code 0 with its banner, so the caller's assertion
 * shows what happened; one that neither exits nor listens within `timeoutMs` is killed and
 * rejected (a hang is a failure too).
 */
export function runServeToExit(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 10_000,
): Promise<{ code: number | null; output: string; stderr: string }> {
  const child = spawn(process.execPath, [zonalBin, 'serve', ...args], {
    env: { PATH: process.env.PATH, ...env },
  });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    let listening = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`zonal serve ${args.join(' ')} neither exited nor listened: ${out}`));
    }, timeoutMs);
    child.stdout.on('data', () => {
      if (!listening && out.includes('Zonal listening on')) {
        listening = true;
        child.kill('SIGKILL');
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: listening ? 0 : code, output: out, stderr });
    });
  });
}
