import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ConditionContext } from '../access/condition-context.js';
import { explainAccess, resolvePrincipal, type Explanation } from '../access/explain.js';
import { FileRootCredentials } from '../auth/root-credentials-file.js';
import { DEFAULT_CONFIG } from '../config.js';
import { IdentityStore } from '../identity/identity-store.js';
import { readBucket } from '../storage/sqlite/read-bucket.js';

export const IAM_USAGE = `Usage: zonal iam explain --principal <arn|access-key-id> --bucket <name> [options]

Explains an authorization decision: who may do what on a bucket, and which policy
statements decided it. Reads the data dir and identities file; safe beside a running server.

  --principal <p>      an IAM ARN (arn:aws:iam::<account>:user/<name> or :root) or an access key id
  --bucket <name>      the directory bucket
  --action <action>    default s3express:CreateSession
  --mode <mode>        ReadWrite or ReadOnly (CreateSession; default: try ReadWrite, then ReadOnly)
  --context key=value  a condition key (repeatable; repeating a key makes a list), e.g. aws:SourceIp=10.1.2.3
  --data-dir <dir>     default ${DEFAULT_CONFIG.dataDir}
  --iam-file <file>    default <data-dir>/iam.json
  --region <region>    default ${DEFAULT_CONFIG.region}
  --json               machine-readable output`;

function parseContext(pairs: string[]): ConditionContext {
  const context: Record<string, string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--context wants key=value, got ${pair}`);
    (context[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
  }
  return Object.fromEntries(Object.entries(context).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}

function render(e: Explanation): string {
  const { decision } = e;
  const lines = [
    `Decision:  ${decision.allowed ? 'ALLOW' : 'DENY'}${e.mode ? ` (${e.mode})` : ''}`,
    `Why:       ${decision.reason}`,
    `Principal: ${e.principal}`,
    `Action:    ${e.action}`,
    `Resource:  ${e.resource}`,
  ];
  if (decision.matched.length === 0) {
    lines.push('Statements: none matched');
  } else {
    lines.push('Statements that matched:');
    for (const m of decision.matched) {
      lines.push(
        `  ${m.effect.padEnd(5)}  ${m.source}, statement #${m.index}${m.sid ? ` (Sid "${m.sid}")` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

/** `zonal iam explain`: the decision Zonal would make, and the statements behind it. */
export function iam(args: string[]): number {
  const [sub, ...rest] = args;
  if (sub !== 'explain' || rest.includes('--help')) {
    console.log(IAM_USAGE);
    return sub === 'explain' ? 0 : 1;
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      principal: { type: 'string' },
      bucket: { type: 'string' },
      action: { type: 'string', default: 's3express:CreateSession' },
      mode: { type: 'string' },
      context: { type: 'string', multiple: true, default: [] },
      'data-dir': { type: 'string', default: DEFAULT_CONFIG.dataDir },
      'iam-file': { type: 'string' },
      region: { type: 'string', default: DEFAULT_CONFIG.region },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.principal || !values.bucket)
    throw new Error(`--principal and --bucket are required\n\n${IAM_USAGE}`);
  if (values.mode !== undefined && values.mode !== 'ReadWrite' && values.mode !== 'ReadOnly') {
    throw new Error('--mode must be ReadWrite or ReadOnly');
  }
  const dataDir = path.resolve(values['data-dir']);
  const root = new FileRootCredentials(dataDir, process.env).load();
  const identities = IdentityStore.open({
    file: values['iam-file'] ?? path.join(dataDir, 'iam.json'),
    defaultRoot: root.identity,
    watch: false,
  });
  try {
    const identity = resolvePrincipal(identities, values.principal);
    if (!identity)
      throw new Error(`unknown principal ${values.principal} (no such user, account or active access key)`);
    const bucket = readBucket(dataDir, values.bucket);
    if (!bucket) throw new Error(`no bucket ${values.bucket} in ${dataDir}`);
    const results: Explanation[] = explainAccess(identities, {
      identity,
      bucket,
      region: values.region,
      action: values.action,
      ...(values.mode ? { mode: values.mode as 'ReadWrite' | 'ReadOnly' } : {}),
      context: parseContext(values.context),
      now: new Date(),
    });
    console.log(values.json ? JSON.stringify(results, null, 2) : results.map(render).join('\n\n'));
    return results.some((r) => r.decision.allowed) ? 0 : 2;
  } finally {
    identities.close();
  }
}
