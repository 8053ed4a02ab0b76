/**
 * Policy evaluation: which statements of a set of policies match one request, and the final
 * allow/deny decision combining the identity side and the resource side (IAM User Guide, "Policy
 * evaluation logic", "Policy evaluation for requests within a single account", "Cross-account
 * policy evaluation logic").
 */
import { evaluateClause, resolveSegments, type ConditionContext } from './conditions.js';
import { exemptedByNotPrincipal, principalMatch } from './principals.js';
import type {
  ContextValue,
  EvaluationRequest,
  ParsedPolicy,
  ParsedStatement,
  PolicyEvaluation,
  PolicyKind,
  PrincipalInfo,
  PrincipalMatchKind,
  ResourcePattern,
  StatementMatch,
} from './types.js';
import { actionMatches, arnSegmentsMatch } from './wildcard.js';

/**
 * The request context with case-insensitive keys, completed with the keys AWS derives from the
 * principal (`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalType`, `aws:userid`, and
 * `aws:username` for IAM users). Values given explicitly in the request win.
 */
export function buildConditionContext(request: EvaluationRequest): ConditionContext {
  // Built on first use: most statements are decided by action and resource alone.
  let map: Map<string, readonly string[]> | undefined;
  const keys = (): Map<string, readonly string[]> => (map ??= contextKeys(request));
  return {
    values: (key) => keys().get(key),
    // Only single-valued keys can be used as policy variables.
    lookup: (key) => {
      const values = keys().get(key);
      return values?.length === 1 ? values[0] : undefined;
    },
  };
}

function contextKeys(request: EvaluationRequest): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  const { principal } = request;
  const derived: Record<string, string | undefined> = {
    'aws:principalaccount': principal.accountId,
    'aws:principalarn': principal.arn,
    'aws:principaltype': principal.isRoot ? 'Account' : 'User',
    'aws:userid': principal.userId ?? (principal.isRoot ? principal.accountId : undefined),
    'aws:username': principal.isRoot ? undefined : principal.userName,
  };
  for (const [key, value] of Object.entries(derived)) if (value !== undefined) map.set(key, [value]);
  const context = typeof request.context === 'function' ? request.context() : request.context;
  for (const [key, value] of Object.entries(context)) {
    const values = normalizeValue(value);
    if (values !== undefined) map.set(key.toLowerCase(), values);
  }
  return map;
}

function normalizeValue(value: ContextValue): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : value;
}

/** `aws:CurrentTime` and `aws:EpochTime` for a request made at `now` (kept out of evaluation so it stays pure). */
export function requestTimeContext(now: Date): Record<string, string> {
  return {
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
  };
}

/**
 * Evaluates a set of policies of one kind (e.g. all identity policies of a user, each labelled with
 * a `source`). Every matching statement is reported; an explicit Deny anywhere decides 'Deny'.
 */
export function evaluatePolicies(
  policies: readonly { source: string; policy: ParsedPolicy }[],
  kind: PolicyKind,
  request: EvaluationRequest,
): PolicyEvaluation {
  const ctx = buildConditionContext(request);
  const matched: StatementMatch[] = [];
  for (const { source, policy } of policies) {
    for (const statement of policy.statements) {
      const match = matchStatement(statement, kind, request, ctx);
      if (match === undefined) continue;
      matched.push({
        source,
        ...(statement.sid !== undefined ? { sid: statement.sid } : {}),
        index: statement.index,
        effect: statement.effect,
        ...(match.principalMatch !== undefined ? { principalMatch: match.principalMatch } : {}),
      });
    }
  }
  const decision = matched.some((m) => m.effect === 'Deny')
    ? 'Deny'
    : matched.some((m) => m.effect === 'Allow')
      ? 'Allow'
      : 'NoMatch';
  return { decision, matched };
}

