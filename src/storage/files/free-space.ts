/**
 * The free space that writes of object bytes leave to metadata: 1% of the filesystem, at least
 * 1 MiB, at most 64 MiB. Bytes may not eat into it, wherever they go (a blob file, or a small
 * body kept inline in the metadata database); writes of metadata alone may. Without it a full
 * disk would also fail the SQLite commits of deletes, the only way a client can make room again.
 */
import fs from 'node:fs';

const MIN_RESERVE = 1024 * 1024;
const MAX_RESERVE = 64 * 1024 * 1024;

/** The filesystem's free bytes for unprivileged writers, or undefined where statfs is unavailable. */
function freeBytes(dir: string): number | undefined {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

function reserveFor(dir: string): number {
  try {
    const s = fs.statfsSync(dir);
    return Math.min(MAX_RESERVE, Math.max(MIN_RESERVE, Math.floor((s.blocks * s.bsize) / 100)));
  } catch {
    return 0;
  }
}

/** The reserve of the filesystem holding `dir` (which must exist); see the module comment. */
export class SpaceReserve {
  /** Free bytes a write of object bytes must leave; 0 (statfs unavailable) disables the check. */
  readonly bytes: number;
  /** Bytes that may still be written, as announced to check(), before statfs is asked again. */
  private headroom = 0;

  constructor(private readonly dir: string) {
    this.bytes = reserveFor(dir);
  }

  /**
   * Throws ENOSPC when the free space is down to the reserve. Concurrent writes overshoot by
   * at most what each writes between checks. A caller that announces the bytes it is about to
   * write (`upTo`) may be answered without a statfs: after a reading, a quarter of the reserve
   * (and no more than half the room above it) is handed out that way, so a statfs serves many
   * small writes (a statfs per 4 KiB PUT showed in the profile) and the reserve keeps at least
   * three quarters of its size whatever else writes in between.
   */
  check(upTo = 0): void {
    if (this.bytes === 0) return;
    if (upTo > 0 && upTo <= this.headroom) {
      this.headroom -= upTo;
      return;
    }
    this.headroom = 0;
    const free = freeBytes(this.dir);
    if (free === undefined) return;
    if (free < this.bytes) {
      const err: NodeJS.ErrnoException = new Error(
        `ENOSPC: ${free} bytes free in ${this.dir}, below the ${this.bytes} kept for metadata`,
      );
      err.code = 'ENOSPC';
      throw err;
    }
    const room = Math.min(Math.floor(this.bytes / 4), Math.floor((free - this.bytes) / 2));
    this.headroom = Math.max(0, room - upTo);
  }
}
