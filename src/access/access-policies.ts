import type { IamIdentity } from '../auth/credentials.js';
import { LruMap } from '../util/lru.js';
import type { ConditionContext } from './condition-context.js';
import {
  decide,
  evaluatePolicies,
  parsePolicy,
  type ParsedPolicy,
  type PolicyEvaluation,
  type PrincipalInfo,
  type StatementMatch,
} from './policy/index.js';

/** Where identity (user) policies come from: the identity store, which parses them once. */
export interface IdentityPolicySource {
  policiesOf(identity: IamIdentity): readonly { source: string; policy: ParsedPolicy }[];
}

export interface AccessQuery {
  identity: IamIdentity;
  action: string;
  resource: string;
  resourceAccount: string;
  /** The bucket policy, for operations that consult it (CreateSession and the Zonal API). */
  bucketPolicy?: string;
  /** Control-plane operations: identity policies only, within the resource's own account. */
  identityOnly?: boolean;
  /** The condition keys, or a function that builds them when a statement first reads one. */
  context: ConditionContext | (() => ConditionContext);
}

export interface AccessDecision {
  allowed: boolean;
  reason: string;
  matched: StatementMatch[];
}

const NO_MATCH: PolicyEvaluation = { decision: 'NoMatch', matched: [] };

export function principalInfo(identity: IamIdentity): PrincipalInfo {
  return {
    arn: identity.arn,
    accountId: identity.accountId,
    isRoot: identity.isRoot,
    ...(identity.userName === undefined ? {} : { userName: identity.userName }),
    ...(identity.userId === undefined ? {} : { userId: identity.userId }),
  };
}

/**
 * Evaluates identity and bucket policies for one request, AWS's way: an explicit deny wins;
 * within an account either side may allow; across accounts both must. Parsed policies are
 * cached, so a decision costs only the evaluation.
 */
export class AccessPolicies {
  /** Parsed bucket policies by text; `null` remembers a text that does not parse. */
  private readonly parsed = new LruMap<string, ParsedPolicy | null>(1024);

  constructor(private readonly identities: IdentityPolicySource) {}

  check(q: AccessQuery): AccessDecision {
    const principal = principalInfo(q.identity);
    // Built at most once for both sides of the evaluation.
    const context = typeof q.context === 'function' ? once(q.context) : q.context;
    const request = { principal, action: q.action, resource: q.resource, context };
    const identityPolicies = this.identities
      .policiesOf(q.identity)
      .map(({ source, policy }) => ({ source, policy }));
    const identity = evaluatePolicies(identityPolicies, 'identity', request);
    if (q.identityOnly) {
      if (principal.accountId !== q.resourceAccount) {
        return {
          allowed: false,
          reason: `${q.action} is allowed only to identities of the bucket's own account (${q.resourceAccount})`,
          matched: identity.matched,
        };
      }
      return decide({ principal, resourceAccount: q.resourceAccount, identity, resource: NO_MATCH });
    }
    const bucketPolicy = q.bucketPolicy === undefined ? undefined : this.parseText(q.bucketPolicy);
    const resource = bucketPolicy
      ? evaluatePolicies([{ source: 'bucket policy', policy: bucketPolicy }], 'resource', request)
      : NO_MATCH;
    return decide({ principal, resourceAccount: q.resourceAccount, identity, resource });
  }

  /** Bucket policies were validated when stored; one that no longer parses grants nothing. */
  private parseText(text: string): ParsedPolicy | undefined {
    let parsed = this.parsed.get(text);
    if (parsed === undefined) {
      parsed = tryParse(text);
      this.parsed.set(text, parsed);
    }
    return parsed ?? undefined;
  }
}

function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

function tryParse(text: string): ParsedPolicy | null {
  try {
    return parsePolicy(text, 'resource');
  } catch {
    return null;
  }
}
