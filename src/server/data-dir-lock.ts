/**
 * One data dir, one owner: `<data-dir>/zonal.lock` names the server process that owns the dir
 * (pid, its start time from /proc, host, boot id). A second server reads it, sees a live
 * holder and stops before it creates or changes anything. A lock whose holder is gone (killed
 * with SIGKILL, or the machine rebooted) is taken over at once: liveness is `kill(pid, 0)`,
 * and the process start time in /proc/<pid>/stat tells a reused pid from the holder.
 *
 * Node has no flock, so the file's contents are the lock, and every change is atomic:
 *
 * - A lock file appears whole: it is written under a temporary name and hard-linked to
 *   `zonal.lock`, which fails (EEXIST) when one is there. Of two starters on a free dir, one
 *   link succeeds.
 * - A stale lock is replaced by a rename over it (never removed first, so no one can create
 *   one in between), and only by the starter that holds its claim: `zonal.lock.claim-<h>`, h
 *   a hash of the stale file's bytes, created by link (one wins), holding the claimant's
 *   record. Under the claim the claimant checks that `zonal.lock` still has those bytes, then
 *   renames; no one else can change a version they do not hold the claim of. A claim whose
 *   holder died in between is itself stale and taken over the same way (a claim of the claim).
 *   Of two starters on a stale lock, one wins; the other then sees a live holder.
 * - Release (graceful stop) unlinks the file if it still holds this holder's bytes.
 *
 * A holder on another host (a network filesystem, or a container with another hostname)
 * cannot be checked from here; its lock is honoured, and the message says which file to
 * remove once that server is known to be gone. Pids are looked up in this process's pid
 * namespace: two containers with the same hostname sharing a dir are not told apart.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'zonal.lock';
const CLAIM_PREFIX = `${LOCK_FILE}.claim-`;
const TMP_PREFIX = `${LOCK_FILE}.tmp-`;
/** How long a starter waits for a live starter that is replacing the same stale lock. */
const CLAIM_WAIT_MS = 5_000;

/** What a lock file records about the process holding it. */
export interface LockHolder {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot), where /proc exists. */
  procStart: string | null;
  hostname: string;
  /** /proc/sys/kernel/random/boot_id, where it exists: a reboot ends every holder. */
  bootId: string | null;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** Makes every written lock file unique, so its bytes identify it. */
  nonce: string;
}

/** A lock file as read: its bytes, a hash naming this version, and the holder if it parses. */
interface LockVersion {
  raw: string;
  key: string;
  holder: LockHolder | undefined;
}

type HolderState = 'alive' | 'gone' | 'unverifiable';

/** Thrown when another live (or uncheckable) server holds the data dir. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    readonly holder: LockHolder,
    unverifiable: boolean,
  ) {
    const who = `pid ${holder.pid} on host ${holder.hostname}, since ${holder.since}`;
    super(
      unverifiable
        ? `data dir ${dataDir} is locked by a Zonal server on another host (${who}), which cannot ` +
            `be checked from here; if no server runs there any more, remove ${lockFile}`
        : `data dir ${dataDir} is in use by another Zonal server (${who}; lock file ${lockFile})`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** Lock files this process holds (by key), so a second start in the same process is refused. */
const heldHere = new Map<string, { file: string; raw: string }>();
let exitHookInstalled = false;

/** The exclusive ownership of a data dir by this process. */
export class DataDirLock {
  private released = false;

  private constructor(
    readonly dataDir: string,
    readonly file: string,
    private readonly raw: string | undefined, // undefined: checked, not held (a worker)
  ) {}

