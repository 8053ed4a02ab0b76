import path from 'node:path';
import { freePort, spawnTracked } from '../lib/children.js';
import { distBenchDir } from '../lib/paths.js';
import { BARE_NODE } from '../lib/targets.js';
import { stopper, type BenchServer, waitUntilAnswering } from './server.js';

/** Starts the bare Node HTTP server (bare-node-main.ts): the ceiling of Node's own HTTP stack. */
export async function startBareNode(): Promise<BenchServer> {
  const port = await freePort();
  const child = spawnTracked(
    process.execPath,
    [path.join(distBenchDir, 'servers/bare-node-main.js'), String(port)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const endpoint = await waitUntilAnswering(port, child);
  return { label: BARE_NODE, endpoint, child, logFiles: [], stop: stopper(child) };
}
