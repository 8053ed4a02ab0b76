/**
 * A throwaway PostgreSQL server for tests: Debian's postgresql-15 binaries, `initdb` into a
 * temp dir as the `postgres` user (the server refuses to run as root), listening on a free
 * port of 127.0.0.1 and on a socket in the temp dir. One server per test file; each harness
 * takes a database of its own (`createDatabase`). Stopped and removed by `stop()`.
 *
 * fsync stays on: the durability and kill -9 tests need commits that are real.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

export interface TestPostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:PORT/NAME` (trust authentication on the loopback only). */
  url(database: string): string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Shuts the server down (fast shutdown) but keeps its data dir, for `resume()`. */
  pause(): Promise<void>;
  /** Starts the server again on the same data dir and port; resolves once it accepts connections. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Where the server binaries are, or undefined (tests then fail with a clear message). */
export function postgresBinDir(): string | undefined {
  return BIN_DIRS.find((dir) => fs.existsSync(path.join(dir, 'initdb')));
}

let databases = 0;

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (bin === undefined)
    throw new Error('PostgreSQL server binaries not found (apt-get install postgresql-15)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-pg-'));
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const asPostgres = os.userInfo().uid === 0 ? { uid: userId('postgres'), gid: groupId('postgres') } : {};
  if (os.userInfo().uid === 0) fs.chownSync(dir, asPostgres.uid!, asPostgres.gid!);
  await run(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
    { ...asPostgres, cwd: dir },
  );
  const port = await freePort();
  const url = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const launch = async (): Promise<{ server: ChildProcess; exited: Promise<void> }> => {
    const server: ChildProcess = spawn(
      path.join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-k',
        dir,
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=32MB',
      ],
      { ...asPostgres, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    await waitUntilAccepting(
      url('postgres'),
      () => server.exitCode !== null,
      () => log,
    );
    return { server, exited };
  };
  let running: { server: ChildProcess; exited: Promise<void> } | undefined = await launch();
  const shutDown = async (): Promise<void> => {
    const current = running;
    running = undefined;
    if (current && current.server.exitCode === null) {
      current.server.kill('SIGINT'); // fast shutdown
      await current.exited;
    }
  };
  return {
    port,
    url,
    async createDatabase(name) {
      const db = name ?? `zonal_${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${db}`);
      } finally {
        await client.end();
      }
      return url(db);
    },
    pause: shutDown,
    async resume() {
      if (running === undefined) running = await launch();
    },
    async stop() {
      await shutDown();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAccepting(url: string, gone: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (gone() || Date.now() > deadline) {
        throw new Error(`PostgreSQL did not start: ${String(err)}\n${log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function userId(name: string): number {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no user ${name}`);
  return Number(line.split(':')[2]);
}

function groupId(name: string): number {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no user ${name}`);
  return Number(line.split(':')[3]);
}
