/**
 * Shared types of the policy language: parsed documents, evaluation requests and results.
 * The parsed forms are normalized once by `parsePolicy` so evaluation never re-validates.
 */
import type { ConditionClause } from './conditions.js';
import type { PrincipalInfo, PrincipalMatchKind, PrincipalSpec } from './principals.js';

export type { PrincipalInfo, PrincipalMatchKind } from './principals.js';
import type { Template } from './variables.js';

export type PolicyKind = 'identity' | 'resource';
export type Effect = 'Allow' | 'Deny';

/** `Resource` and `NotResource` entries: `*` or an ARN pattern, one template per ARN segment. */
export type ResourcePattern = { kind: 'any' } | { kind: 'arn'; text: string; segments: Template[] };

export interface ParsedStatement {
  sid?: string;
  /** Position in the policy's statement list (0-based). */
  index: number;
  effect: Effect;
  /** `Action` (negated false) or `NotAction` (negated true); patterns as written. */
  action: { negated: boolean; patterns: string[] };
  resource: { negated: boolean; patterns: ResourcePattern[] };
  /** `Principal` / `NotPrincipal`; absent in identity policies. */
  principal?: { negated: boolean; spec: PrincipalSpec };
  /** Every clause must hold (operators and keys are ANDed). */
  conditions: ConditionClause[];
}

export interface ParsedPolicy {
  id?: string;
  /** As written; absent means the legacy language (2008-10-17): no policy variables. */
  version?: string;
  statements: ParsedStatement[];
}

export type ContextValue = string | string[] | undefined;

export interface EvaluationRequest {
  principal: PrincipalInfo;
  /** e.g. 's3express:CreateSession' (matched case-insensitively) */
  action: string;
  /** e.g. 'arn:aws:s3express:us-east-1:111111111111:bucket/b--use1-az4--x-s3' */
  resource: string;
  /**
   * Condition context: key → value(s). Keys compare case-insensitively; absent keys are absent.
   * A function is called once, when a statement first reads a key (most never do).
   */
  context: Record<string, ContextValue> | (() => Record<string, ContextValue>);
}

export interface StatementMatch {
  source: string;
  sid?: string;
  index: number;
  effect: Effect;
  /** Resource policies only (absent for `NotPrincipal` statements and identity policies). */
  principalMatch?: PrincipalMatchKind;
}

export interface PolicyEvaluation {
  /** 'Deny' = an explicit deny matched; 'Allow' = an allow matched and no deny; 'NoMatch' = implicit deny. */
  decision: 'Allow' | 'Deny' | 'NoMatch';
  /** Every statement that matched (allows and denies), in evaluation order. */
  matched: StatementMatch[];
}
