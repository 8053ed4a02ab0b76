import { parseArgs } from 'node:util';
import type { FaultRule, FaultRuleInput } from '../server/faults.js';
import { ADMIN_CONNECTION_USAGE, adminConnection, adminRequest } from './admin-client.js';

export const FAULTS_USAGE = `Usage: zonal faults add [rule options] | list | clear | remove <id>

Fault injection rules of a server started with --faults (root-only). A rule makes matching
requests answer an S3 error, wait, stall their response body or reset the connection.

  add options (matching; all optional, each narrows):
    --operation <names>  operation names, comma-separated (e.g. GetObject,PutObject)
    --bucket <name>      only this bucket
    --key-prefix <p>     only keys starting with p
    --auth <kinds>       SessionReadWrite, SessionReadOnly, IAM, Anonymous (comma-separated)
  add options (what happens; at least one):
    --error <code>       answer this S3 error: SlowDown (503), InternalError (500),
                         ExpiredToken (400), ServiceUnavailable (503), …
    --message <text>     the error's message
    --latency-ms <n>     wait n ms first (alone: a slow answer)
    --stall-ms <n>       send the headers, then hold the body n ms
    --reset              reset the connection
  add options (how long):
    --count <n>          fire n times, then the rule is gone (default: until it expires)
    --probability <p>    fire for this share of matching requests (0 < p <= 1, default 1)
    --ttl <secs>         expire after this long (default 300)
    --json <rule>        the whole rule as JSON instead (fields: operation, bucket, keyPrefix,
                         auth, error, message, latencyMs, stallMs, reset, count, probability,
                         ttlSeconds)
${ADMIN_CONNECTION_USAGE}`;

const list = (value: string | undefined): string[] | undefined =>
  value === undefined ? undefined : value.split(',').filter((v) => v !== '');

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value === '' || !Number.isFinite(n)) throw new Error(`--${name} must be a number`);
  return n;
}

/** `zonal faults …`: manages the server's fault injection rules. */
export async function faults(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h' || rest.includes('--help')) {
    console.log(FAULTS_USAGE);
    return action === undefined ? 1 : 0;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: action === 'remove',
    options: {
      operation: { type: 'string' },
      bucket: { type: 'string' },
      'key-prefix': { type: 'string' },
      auth: { type: 'string' },
      error: { type: 'string' },
      message: { type: 'string' },
      'latency-ms': { type: 'string' },
      'stall-ms': { type: 'string' },
      reset: { type: 'boolean' },
      count: { type: 'string' },
      probability: { type: 'string' },
      ttl: { type: 'string' },
      json: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      ca: { type: 'string' },
    },
  });
  const connection = adminConnection(values);
  switch (action) {
    case 'add': {
      const rule: FaultRuleInput =
        values.json !== undefined
          ? (JSON.parse(values.json) as FaultRuleInput)
          : (Object.fromEntries(
              Object.entries({
                operation: list(values.operation),
                bucket: values.bucket,
                keyPrefix: values['key-prefix'],
                auth: list(values.auth),
                error: values.error,
                message: values.message,
                latencyMs: number('latency-ms', values['latency-ms']),
                stallMs: number('stall-ms', values['stall-ms']),
                reset: values.reset,
                count: number('count', values.count),
                probability: number('probability', values.probability),
                ttlSeconds: number('ttl', values.ttl),
              }).filter(([, v]) => v !== undefined),
            ) as FaultRuleInput);
      const added = (await adminRequest(connection, 'POST', '/_zonal/faults', rule)) as FaultRule;
      console.log(JSON.stringify(added, null, 2));
      return 0;
    }
    case 'list': {
      const answer = (await adminRequest(connection, 'GET', '/_zonal/faults')) as { rules: FaultRule[] };
      console.log(JSON.stringify(answer.rules, null, 2));
      return 0;
    }
    case 'clear': {
      const answer = (await adminRequest(connection, 'DELETE', '/_zonal/faults')) as { cleared: number };
      console.log(`${answer.cleared} fault rule(s) removed`);
      return 0;
    }
    case 'remove': {
      const [id] = positionals;
      if (id === undefined) throw new Error('zonal faults remove <id>');
      await adminRequest(connection, 'DELETE', `/_zonal/faults/${encodeURIComponent(id)}`);
      console.log(`fault rule ${id} removed`);
      return 0;
    }
    default:
      throw new Error(`unknown faults action ${action}\n\n${FAULTS_USAGE}`);
  }
}
