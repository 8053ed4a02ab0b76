import path from 'node:path';
import { freePort, spawnTracked } from '../lib/children.js';
import { distBenchDir } from '../lib/paths.js';
import { BARE_NODE, BARE_NODE_SIGV4 } from '../lib/targets.js';
import { stopper, type BenchServer, waitUntilAnswering } from './server.js';

/**
 * Starts the bare Node HTTP server (bare-node-main.ts): the ceiling of Node's own HTTP stack;
 * with `sigv4`, of Node's HTTP stack verifying every request's signature.
 */
export async function startBareNode(sigv4 = false): Promise<BenchServer> {
  const port = await freePort();
  const child = spawnTracked(
    process.execPath,
    [path.join(distBenchDir, 'servers/bare-node-main.js'), String(port), ...(sigv4 ? ['sigv4'] : [])],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const endpoint = await waitUntilAnswering(port, child);
  return { label: sigv4 ? BARE_NODE_SIGV4 : BARE_NODE, endpoint, child, logFiles: [], stop: stopper(child) };
}