  /**
   * Takes the lock on `dataDir` (an existing directory), taking over a stale one. Throws
   * DataDirLockedError when a live server holds it; reads, and writes nothing, in that case.
   */
  static acquire(dataDir: string): DataDirLock {
    const file = path.join(dataDir, LOCK_FILE);
    let raw: string;
    try {
      raw = takeLock(dataDir, file);
    } catch (err) {
      if (err instanceof DataDirLockedError) throw err;
      throw new Error(`cannot lock data dir ${dataDir}: ${(err as Error).message}`, { cause: err });
    }
    const lock = new DataDirLock(dataDir, file, raw);
    heldHere.set(versionKey(raw), { file, raw });
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // A process that exits without close() (a failed stop) leaves no lock behind.
      process.on('exit', () => {
        for (const held of heldHere.values()) unlinkIfUnchanged(held.file, held.raw);
      });
    }
    sweepLeftovers(dataDir);
    return lock;
  }

  /**
   * For a `--workers` worker: the dir must be locked by its primary (`pid`), which holds the
   * lock for it. Nothing is taken; release() does nothing.
   */
  static heldBy(dataDir: string, pid: number): DataDirLock {
    const file = path.join(dataDir, LOCK_FILE);
    const holder = readLockVersion(file)?.holder;
    if (holder?.pid !== pid)
      throw new Error(
        `data dir ${dataDir} is not locked by this worker's primary (pid ${pid}): ` +
          (holder === undefined ? `no lock in ${file}` : `${file} names pid ${holder.pid}`),
      );
    return new DataDirLock(dataDir, file, undefined);
  }

  /** Removes the lock file (if it is still this one). Safe to call twice. */
  release(): void {
    if (this.released || this.raw === undefined) return;
    this.released = true;
    heldHere.delete(versionKey(this.raw));
    unlinkIfUnchanged(this.file, this.raw);
  }
}

/** Makes `file` this process's lock; returns the text it holds. */
function takeLock(dataDir: string, file: string): string {
  const deadline = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const raw = recordText();
    const current = readLockVersion(file);
    if (current === undefined) {
      if (createExclusive(file, raw)) return raw;
      continue; // another starter created it first: look at it
    }
    const state = holderState(current);
    if (state !== 'gone')
      throw new DataDirLockedError(dataDir, file, current.holder!, state === 'unverifiable');
    if (replaceStale(file, current, raw, deadline)) return raw;
  }
}

/** This process as a lock holder, as the text a lock (or claim) file holds. */
function recordText(): string {
  const holder: LockHolder = {
    pid: process.pid,
    procStart: procStat(process.pid)?.start ?? null,
    hostname: os.hostname(),
    bootId: bootId(),
    since: new Date().toISOString(),
    nonce: crypto.randomBytes(8).toString('hex'),
  };
  return JSON.stringify(holder) + '\n';
}

function versionKey(raw: string): string {
  return crypto.createHash('sha256').update(raw).digest('hex').slice(0, 32);
}

/** The claim file whose holder alone may replace the lock (or claim) file holding `raw`. */
export function claimFileFor(dataDir: string, raw: string): string {
  return path.join(dataDir, CLAIM_PREFIX + versionKey(raw));
}

function readLockVersion(file: string): LockVersion | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the lock file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return { raw, key: versionKey(raw), holder: parseHolder(raw) };
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const h = JSON.parse(raw) as Partial<LockHolder>;
    if (!Number.isSafeInteger(h.pid) || h.pid! <= 0 || typeof h.hostname !== 'string') return undefined;
    return {
      pid: h.pid!,
      procStart: typeof h.procStart === 'string' ? h.procStart : null,
      hostname: h.hostname,
      bootId: typeof h.bootId === 'string' ? h.bootId : null,
      since: typeof h.since === 'string' ? h.since : 'an unknown time',
      nonce: typeof h.nonce === 'string' ? h.nonce : '',
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether the process a lock (or claim) names still runs. A file that does not parse is
 * gone: a live holder writes its file whole before it appears (an unsynced one can be empty
 * after a power loss, when no holder lives).
 */
function holderState(version: LockVersion): HolderState {
  const h = version.holder;
  if (h === undefined) return 'gone';
  if (h.hostname !== os.hostname()) return 'unverifiable';
  const boot = bootId();
  if (h.bootId !== null && boot !== null && h.bootId !== boot) return 'gone'; // rebooted since
  // Our own pid: held if this process holds exactly that file (else a former process, e.g.
  // pid 1 of an earlier container with this hostname).
  if (h.pid === process.pid) return heldHere.has(version.key) ? 'alive' : 'gone';
  if (!pidExists(h.pid)) return 'gone';
  const stat = procStat(h.pid);
  // No /proc (or hidden from us), or it exited just now.
  if (stat === undefined) return pidExists(h.pid) ? 'alive' : 'gone';
  if (stat.state === 'Z' || stat.state === 'X') return 'gone'; // dead, not yet reaped
  if (h.procStart !== null && stat.start !== h.procStart) return 'gone'; // the pid was reused
  return 'alive';
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: exists, another user's
  }
}

