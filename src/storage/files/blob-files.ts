/**
 * The local-directory blob store: object bytes in files named by random ids, in a data dir of
 * this machine or a shared POSIX mount.
 *
 * Layout: `<root>/blobs/<first two hex chars>/<id>` for complete blobs and `<root>/tmp/<id>`
 * while one is being written. A blob only appears under `blobs/` once it is complete (and
 * fsynced when asked), so a crash can leave a stray file but never a torn one at a final path.
 * Names never come from object keys, and every id is validated before it becomes a path.
 */
import { randomHex } from '../../util/random-bytes.js';
import fs from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../halves.js';
import type { ByteRange } from '../object-store.js';
import { readHead } from '../../util/read-head.js';
import { SpaceReserve } from './free-space.js';
import { GroupSync, pathFlusher } from './group-sync.js';

const BLOB_ID = /^[0-9a-f]{32}$/;
const SHARD = /^[0-9a-f]{2}$/;

/** A streaming write re-checks the free space after every this many bytes. */
const SPACE_CHECK_INTERVAL = 1024 * 1024;

/** Passes bytes through, calling `check` after every SPACE_CHECK_INTERVAL bytes. */
class SpaceGuard extends Transform {
  private sinceCheck = 0;

  constructor(private readonly check: () => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.sinceCheck += chunk.length;
    if (this.sinceCheck >= SPACE_CHECK_INTERVAL) {
      this.sinceCheck = 0;
      try {
        this.check();
      } catch (err) {
        done(err as Error);
        return;
      }
    }
    done(null, chunk);
  }
}

export function isBlobId(id: string): boolean {
  return BLOB_ID.test(id);
}

function assertBlobId(id: string): void {
  if (!isBlobId(id)) throw new Error(`invalid blob id: ${JSON.stringify(id)}`);
}

/** fsync a directory so a rename or create inside it is durable. Not possible on Windows. */
function syncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Unlinks a file that may already be gone. */
function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Writes `source` to a new file at `file`; returns its size. The stream owns the fd, and with
 * `flush` it fsyncs before closing; pipeline resolves only after the close. On failure it
 * waits for the close too: a source that fails before the file's (asynchronous) open has
 * completed would otherwise let the file appear after the caller removed it.
 */
async function streamToFile(
  source: Readable,
  file: string,
  fsync: boolean,
  checkSpace: () => void,
): Promise<number> {
  const out = fs.createWriteStream(file, { flags: 'wx', mode: FILE_MODE, flush: fsync });
  try {
    await pipeline(source, new SpaceGuard(checkSpace), out);
  } catch (err) {
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    throw err;
  }
  return out.bytesWritten;
}

/**
 * Object data is the owner's only: blob and temp files 0600, directories 0700 (when Zonal
 * creates them; an existing directory keeps the mode its operator gave it).
 */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Bodies up to this size are written in one go (see BlobFiles.writeSmall). */
const SMALL_BLOB_BYTES = 64 * 1024;

