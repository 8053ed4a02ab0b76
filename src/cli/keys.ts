/**
 * `zonal keys rotate --metadata postgres://…`: adds a session key to a cluster's shared ring.
 * Every node accepts it within seconds and seals with it only after that; the key it
 * replaces keeps opening the tokens it sealed until they have expired.
 */
import { parseArgs } from 'node:util';
import { PostgresSessionKeyRing } from '../auth/session-key-postgres.js';

const USAGE = `Usage: zonal keys rotate --metadata postgres://USER[:PASSWORD]@HOST:PORT/DB

  Adds a new session key to the cluster's key ring (cluster mode only). Nodes accept tokens
  sealed with it at once and seal new sessions with it a few seconds later; the previous key
  retires once the sessions it sealed have expired.`;

export async function keys(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'rotate') {
    console.error(USAGE);
    return command === undefined || command === '--help' ? 0 : 1;
  }
  const { values } = parseArgs({ args: rest, strict: true, options: { metadata: { type: 'string' } } });
  if (values.metadata === undefined) {
    console.error(USAGE);
    return 1;
  }
  const rotated = await PostgresSessionKeyRing.rotate(values.metadata);
  console.log(`session key ${rotated.id} added; nodes seal with it from ${rotated.sealFrom.toISOString()}`);
  return 0;
}
