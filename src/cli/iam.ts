import path from 'node:path';
import { parseArgs } from 'node:util';
import { AccessPolicies, type AccessDecision } from '../access/access-policies.js';
import { bucketKeys, identityKeys, type ConditionContext } from '../access/condition-context.js';
import { IDENTITY_ONLY_ACTIONS } from '../access/request-authorizer.js';
import { sessionCreators } from '../access/session-creators.js';
import type { IamIdentity } from '../auth/credentials.js';
import { FileRootCredentials } from '../auth/root-credentials-file.js';
import { DEFAULT_CONFIG } from '../config.js';
import { IdentityStore } from '../identity/identity-store.js';
import { bucketArn } from '../protocol/bucket-names.js';
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

interface Explanation {
  principal: string;
  action: string;
  resource: string;
  mode?: string;
  decision: AccessDecision;
}

function parseContext(pairs: string[]): ConditionContext {
  const context: Record<string, string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--context wants key=value, got ${pair}`);
    (context[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
  }
  return Object.fromEntries(Object.entries(context).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}

function resolvePrincipal(identities: IdentityStore, value: string): IamIdentity {
  const identity = value.startsWith('arn:')
    ? sessionCreators(identities).identityForArn(value)
    : identities.lookup(value);
  if (!identity) throw new Error(`unknown principal ${value} (no such user, account or active access key)`);
  return identity;
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
    const bucket = readBucket(dataDir, values.bucket);
    if (!bucket) throw new Error(`no bucket ${values.bucket} in ${dataDir}`);
    const now = new Date();
    const context: ConditionContext = {
      'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
      'aws:SecureTransport': 'false',
      's3express:authType': 'REST-HEADER',
      ...identityKeys(identity),
      ...bucketKeys(bucket),
      ...parseContext(values.context),
    };
    const policies = new AccessPolicies(identities);
    const action = values.action;
    const resource = bucketArn(values.region, bucket.ownerAccountId, bucket.name);
    const explain = (mode?: string): Explanation => ({
      principal: identity.arn,
      action,
      resource,
      ...(mode ? { mode } : {}),
      decision: policies.check({
        identity,
        action,
        resource,
        resourceAccount: bucket.ownerAccountId,
        ...(IDENTITY_ONLY_ACTIONS.has(action) ? { identityOnly: true } : { bucketPolicy: bucket.policy }),
        context: mode ? { ...context, 's3express:SessionMode': mode } : context,
      }),
    });
    let results: Explanation[];
    if (action.toLowerCase() !== 's3express:createsession') results = [explain()];
    else if (values.mode) results = [explain(values.mode)];
    else {
      // As CreateSession does without a mode header: ReadWrite, else ReadOnly.
      const readWrite = explain('ReadWrite');
      results = readWrite.decision.allowed ? [readWrite] : [readWrite, explain('ReadOnly')];
    }
    console.log(values.json ? JSON.stringify(results, null, 2) : results.map(render).join('\n\n'));
    return results.some((r) => r.decision.allowed) ? 0 : 2;
  } finally {
    identities.close();
  }
}
