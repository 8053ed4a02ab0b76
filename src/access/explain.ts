/**
 * "Why was this allowed or denied?": the decision Zonal makes for a principal, an action and a
 * bucket, with the policy statements that decided it. Shared by `zonal iam explain` (which
 * reads the data dir) and the admin API's `POST /_zonal/explain` (the web console's simulator).
 */
import type { IamIdentity } from '../auth/credentials.js';
import type { IdentityReader } from '../identity/identity-source.js';
import { bucketArn } from '../protocol/bucket-names.js';
import type { BucketRecord } from '../storage/types.js';
import { AccessPolicies, type AccessDecision } from './access-policies.js';
import { bucketKeys, identityKeys, type ConditionContext } from './condition-context.js';
import { IDENTITY_ONLY_ACTIONS } from './request-authorizer.js';
import { sessionCreators } from './session-creators.js';

export interface Explanation {
  principal: string;
  action: string;
  resource: string;
  mode?: string;
  decision: AccessDecision;
}

export interface ExplainQuery {
  identity: IamIdentity;
  bucket: BucketRecord;
  region: string;
  /** Default s3express:CreateSession. */
  action?: string;
  /** CreateSession's mode; absent: ReadWrite, then ReadOnly when ReadWrite is denied. */
  mode?: 'ReadWrite' | 'ReadOnly';
  /** More condition keys (aws:SourceIp, …). */
  context?: ConditionContext;
  now: Date;
}

/** The identity behind an IAM ARN (user or root) or an active access key id, else undefined. */
export function resolvePrincipal(identities: IdentityReader, value: string): IamIdentity | undefined {
  return value.startsWith('arn:')
    ? sessionCreators(identities).identityForArn(value)
    : identities.lookup(value);
}

/** One explanation, or two for CreateSession without a mode whose ReadWrite is denied. */
export function explainAccess(identities: IdentityReader, query: ExplainQuery): Explanation[] {
  const { identity, bucket, now } = query;
  const action = query.action ?? 's3express:CreateSession';
  const context: ConditionContext = {
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:SecureTransport': 'false',
    's3express:authType': 'REST-HEADER',
    ...identityKeys(identity),
    ...bucketKeys(bucket),
    ...(query.context ?? {}),
  };
  const policies = new AccessPolicies(identities);
  const resource = bucketArn(query.region, bucket.ownerAccountId, bucket.name);
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
  if (action.toLowerCase() !== 's3express:createsession') return [explain()];
  if (query.mode) return [explain(query.mode)];
  // As CreateSession does without a mode header: ReadWrite, else ReadOnly.
  const readWrite = explain('ReadWrite');
  return readWrite.decision.allowed ? [readWrite] : [readWrite, explain('ReadOnly')];
}
