import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { depsDir } from './paths.js';

function which(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const out = found.stdout.trim();
  return found.status === 0 && out !== '' ? out : undefined;
}

/** nginx lives in /usr/sbin, which a non-login PATH may miss. */
export function nginxPath(): string | undefined {
  return which('nginx') ?? (fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
}

function run(command: string, args: string[]): void {
  console.log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Installs wrk and nginx from Debian when missing (needs root or sudo). */
function ensureAptPackages(): void {
  const missing = [which('wrk') ? undefined : 'wrk', nginxPath() ? undefined : 'nginx'].filter(
    (p): p is string => p !== undefined,
  );
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? [] : ['sudo'];
  if (!isRoot && !which('sudo'))
    throw new Error(`missing ${missing.join(', ')}; install them (apt-get install ${missing.join(' ')})`);
  const apt = (args: string[]): void =>
    sudo.length ? run('sudo', ['apt-get', ...args]) : run('apt-get', args);
  apt(['update']);
  // Another apt-get (a test installing its services) may hold the dpkg lock: wait for it.
  apt(['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', ...missing]);
}

/** Installs s3rver into bench/.deps (not a project dependency). */
function ensureS3rver(): void {
  if (fs.existsSync(s3rverModuleDir())) return;
  fs.mkdirSync(depsDir, { recursive: true });
  run('npm', ['install', '--no-audit', '--no-fund', '--prefix', depsDir, 's3rver@3']);
}

export function s3rverModuleDir(): string {
  return path.join(depsDir, 'node_modules/s3rver');
}

/** Makes sure every external tool the selected scenarios need is present. */
export function ensureTools(needs: { wrk: boolean; nginx: boolean; s3rver: boolean }): void {
  if (needs.wrk || needs.nginx) ensureAptPackages();
  if (needs.s3rver) ensureS3rver();
}
