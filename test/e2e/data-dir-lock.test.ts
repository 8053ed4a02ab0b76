/**
 * One data dir, one owner (src/server/data-dir-lock.ts): a second `zonal serve` on a dir in
 * use stops without touching it; a lock left by a killed server never blocks a restart; and
 * of several starters racing for a stale lock exactly one wins.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { zonalS3Client } from '../../src/index.js';
import { claimFileFor, DataDirLock, LOCK_FILE, type LockHolder } from '../../src/server/data-dir-lock.js';
import { startZonal, type RunningZonal } from '../../src/server/start.js';
import { repoRoot, runServeToExit, startServerProcess } from '../helpers/cli-server.js';
import { bucketName, createBucketInput, ROOT_KEY } from '../helpers/zonal-fixture.js';

const ENV = {
  ZONAL_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
  ZONAL_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
};
const onLinux = fs.existsSync('/proc/self/stat');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-lock-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function lockHolder(dataDir: string): LockHolder | undefined {
  const file = path.join(dataDir, LOCK_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder) : undefined;
}

/** Every entry under `dir` (and `dir` itself) with its type, size and mtime in nanoseconds. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string): void => {
    const full = path.join(dir, rel);
    const st = fs.lstatSync(full, { bigint: true });
    out[rel || '.'] = `${st.isDirectory() ? 'dir' : 'file'} size=${st.size} mtime=${st.mtimeNs}`;
    if (st.isDirectory()) for (const name of fs.readdirSync(full).sort()) visit(path.join(rel, name));
  };
  visit('');
  return out;
}

/** /proc/<pid>/stat field 22 (start time), as the lock records it. */
function procStart(pid: number): string {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** A pid that no process has now: one that just exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  assert.ok(pid !== undefined);
  return pid;
}

/** Lock-file text naming `pid` on this host, as a server would write it. */
function lockText(pid: number, start: string | null): string {
  const holder: LockHolder = {
    pid,
    procStart: start,
    hostname: os.hostname(),
    bootId: bootId(),
    since: new Date().toISOString(),
    nonce: Math.random().toString(16).slice(2),
  };
  return JSON.stringify(holder) + '\n';
}

describe('a second server on a locked data dir', { timeout: 120_000 }, () => {
  test('exits non-zero naming the dir and the holder, changes nothing, and the first keeps serving', async (t) => {
    const dataDir = tempDir(t);
    const first = await startServerProcess(['--port', '0', '--data-dir', dataDir, '--fsync=false'], ENV);
    t.after(() => first.stop('SIGKILL'));
    const { s3, control, destroy } = zonalS3Client({ endpoint: first.endpoint, credentials: ROOT_KEY });
    t.after(destroy);
    const bucket = bucketName();
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'first server' }));
    assert.equal(lockHolder(dataDir)?.pid, first.child.pid, 'the lock names the first server');

    const before = snapshot(dataDir);
    // Each would write to the dir if it started: root credentials (none in the environment,
    // and the stored file has only the account id), a self-signed certificate, the workers'
    // primary's sweep and migrations.
    for (const extra of [[], ['--tls-self-signed'], ['--workers', '2']]) {
      const second = await runServeToExit(['--port', '0', '--data-dir', dataDir, ...extra]);
      const what = `zonal serve ${extra.join(' ')}`;
      assert.notEqual(second.code, 0, `${what} must not start:\n${second.output}`);
      assert.ok(second.stderr.includes(dataDir), `${what}: stderr names ${dataDir}:\n${second.stderr}`);
      assert.match(
        second.stderr,
        new RegExp(`in use by another Zonal server \\(pid ${first.child.pid} on host `),
      );
      assert.doesNotMatch(second.stderr, /^\s+at /m, 'a message, not a stack trace');
      assert.deepEqual(snapshot(dataDir), before, `${what} changed nothing in the data dir`);
    }

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(await got.Body!.transformToString(), 'first server');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'still mine' }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k2' }))).ContentLength, 10);
    destroy();
    assert.equal(await first.stop('SIGTERM'), 0);
    assert.equal(fs.existsSync(path.join(dataDir, LOCK_FILE)), false, 'a graceful stop removes the lock');
  });

  test('--workers: the primary holds the lock for its workers; a second server is refused', async (t) => {
    const dataDir = tempDir(t);
    const server = await startServerProcess(
      ['--port', '0', '--data-dir', dataDir, '--fsync=false', '--workers', '2'],
      ENV,
    );
    t.after(() => server.stop('SIGKILL'));
    assert.match(server.output(), /2 worker processes share the port/);
    assert.equal(lockHolder(dataDir)?.pid, server.child.pid, 'the lock names the primary');
    const { s3, control, destroy } = zonalS3Client({ endpoint: server.endpoint, credentials: ROOT_KEY });
    t.after(destroy);
    const bucket = bucketName();
    await control.send(new CreateBucketCommand(createBucketInput(bucket)));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));

    const second = await runServeToExit(['--port', '0', '--data-dir', dataDir], ENV);
    assert.notEqual(second.code, 0, second.output);
    assert.match(second.stderr, new RegExp(`pid ${server.child.pid} on host `));
    destroy();
    assert.equal(await server.stop('SIGTERM'), 0);
    assert.equal(fs.existsSync(path.join(dataDir, LOCK_FILE)), false, 'removed once all workers stopped');
  });

  test('startZonal in one process: a second start on the dir is refused; close() releases it', async (t) => {
    const dataDir = tempDir(t);
    const config = { ...DEFAULT_CONFIG, port: 0, dataDir, fsync: false };
    const running: RunningZonal[] = [];
    t.after(() => Promise.all(running.map((z) => z.close())));
    const start = async (): Promise<RunningZonal> => {
      const zonal = await startZonal(config, ENV);
      running.push(zonal);
      return zonal;
    };
    await start();
    assert.equal(lockHolder(dataDir)?.pid, process.pid);
    await assert.rejects(start(), (err: Error) => {
      assert.ok(err.message.includes(dataDir), err.message);
      assert.match(err.message, new RegExp(`in use by another Zonal server \\(pid ${process.pid} `));
      return true;
    });
    await running.shift()!.close();
    assert.equal(fs.existsSync(path.join(dataDir, LOCK_FILE)), false, 'close() removes the lock');
    await start();
    assert.equal(lockHolder(dataDir)?.pid, process.pid, 'a start after close() takes it again');
  });

  test('a start that fails after taking the lock releases it', async (t) => {
    const dataDir = tempDir(t);
    const iamFile = path.join(dataDir, 'bad-iam.json');
    fs.writeFileSync(iamFile, '{ not json');
    await assert.rejects(startZonal({ ...DEFAULT_CONFIG, port: 0, dataDir, fsync: false, iamFile }, ENV));
    assert.equal(fs.existsSync(path.join(dataDir, LOCK_FILE)), false);
  });
});

