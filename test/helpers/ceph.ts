/**
 * A throwaway one-node Ceph with an S3 gateway, for tests of the S3 blob tier against a real
 * upstream: one mon, one BlueStore OSD on a sparse file, one radosgw, all under a temp dir,
 * on free ports, with cephx (radosgw hangs with auth "none"). Installs Debian's packages when
 * they are missing. Every daemon runs in its own process group (detached, like setsid) under
 * a recorded PID, and `stop()` ends each group and removes the dir; so do an exit hook and,
 * if this process is killed outright, a watchdog: a failing test leaves no daemon behind.
 * Notes on why each setting is there: /work/shared/design/storage-and-cluster.md ("Blob tiers").
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

const PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common'];
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'monmaptool'];

export interface Ceph {
  /** The S3 endpoint, http://127.0.0.1:PORT. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A bucket created for the tests. */
  bucket: string;
  /** Milliseconds from nothing to a usable S3 user and bucket (install excluded). */
  startMs: number;
  /** Creates another bucket. */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

function hasBinaries(): boolean {
  const dirs = (process.env['PATH'] ?? '').split(':');
  return BINARIES.every((bin) => dirs.some((dir) => fs.existsSync(path.join(dir, bin))));
}

/**
 * apt-get update + install, serialised by a lock file (two test processes, or another apt on
 * the machine: apt's own lock is waited for too).
 */
async function installCeph(log: (line: string) => void): Promise<void> {
  if (hasBinaries()) return;
  const began = Date.now();
  const apt = `apt-get -o DPkg::Lock::Timeout=600 -q`;
  const script =
    `command -v radosgw >/dev/null && command -v ceph-osd >/dev/null && exit 0; ` +
    `${apt} update && ${apt} install -y --no-install-recommends ${PACKAGES.join(' ')}`;
  await run('flock', ['/tmp/zonal-ceph-apt.lock', 'sh', '-c', script], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60 * 1000,
  });
  if (!hasBinaries())
    throw new Error(`installing ${PACKAGES.join(' ')} left some of ${BINARIES.join(' ')} missing`);
  log(`installed ${PACKAGES.join(' ')} in ${Date.now() - began} ms`);
}

const RGW_POOLS = [
  '.rgw.root',
  'default.rgw.control',
  'default.rgw.meta',
  'default.rgw.log',
  'default.rgw.buckets.index',
  'default.rgw.buckets.data',
  'default.rgw.buckets.non-ec',
];

/** Every daemon of every Ceph this process started, for the exit hook. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Unref'd while it ran (a test process need not wait for it); waited for now.
    child.ref();
    // The data is thrown away: no need for a clean shutdown (radosgw takes seconds).
    killGroup(pid, 'SIGKILL');
    await exited;
  }
  // Whatever the daemon forked is in its group too.
  killGroup(pid, 'SIGKILL');
  liveGroups.delete(pid);
}

export async function startCeph(
  log: (line: string) => void = (line) => console.log(`# ceph: ${line}`),
): Promise<Ceph> {
  await installCeph(log);
  const began = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-ceph-'));
  const daemons: ChildProcess[] = [];
  const watchdog = startWatchdog(dir);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const child of daemons.reverse()) await stopDaemon(child);
    fs.rmSync(dir, { recursive: true, force: true });
    await stopDaemon(watchdog);
  };
  try {
    const ceph = await boot(dir, daemons, log);
    log(`usable S3 user and bucket after ${Date.now() - began} ms (${ceph.endpoint})`);
    return { ...ceph, startMs: Date.now() - began, stop };
  } catch (err) {
    const logs = tailLogs(path.join(dir, 'log'));
    await stop();
    throw new Error(`Ceph did not start: ${(err as Error).message}\n${logs}`, { cause: err });
  }
}

/**
 * A process outside ours that ends the daemons (their groups are listed in `<dir>/groups`) and
 * removes the dir once this process is gone: the exit hook cannot run if it is SIGKILLed (a
 * test runner's timeout, a CI job cancelled).
 */
