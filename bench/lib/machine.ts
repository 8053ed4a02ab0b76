import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nginxPath, s3rverModuleDir } from './install.js';
import { repoRoot, workDir } from './paths.js';

function sh(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

function cpuModel(): string {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

/** Device, filesystem and whether it spins, for the directory the data lives in. */
function diskOf(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const [source, fstype] = sh('findmnt', ['-no', 'SOURCE,FSTYPE', '-T', dir]).split(/\s+/);
  if (source === undefined || source === '') return 'unknown';
  let kind = '';
  const dev = path
    .basename(source)
    .replace(/[0-9]+$/, '')
    .replace(/p$/, '');
  try {
    const rotational = fs.readFileSync(`/sys/block/${dev}/queue/rotational`, 'utf8').trim();
    kind = rotational === '1' ? ', rotational' : ', non-rotational';
  } catch {
    // A partition naming scheme we do not know: leave it out.
  }
  const virtio = source.startsWith('/dev/vd') ? ', virtio' : '';
  return `${source} (${fstype ?? '?'}${kind}${virtio})`;
}

export function machineInfo() {
  const nginx = nginxPath();
  let s3rver = 'not installed';
  try {
    s3rver = (
      JSON.parse(fs.readFileSync(path.join(s3rverModuleDir(), 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    // Not installed (a run without s3rver).
  }
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    os: osName(),
    node: process.version,
    disk: diskOf(workDir),
    wrk: /wrk [^\s]+/.exec(sh('wrk', ['-v']))?.[0] ?? 'not installed',
    nginx: nginx ? (/nginx\/[^\s]+/.exec(sh(nginx, ['-v']))?.[0] ?? 'unknown') : 'not installed',
    s3rver: `s3rver ${s3rver}`,
  };
}

/** HEAD's short hash, marked when src/ or bin/ have uncommitted changes (what dist/ was built from). */
export function gitCommit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'bin'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return `${head.stdout.trim()}${dirty.stdout.trim() !== '' ? ' + uncommitted changes' : ''}`;
}