describe('a stale lock', { timeout: 120_000 }, () => {
  test('after SIGKILL a restart on the same dir starts at once and has the data', async (t) => {
    const dataDir = tempDir(t);
    const args = ['--port', '0', '--data-dir', dataDir];
    const server = await startServerProcess(args, ENV);
    t.after(() => server.stop('SIGKILL'));
    const bucket = bucketName();
    let clients = zonalS3Client({ endpoint: server.endpoint, credentials: ROOT_KEY });
    await clients.control.send(new CreateBucketCommand(createBucketInput(bucket)));
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'before-kill', Body: 'durable' }));
    clients.destroy();
    const killed = server.child.pid!;
    assert.equal(await server.stop('SIGKILL'), null, 'killed by the signal');
    assert.equal(lockHolder(dataDir)?.pid, killed, 'the kill left its lock behind');

    const started = Date.now();
    const restarted = await startServerProcess(args, ENV);
    t.after(() => restarted.stop('SIGKILL'));
    const took = Date.now() - started;
    assert.equal(lockHolder(dataDir)?.pid, restarted.child.pid, 'the restart took the lock over');
    clients = zonalS3Client({ endpoint: restarted.endpoint, credentials: ROOT_KEY });
    t.after(clients.destroy);
    const got = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'before-kill' }));
    assert.equal(await got.Body!.transformToString(), 'durable');
    clients.destroy();
    assert.equal(await restarted.stop('SIGTERM'), 0);
    assert.ok(took < 10_000, `restart took ${took} ms`);
  });

  test('holders judged: a live one is honoured, a dead, reused-pid or garbled one is taken over', async (t) => {
    const dataDir = tempDir(t);
    const file = path.join(dataDir, LOCK_FILE);
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    t.after(() => live.kill('SIGKILL'));
    await new Promise((resolve) => live.once('spawn', resolve));
    const livePid = live.pid!;

    const refuses = (text: string, pattern: RegExp): void => {
      fs.writeFileSync(file, text);
      const before = snapshot(dataDir);
      assert.throws(() => DataDirLock.acquire(dataDir), pattern);
      assert.deepEqual(snapshot(dataDir), before, 'a refused start writes nothing');
    };
    const takesOver = (text: string, what: string): void => {
      fs.writeFileSync(file, text);
      const lock = DataDirLock.acquire(dataDir);
      assert.equal(lockHolder(dataDir)?.pid, process.pid, what);
      lock.release();
      assert.equal(fs.existsSync(file), false, `${what}: released`);
    };

    refuses(lockText(livePid, onLinux ? procStart(livePid) : null), new RegExp(`pid ${livePid} on host`));
    refuses(
      JSON.stringify({ ...JSON.parse(lockText(livePid, null)), hostname: 'elsewhere.example' }),
      new RegExp(`another host \\(pid ${livePid} on host elsewhere\\.example.*remove ${file}`),
    );
    takesOver(lockText(deadPid(), null), 'a dead pid');
    takesOver('', 'an empty lock file (a power loss before it reached the disk)');
    takesOver('{"pid": 1', 'a garbled lock file');
    if (onLinux) {
      takesOver(lockText(livePid, '1'), 'a live pid with another start time (the pid was reused)');
      // A holder killed but not yet reaped by its parent is a zombie: `kill(pid, 0)` still
      // succeeds. Here the parent (sleep, after exec) never reaps its exited child. The child
      // outlives the exec by a second: one that exited before it could be reaped by the shell.
      const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 60']);
      t.after(() => parent.kill('SIGKILL'));
      const zombiePid = await new Promise<number>((resolve) =>
        parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
      );
      const stateOf = (pid: number): string => {
        const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return text.slice(text.lastIndexOf(')') + 2).split(' ')[0]!;
      };
      for (let i = 0; i < 250 && stateOf(zombiePid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(stateOf(zombiePid), 'Z');
      takesOver(lockText(zombiePid, procStart(zombiePid)), 'a zombie (dead, not reaped)');
    }
  });

  test('starters racing for a stale lock: exactly one wins, the others name it', async (t) => {
    const STARTERS = 4;
    const ROUNDS = 12;
    const root = tempDir(t);
    const variants: { what: string; seed: (dir: string) => void }[] = [
      {
        what: 'dead pid',
        seed: (dir) => fs.writeFileSync(path.join(dir, LOCK_FILE), lockText(deadPid(), null)),
      },
      { what: 'garbled', seed: (dir) => fs.writeFileSync(path.join(dir, LOCK_FILE), '') },
      {
        what: 'dead pid, and a claim on it by a starter that died too',
        seed: (dir) => {
          const stale = lockText(deadPid(), null);
          fs.writeFileSync(path.join(dir, LOCK_FILE), stale);
          fs.writeFileSync(claimFileFor(dir, stale), lockText(deadPid(), null));
        },
      },
    ];
    if (onLinux)
      variants.push({
        what: 'reused pid',
        seed: (dir) => fs.writeFileSync(path.join(dir, LOCK_FILE), lockText(process.pid, '1')),
      });
    const rounds = Array.from({ length: ROUNDS }, (_, i) => {
      const dir = path.join(root, `round-${i}`);
      fs.mkdirSync(dir);
      const variant = variants[i % variants.length]!;
      variant.seed(dir);
      return { dir, what: variant.what };
    });

    // Each starter spins until the same instant, round by round, then tries to take the lock.
    const moduleUrl = new URL(`file://${path.join(repoRoot, 'dist/src/server/data-dir-lock.js')}`).href;
    const script = `
      import { DataDirLock } from ${JSON.stringify(moduleUrl)};
      const { startAt, step, dirs } = JSON.parse(process.env.ZONAL_RACE);
      const held = [];
      const results = dirs.map((dir, i) => {
        while (Date.now() < startAt + i * step);
        try {
          held.push(DataDirLock.acquire(dir));
          return { won: true };
        } catch (err) {
          return { won: false, name: err.name, message: err.message };
        }
      });
      process.stdout.write(JSON.stringify({ pid: process.pid, results }) + '\\n');
      process.stdin.resume(); // hold the locks until the test has looked
    `;
    const race = JSON.stringify({ startAt: Date.now() + 2_500, step: 100, dirs: rounds.map((r) => r.dir) });
    const children: ChildProcess[] = [];
    const reports = await Promise.all(
      Array.from({ length: STARTERS }, () => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...process.env, ZONAL_RACE: race },
        });
        children.push(child);
        t.after(() => child.kill('SIGKILL'));
        return new Promise<{ pid: number; results: { won: boolean; name?: string; message?: string }[] }>(
          (resolve, reject) => {
            let out = '';
            let err = '';
            child.stdout!.on('data', (d: Buffer) => {
              out += d.toString();
              if (out.includes('\n')) resolve(JSON.parse(out));
            });
            child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
            child.once('exit', (code) => reject(new Error(`starter exited ${code}: ${err}`)));
          },
        );
      }),
    );

    rounds.forEach((round, i) => {
      const winners = reports.filter((r) => r.results[i]!.won);
      assert.equal(winners.length, 1, `round ${i} (${round.what}): one winner, not ${winners.length}`);
      const winner = winners[0]!.pid;
      assert.equal(lockHolder(round.dir)?.pid, winner, `round ${i}: the lock names the winner`);
      for (const loser of reports.filter((r) => r.pid !== winner)) {
        const result = loser.results[i]!;
        assert.equal(result.name, 'DataDirLockedError', `round ${i}: ${result.message}`);
        assert.match(result.message!, new RegExp(`pid ${winner} on host `), `round ${i}`);
      }
      assert.deepEqual(fs.readdirSync(round.dir), [LOCK_FILE], `round ${i}: no claim or temp file left`);
    });

    // A starter that exits without release() leaves no lock behind.
    await Promise.all(
      children.map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin!.end();
        return exited;
      }),
    );
    for (const round of rounds) assert.deepEqual(fs.readdirSync(round.dir), []);
  });
});
