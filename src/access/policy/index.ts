/**
 * The AWS IAM policy language for identity policies and bucket (resource) policies: strict
 * parsing (`parsePolicy`), per-policy-set evaluation (`evaluatePolicies`) and the combined
 * identity/resource decision (`decide`).
 */
export { PolicyError } from './policy-error.js';
export {
  type ContextValue,
  type Effect,
  type EvaluationRequest,
  type ParsedPolicy,
  type ParsedStatement,
  type PolicyEvaluation,
  type PolicyKind,
  type PrincipalInfo,
  type PrincipalMatchKind,
  type ResourcePattern,
  type StatementMatch,
} from './types.js';
export {
  DEFAULT_MAX_POLICY_BYTES,
  POLICY_VERSION_CURRENT,
  POLICY_VERSION_LEGACY,
  parsePolicy,
  type ParseOptions,
} from './policy-document.js';
export {
  buildConditionContext,
  decide,
  evaluatePolicies,
  requestTimeContext,
  type Decision,
} from './evaluate.js';
export { CONDITION_OPERATORS, type ConditionClause, type ConditionTest } from './conditions.js';
export type { PrincipalSpec } from './principals.js';
export { actionMatches } from './wildcard.js';
