/**
 * Small, throwaway filesystems for fault tests: a size-limited tmpfs, or an ext4 image on a
 * loop device when tmpfs cannot be mounted. Both need root (CI runs as root); callers skip
 * with the returned reason when neither works.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallFilesystem {
  /** The mount point (an empty directory on the new filesystem). */
  dir: string;
  kind: 'tmpfs' | 'ext4 loop device';
  /**
   * Remounts read-only or read-write, in place. Refused (throws) while a process has a file
   * open for writing on it.
   */
  setReadOnly(readOnly: boolean): void;
  /**
   * ext4 only: records a filesystem error, which (mounted `errors=remount-ro`) turns it
   * read-only at once, under open files, as a failing disk does.
   */
  injectError?(): void;
  /** ext4 only: unmounts, repairs with e2fsck and mounts again (after `injectError`). */
  repair?(): void;
  /** Unmounts and removes the mount point (and the image). Safe to call twice. */
  dispose(): void;
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: 'pipe', timeout: 20_000 });
}

function errorText(err: unknown): string {
  const e = err as { stderr?: Buffer; message?: string };
  return (e.stderr?.toString().trim() || e.message || String(err)).split('\n')[0]!;
}

/**
 * Mounts a filesystem of `sizeMiB` MiB on a fresh directory, or returns why it cannot
 * (a string: the reason to skip).
 */
export function mountSmallFilesystem(
  sizeMiB: number,
  options: { type?: 'ext4' } = {},
): SmallFilesystem | string {
  if (process.platform !== 'linux') return `needs Linux to mount a small filesystem (on ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root to mount a small filesystem (tmpfs or loop device)';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-smallfs-'));
  const image = `${dir}.img`;
  let kind: SmallFilesystem['kind'] | undefined;
  const failures: string[] = [];
  if (options.type === undefined) {
    try {
      run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, 'zonal-test', dir]);
      kind = 'tmpfs';
    } catch (err) {
      failures.push(`tmpfs: ${errorText(err)}`);
    }
  }
  const mountImage = (): void => run('mount', ['-o', 'loop,errors=remount-ro', image, dir]);
  if (kind === undefined) {
    try {
      fs.writeFileSync(image, '');
      fs.truncateSync(image, sizeMiB * 1024 * 1024);
      run('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
      mountImage();
      kind = 'ext4 loop device';
    } catch (err) {
      failures.push(`loop device: ${errorText(err)}`);
      fs.rmSync(image, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
      return `cannot mount a small filesystem (${failures.join('; ')})`;
    }
  }
  let mounted = true;
  const unmount = (): void => {
    try {
      run('umount', [dir]);
    } catch {
      run('umount', ['-l', dir]); // still busy (a killed child's open files): detach it
    }
  };
  const ext4 =
    kind === 'ext4 loop device'
      ? {
          injectError: (): void => {
            const device = path.basename(
              execFileSync('findmnt', ['-n', '-o', 'SOURCE', dir], { encoding: 'utf8' }).trim(),
            );
            fs.writeFileSync(`/sys/fs/ext4/${device}/trigger_fs_error`, 'zonal fault test\n');
          },
          repair: (): void => {
            unmount();
            mounted = false;
            try {
              run('e2fsck', ['-f', '-y', image]);
            } catch (err) {
              // Exit status 1: errors were corrected, which is what we asked for.
              if ((err as { status?: number }).status !== 1) throw err;
            }
            mountImage();
            mounted = true;
          },
        }
      : {};
  return {
    dir,
    kind,
    setReadOnly: (readOnly) => run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, dir]),
    ...ext4,
    dispose: () => {
      if (mounted) {
        unmount();
        mounted = false;
      }
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(image, { force: true });
    },
  };
}