/** Whether one statement applies to the request; cheap element checks run before conditions. */
function matchStatement(
  statement: ParsedStatement,
  kind: PolicyKind,
  request: EvaluationRequest,
  ctx: ConditionContext,
): { principalMatch?: PrincipalMatchKind } | undefined {
  const { action, resource, principal } = statement;
  if (action.patterns.some((p) => actionMatches(p, request.action)) === action.negated) return undefined;

  let how: PrincipalMatchKind | undefined;
  if (kind === 'resource') {
    if (principal === undefined) return undefined; // parsePolicy guarantees one; be safe regardless
    if (principal.negated) {
      if (exemptedByNotPrincipal(principal.spec, request.principal)) return undefined;
    } else {
      how = principalMatch(principal.spec, request.principal);
      if (how === undefined) return undefined;
    }
  }

  const resourceHit = resource.patterns.some((p) => resourceMatches(p, request.resource, ctx));
  if (resourceHit === resource.negated) return undefined;
  if (!statement.conditions.every((clause) => evaluateClause(clause, ctx))) return undefined;
  return how === undefined ? {} : { principalMatch: how };
}

/** A pattern whose variables cannot be resolved matches nothing (so NotResource then excludes nothing). */
function resourceMatches(pattern: ResourcePattern, resource: string, ctx: ConditionContext): boolean {
  if (pattern.kind === 'any') return true;
  const segments = resolveSegments(pattern.segments, ctx.lookup);
  return segments !== undefined && arnSegmentsMatch(segments, resource);
}

export interface Decision {
  allowed: boolean;
  /** One line for `zonal iam explain`. */
  reason: string;
  /** Every matched statement, identity side first. */
  matched: StatementMatch[];
}

/**
 * The decision AWS makes for one request:
 * - an explicit Deny in either evaluation wins;
 * - same account: allowed if the identity side allows, or the resource policy grants the principal
 *   itself (by its ARN or by "*"). A grant to the account only delegates to the account's own
 *   identity policies, as AWS documents for account principals;
 * - cross-account: both sides must allow.
 * An account root's identity side is an implicit Allow (the root user has full access to its own account).
 */
export function decide(args: {
  principal: PrincipalInfo;
  resourceAccount: string;
  identity: PolicyEvaluation;
  resource: PolicyEvaluation;
}): Decision {
  const { principal, resourceAccount, identity, resource } = args;
  const matched = [...identity.matched, ...resource.matched];
  const denies = matched.filter((m) => m.effect === 'Deny');
  if (denies.length > 0) {
    return { allowed: false, reason: `Explicitly denied by ${denies.map(describe).join(', ')}`, matched };
  }

  const identityAllows = identity.matched.filter((m) => m.effect === 'Allow');
  const resourceAllows = resource.matched.filter((m) => m.effect === 'Allow');
  const identitySide =
    identityAllows.length > 0
      ? `allowed by ${identityAllows.map(describe).join(', ')}`
      : principal.isRoot
        ? 'allowed implicitly for the account root user'
        : undefined;
  const identityOk = identitySide !== undefined;

  if (principal.accountId === resourceAccount) {
    const direct = resourceAllows.filter((m) => m.principalMatch !== 'account');
    if (identityOk) return { allowed: true, reason: `Same account: identity ${identitySide}`, matched };
    if (direct.length > 0) {
      return {
        allowed: true,
        reason: `Same account: resource policy allows by ${direct.map(describe).join(', ')}`,
        matched,
      };
    }
    const delegated =
      resourceAllows.length > 0
        ? `; the resource policy grants only the account (${resourceAllows.map(describe).join(', ')}), which an identity policy must then allow`
        : '';
    return {
      allowed: false,
      reason: `Implicitly denied: no identity or resource policy allows the request${delegated}`,
      matched,
    };
  }

  if (identityOk && resourceAllows.length > 0) {
    return {
      allowed: true,
      reason: `Cross-account: identity ${identitySide}; resource policy allows by ${resourceAllows.map(describe).join(', ')}`,
      matched,
    };
  }
  const missing = [
    identityOk ? undefined : 'no identity policy allows it',
    resourceAllows.length > 0 ? undefined : 'no resource policy statement allows it',
  ]
    .filter((s) => s !== undefined)
    .join(' and ');
  return {
    allowed: false,
    reason: `Implicitly denied: cross-account access needs both an identity and a resource policy allow; ${missing}`,
    matched,
  };
}

function describe(m: StatementMatch): string {
  return `${m.source} statement ${m.sid !== undefined ? `"${m.sid}"` : `#${m.index + 1}`}`;
}