export class LocalDirBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly tmpDir: string;

  /** Shard directories known to exist (created lazily: 256 mkdirs cost ~80 ms at startup). */
  private readonly shards = new Set<string>();
  /** One group fsync per shard directory (fds kept open, at most 256). */
  private readonly shardSyncs = new Map<string, { sync: GroupSync; close: () => void }>();
  /** Background unlinks in flight, and who waits for them to finish. */
  private unlinking = 0;
  private readonly unlinkWaiters: Array<() => void> = [];

  /** The free space a blob write must leave to metadata (free-space.ts). */
  private readonly space: SpaceReserve;

  constructor(
    root: string,
    private readonly fsync: boolean,
  ) {
    this.blobsDir = path.join(root, 'blobs');
    this.tmpDir = path.join(root, 'tmp');
    fs.mkdirSync(this.blobsDir, { recursive: true, mode: DIR_MODE });
    fs.mkdirSync(this.tmpDir, { recursive: true, mode: DIR_MODE });
    if (fsync) syncDir(root);
    this.space = new SpaceReserve(this.tmpDir);
  }

  /**
   * Throws ENOSPC when the free space is down to the reserve. Called before a blob write and
   * while it streams, so concurrent writes overshoot by at most a check interval each.
   */
  private checkSpace(): void {
    this.space.check();
  }

  /** Creates and removes a file, so a read-only directory fails at startup, not on the first PUT. */
  checkWritable(): void {
    const probe = path.join(this.tmpDir, randomHex(16));
    fs.writeFileSync(probe, '', { flag: 'wx', mode: FILE_MODE });
    fs.unlinkSync(probe);
  }

  /** Path of a complete blob. Throws on anything that is not a well-formed id. */
  pathOf(blobId: string): string {
    assertBlobId(blobId);
    return path.join(this.blobsDir, blobId.slice(0, 2), blobId);
  }

  /** Streams `source` into a new blob. On any failure nothing is left behind and the error is rethrown. */
  async write(source: Readable): Promise<{ blobId: string; size: number }> {
    const blobId = randomHex(16);
    const tmp = path.join(this.tmpDir, blobId);
    const final = this.pathOf(blobId);
    try {
      this.checkSpace();
      const head = await readHead(source, SMALL_BLOB_BYTES);
      this.ensureShard(path.dirname(final));
      if (head.rest === undefined) return { blobId, size: await this.writeSmall(final, head.bytes) };
      const size = await streamToFile(head.rest, tmp, this.fsync, () => this.checkSpace());
      await rename(tmp, final);
      if (this.fsync) await this.syncShard(path.dirname(final));
      return { blobId, size };
    } catch (err) {
      removeQuietly(tmp);
      removeQuietly(final);
      throw err;
    }
  }

  /**
   * A small blob goes straight to its final name in one synchronous write (no temp file, no
   * rename, no stream): a few syscalls instead of several thread-pool round trips. Safe without
   * the rename because no row points at the blob until it is complete (and fsynced): a crash
   * mid-write leaves an unreferenced file, which the sweep at open removes.
   */
  private async writeSmall(final: string, bytes: Buffer): Promise<number> {
    const fd = fs.openSync(final, 'wx', FILE_MODE);
    try {
      fs.writeSync(fd, bytes);
      if (this.fsync) {
        // The name is final already, so the file and its directory entry sync side by side.
        const file = new Promise<void>((ok, fail) => fs.fsync(fd, (e) => (e ? fail(e) : ok())));
        // allSettled: the fd must stay open until its fsync has finished, even if the other failed.
        const [fileSync, dirSync] = await Promise.allSettled([file, this.syncShard(path.dirname(final))]);
        if (fileSync.status === 'rejected') throw fileSync.reason;
        if (dirSync.status === 'rejected') throw dirSync.reason;
      }
    } finally {
      fs.closeSync(fd);
    }
    return bytes.length;
  }

  /** The rename into a shard must be durable before a row points at the blob; writers share fsyncs. */
  private syncShard(dir: string): Promise<void> {
    let group = this.shardSyncs.get(dir);
    if (group === undefined) {
      const flusher = pathFlusher(dir);
      group = { sync: new GroupSync(flusher.flush), close: flusher.close };
      this.shardSyncs.set(dir, group);
    }
    return group.sync.sync();
  }

  /** Closes the directory fds kept for fsync. */
  close(): void {
    for (const group of this.shardSyncs.values()) group.close();
    this.shardSyncs.clear();
  }

  /** Creates a shard directory on first use; its entry in `blobs/` must be durable too. */
  private ensureShard(dir: string): void {
    if (this.shards.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    if (this.fsync) syncDir(this.blobsDir);
    this.shards.add(dir);
  }

  /**
   * Deletes blobs in the thread pool: an unlink costs a journal update, too slow for the event
   * loop. Errors are ignored, the sweep at the next start removes what is left.
   */
  remove(blobIds: readonly string[]): void {
    for (const blobId of blobIds) {
      const file = this.pathOf(blobId);
      this.unlinking++;
      fs.unlink(file, () => {
        if (--this.unlinking === 0) for (const resolve of this.unlinkWaiters.splice(0)) resolve();
      });
    }
  }

  /** Resolves when every background removal started so far has finished. */
  settled(): Promise<void> {
    if (this.unlinking === 0) return Promise.resolve();
    return new Promise((resolve) => this.unlinkWaiters.push(resolve));
  }

  /**
   * Opens the blob now (synchronously, so an unlink racing with this call either happens
   * before — ENOENT — or after, when our fd keeps the bytes readable) and streams
   * [start, end] inclusive. The stream owns the fd and closes it on end, error or destroy.
   */
  read(blobId: string, range: ByteRange): Readable {
    const file = this.pathOf(blobId);
    const fd = fs.openSync(file, 'r');
    return fs.createReadStream(file, { fd, autoClose: true, start: range.start, end: range.end });
  }

  /** Reads [start, end] into `out` at `offset` with synchronous calls (page-cache fast for small reads). */
  readInto(blobId: string, range: ByteRange, out: Buffer, offset: number): void {
    const file = this.pathOf(blobId);
    const length = range.end - range.start + 1;
    const fd = fs.openSync(file, 'r');
    try {
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, out, offset + done, length - done, range.start + done);
        if (n === 0) throw new Error(`blob file ${file} is shorter than its segment`);
        done += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** How many blob files there are. */
  count(): number {
    let n = 0;
    for (const shard of fs.readdirSync(this.blobsDir)) {
      if (SHARD.test(shard)) n += fs.readdirSync(path.join(this.blobsDir, shard)).filter(isBlobId).length;
    }
    return n;
  }

  /**
   * Removes every blob for which `isReferenced` is false, and every temp file. Meant for
   * startup, when no write can be in flight (another process sharing the directory would
   * lose its in-flight blobs), or, with `modifiedBefore`, for files untouched since then (a
   * reconciliation that leaves writes in flight alone). Returns how many files were removed.
   */
  sweep(isReferenced: (blobId: string) => boolean, modifiedBefore?: number): number {
    let removed = 0;
    const old = (file: string): boolean =>
      modifiedBefore === undefined ||
      (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < modifiedBefore;
    for (const name of fs.readdirSync(this.tmpDir)) {
      if (!old(path.join(this.tmpDir, name))) continue;
      fs.rmSync(path.join(this.tmpDir, name), { recursive: true, force: true });
      removed++;
    }
    for (const shard of fs.readdirSync(this.blobsDir)) {
      if (!SHARD.test(shard)) continue;
      for (const name of fs.readdirSync(path.join(this.blobsDir, shard))) {
        // Unknown names are not ours to delete; ids in the wrong shard are unreachable junk.
        if (!isBlobId(name)) continue;
        if (name.startsWith(shard) && isReferenced(name)) continue;
        if (!old(path.join(this.blobsDir, shard, name))) continue;
        removeQuietly(path.join(this.blobsDir, shard, name));
        removed++;
      }
    }
    return removed;
  }
}
