/**
 * Headless Chromium for the console's browser tests: Debian's `chromium` package (installed by
 * the first test that needs it, when missing), driven by playwright-core through
 * `executablePath` — playwright's own browser download is never used.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Held while one process installs the package, so parallel test files do not run apt at once. */
const INSTALL_LOCK = path.join(os.tmpdir(), 'zonal-chromium-install.lock');
const INSTALL_TIMEOUT_MS = 15 * 60_000;

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        timeout: INSTALL_TIMEOUT_MS,
        maxBuffer: 64 << 20,
      },
      (err, _stdout, stderr) =>
        err
          ? reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.slice(-2000) || err.message}`))
          : resolve(),
    );
  });
}

async function takeLock(): Promise<() => void> {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS;
  for (;;) {
    try {
      fs.mkdirSync(INSTALL_LOCK);
      return () => fs.rmSync(INSTALL_LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed run is older than any install takes.
      const held = fs.statSync(INSTALL_LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > INSTALL_TIMEOUT_MS)
        fs.rmSync(INSTALL_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${INSTALL_LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Installs Debian's chromium when it is missing; throws (the test fails, never skips) if that fails. */
export async function ensureChromium(): Promise<string> {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  const release = await takeLock();
  try {
    if (!fs.existsSync(CHROMIUM)) {
      await run('apt-get', ['update']);
      // With its recommended packages: the fonts the screenshots are drawn with.
      await run('apt-get', ['install', '-y', 'chromium']);
    }
  } catch (err) {
    throw new Error(
      `The console tests need Debian's chromium at ${CHROMIUM} and could not install it ` +
        `(apt-get update && apt-get install -y chromium, as root): ${(err as Error).message}`,
    );
  } finally {
    release();
  }
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium();
  return chromium.launch({ executablePath, headless: true, args: FLAGS });
}