/** State and start time of a process from /proc/<pid>/stat; undefined without one. */
function procStat(pid: number): { state: string; start: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19]; // field 22, starttime
  return state !== undefined && start !== undefined ? { state, start } : undefined;
}

let cachedBootId: string | null | undefined;
function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

/** `raw` under a fresh temporary name in `dir`, readable only by its owner. */
function writeTemp(dir: string, raw: string): string {
  const tmp = path.join(dir, `${TMP_PREFIX}${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  fs.writeFileSync(tmp, raw, { mode: 0o600, flag: 'wx' });
  return tmp;
}

/** Creates `file` holding `raw` if it does not exist; false if it does. */
function createExclusive(file: string, raw: string): boolean {
  const tmp = writeTemp(path.dirname(file), raw);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Makes `file` hold `raw` in place of `stale` (a version whose holder is gone), unless it
 * changed meanwhile (false: look again). Only the holder of the stale version's claim may
 * replace it, and it checks under the claim that the file is still that version.
 */
function replaceStale(file: string, stale: LockVersion, raw: string, deadline: number): boolean {
  const dir = path.dirname(file);
  const claim = claimFileFor(dir, stale.raw);
  const claimRaw = recordText();
  for (;;) {
    if (createExclusive(claim, claimRaw)) break;
    const other = readLockVersion(claim);
    if (other === undefined) continue; // released just now
    if (holderState(other) === 'gone') {
      if (replaceStale(claim, other, claimRaw, deadline)) break;
      continue;
    }
    // A live starter is replacing it: wait until it is done.
    if (readLockVersion(file)?.key !== stale.key) return false;
    if (Date.now() > deadline)
      throw new Error(
        `timed out taking over the stale lock ${file}: ${claim} is held by pid ${other.holder?.pid}`,
      );
    sleep(10);
  }
  try {
    if (readLockVersion(file)?.key !== stale.key) return false;
    const tmp = writeTemp(dir, raw);
    try {
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    return true;
  } finally {
    unlinkIfUnchanged(claim, claimRaw);
  }
}

/** Unlinks `file` if it still holds `raw` (no one else replaces a file whose holder lives). */
function unlinkIfUnchanged(file: string, raw: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === raw) fs.unlinkSync(file);
  } catch {
    // Gone already, or unreadable: nothing of ours to remove.
  }
}

/**
 * Temporary and claim files that starters killed mid-way left (a narrow window). Claims of
 * older versions can no longer win anything once this lock is held; a temp file is removed
 * only when its writer is gone.
 */
function sweepLeftovers(dataDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(dataDir, name);
    try {
      if (name.startsWith(CLAIM_PREFIX)) {
        const version = readLockVersion(file);
        if (version !== undefined && holderState(version) === 'gone') unlinkIfUnchanged(file, version.raw);
      } else if (name.startsWith(TMP_PREFIX)) {
        const pid = Number(name.slice(TMP_PREFIX.length).split('-')[0]);
        if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !pidExists(pid))
          fs.rmSync(file, { force: true });
      }
    } catch {
      // Best effort: a leftover that cannot be read or removed stays, and harms nothing.
    }
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