function startWatchdog(dir: string): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'for g in $(cat "$2/groups" 2>/dev/null); do kill -9 "-$g" 2>/dev/null; done; rm -rf "$2"';
  const child = spawn('sh', ['-c', script, 'ceph-watchdog', String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  child.unref();
  return child;
}

/** The last lines of each daemon log, for a start-up failure's message. */
function tailLogs(logDir: string): string {
  if (!fs.existsSync(logDir)) return '';
  return fs
    .readdirSync(logDir)
    .map((name) => {
      const lines = fs.readFileSync(path.join(logDir, name), 'utf8').trimEnd().split('\n');
      return `--- ${name}\n${lines.slice(-15).join('\n')}`;
    })
    .join('\n');
}

async function boot(
  dir: string,
  daemons: ChildProcess[],
  log: (line: string) => void,
): Promise<Omit<Ceph, 'startMs' | 'stop'>> {
  const t0 = Date.now();
  const step = (what: string): void => log(`${what} at +${Date.now() - t0} ms`);
  const fsid = randomUUID();
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'ceph.conf');
  for (const sub of ['log', 'run', 'mon', 'osd/ceph-0', 'rgw'])
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
  fs.writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
log to stderr = false
err to stderr = false
mon cluster log file = ${dir}/log/cluster.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 1
osd pool default pgp num = 1
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon data avail warn = 1
mon data avail crit = 0
[mon]
mon data = ${dir}/mon/ceph-$id
keyring = ${dir}/mon.keyring
[osd]
osd data = ${dir}/osd/ceph-$id
keyring = ${dir}/osd/ceph-$id/keyring
osd objectstore = bluestore
bluestore block path = ${dir}/osd-block-$id
bluestore block create = true
bluestore block size = 4294967296
bluestore fsck on mkfs = false
bluestore cache size = 134217728
osd memory target = 536870912
osd op num shards = 1
osd op num threads per shard = 2
[client.admin]
keyring = ${dir}/admin.keyring
[client.rgw.a]
keyring = ${dir}/rgw.keyring
rgw data = ${dir}/rgw
rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw thread pool size = 64
`,
  );
  const cmd = async (bin: string, ...args: string[]): Promise<string> => {
    try {
      const { stdout } = await run(bin, ['-c', conf, ...args], {
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${bin} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, { cause: err });
    }
  };
  const tool = async (bin: string, ...args: string[]): Promise<string> => {
    const { stdout } = await run(bin, args, { timeout: 60_000 });
    return stdout;
  };
  const daemon = (name: string, bin: string, ...args: string[]): void => {
    const out = fs.openSync(path.join(dir, 'log', `${name}.stdout`), 'a');
    // detached: a process group of its own (setsid), ended as a whole by stop().
    const child = spawn(bin, ['-f', '-c', conf, ...args], { detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    if (child.pid === undefined) throw new Error(`cannot start ${bin}`);
    liveGroups.add(child.pid);
    fs.appendFileSync(path.join(dir, 'groups'), `${child.pid}\n`);
    child.unref();
    daemons.push(child);
    step(`${name} started (pid ${child.pid})`);
  };
  const ceph = (...args: string[]): Promise<string> => cmd('ceph', '--connect-timeout', '30', ...args);

  // Keys: the mon's, and the admin's imported into it so the CLI can talk to the mon.
  const monKeyring = path.join(dir, 'mon.keyring');
  const adminKeyring = path.join(dir, 'admin.keyring');
  await tool(
    'ceph-authtool',
    '--create-keyring',
    monKeyring,
    '--gen-key',
    '-n',
    'mon.',
    '--cap',
    'mon',
    'allow *',
  );
  await tool(
    'ceph-authtool',
    '--create-keyring',
    adminKeyring,
    '--gen-key',
    '-n',
    'client.admin',
    '--cap',
    'mon',
    'allow *',
    '--cap',
    'osd',
    'allow *',
    '--cap',
    'mgr',
    'allow *',
  );
  await tool('ceph-authtool', monKeyring, '--import-keyring', adminKeyring);
  const monmap = path.join(dir, 'monmap');
  await tool('monmaptool', '--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, monmap);
  await cmd('ceph-mon', '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', monKeyring);
  daemon('mon', 'ceph-mon', '-i', 'a');

  // The OSD: its key registered with the mon by `osd new`, its store on a sparse file.
  const osdUuid = randomUUID();
  const osdKey = (await tool('ceph-authtool', '--gen-print-key')).trim();
  const secrets = path.join(dir, 'osd-secrets.json');
  fs.writeFileSync(secrets, JSON.stringify({ cephx_secret: osdKey }));
  const osdId = (await ceph('osd', 'new', osdUuid, '-i', secrets)).trim();
  if (osdId !== '0') throw new Error(`expected osd id 0, got ${osdId}`);
  step('mon answers');
  // radosgw's pools, made at once (while the OSD is made) rather than one by one as it starts (and as its first
  // bucket is created): each creation waits for a new OSD map.
  const pools = Promise.all(
    RGW_POOLS.map(async (pool) => {
      await ceph('osd', 'pool', 'create', pool, '1', '1');
      await ceph('osd', 'pool', 'application', 'enable', pool, 'rgw');
    }),
  );
  fs.writeFileSync(path.join(dir, 'osd/ceph-0/keyring'), `[osd.0]\n\tkey = ${osdKey}\n`);
  await cmd('ceph-osd', '-i', '0', '--mkfs', '--osd-uuid', osdUuid);
  step('osd mkfs done');
  daemon('osd', 'ceph-osd', '-i', '0');

  await pools;
  step('pools created');
  // The gateway's key.
  await ceph(
    'auth',
    'get-or-create',
    'client.rgw.a',
    'mon',
    'allow rw',
    'osd',
    'allow rwx',
    '-o',
    path.join(dir, 'rgw.keyring'),
  );
  daemon('rgw', 'radosgw', '-n', 'client.rgw.a');
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  await waitFor('radosgw to answer', 90_000, async () => {
    const res = await fetch(endpoint).catch(() => undefined);
    return res !== undefined && res.status < 500;
  });
  step('radosgw answers');

  const accessKeyId = randomBytes(10).toString('hex').toUpperCase();
  const secretAccessKey = randomBytes(20).toString('base64url');
  await cmd(
    'radosgw-admin',
    'user',
    'create',
    '--uid=zonal',
    '--display-name=Zonal tests',
    `--access-key=${accessKeyId}`,
    `--secret-key=${secretAccessKey}`,
  );
  const region = 'us-east-1';
  const createBucket = async (name: string): Promise<void> => {
    const client = new S3Client({
      endpoint,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    } finally {
      client.destroy();
    }
  };
  const bucket = 'zonal-blobs';
  // A new user's key can take a moment to be seen by the gateway (its user cache).
  await waitFor('the S3 user to be accepted', 30_000, async () => {
    try {
      await createBucket(bucket);
      return true;
    } catch {
      return false;
    }
  });
  step('bucket created');
  return { endpoint, region, accessKeyId, secretAccessKey, bucket, createBucket };
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
