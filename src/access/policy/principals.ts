/**
 * The Principal and NotPrincipal elements of resource policies (IAM User Guide, "AWS JSON policy
 * elements: Principal" / "NotPrincipal").
 *
 * - `"*"` and `{"AWS": "*"}` name everyone.
 * - An account id and `arn:aws:iam::ACCOUNT:root` are the same thing: the account, which covers
 *   every principal in it. AWS calls this a delegation to the account; `decide` relies on the
 *   match kind to apply it.
 * - Other IAM/STS ARNs name exactly that principal (case-sensitive). Partial wildcards are invalid.
 * - `Service` principals are kept but never match an IAM principal; `CanonicalUser` and `Federated`
 *   principals are not supported by this server.
 */
import { isPlainObject } from './json.js';
import { PolicyError } from './policy-error.js';

export interface PrincipalInfo {
  /** e.g. arn:aws:iam::111111111111:root or arn:aws:iam::111111111111:user/alice */
  arn: string;
  accountId: string;
  isRoot: boolean;
  userName?: string;
  userId?: string;
}

/**
 * How a resource-policy statement's `Principal` matched: `'any'` for "*", `'principal'` when the
 * request principal's own ARN is listed, `'account'` when only its account is. AWS treats an
 * account principal as a delegation to that account, which `decide` honours.
 */
export type PrincipalMatchKind = 'any' | 'principal' | 'account';

export interface PrincipalSpec {
  /** `"*"` (or `{"AWS": "*"}`): every principal. */
  any: boolean;
  /** Account ids named by id or by `arn:…:iam::ACCOUNT:root`. */
  accounts: string[];
  /** Exact principal ARNs (users, roles, sessions). */
  arns: string[];
  services: string[];
}

const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:[a-z0-9-]+:iam::(\d{12}):root$/;
const PRINCIPAL_ARN = /^arn:[a-z0-9-]+:(?:iam|sts)::\d{12}:[^:]+$/;
const SERVICE = /^[a-z0-9][a-z0-9.-]*$/i;

export function parsePrincipal(value: unknown, element: string, where: string): PrincipalSpec {
  const spec: PrincipalSpec = { any: false, accounts: [], arns: [], services: [] };
  const at = `${where} ${element}`;
  if (value === '*') return { ...spec, any: true };
  if (!isPlainObject(value)) {
    throw new PolicyError(`${at} must be "*" or an object such as {"AWS": "111122223333"}`);
  }
  const entries = Object.entries(value);
  if (entries.length === 0) throw new PolicyError(`${at} must name at least one principal`);
  for (const [type, names] of entries) {
    if (type === 'CanonicalUser' || type === 'Federated') {
      throw new PolicyError(`${at}: ${type} principals are not supported`);
    }
    if (type !== 'AWS' && type !== 'Service') {
      throw new PolicyError(`${at}: unknown principal type "${type}" (expected AWS or Service)`);
    }
    const list = Array.isArray(names) ? names : [names];
    if (list.length === 0) throw new PolicyError(`${at}: "${type}" must name at least one principal`);
    for (const name of list) {
      if (typeof name !== 'string') throw new PolicyError(`${at}: "${type}" principals must be strings`);
      if (type === 'Service') {
        if (!SERVICE.test(name)) throw new PolicyError(`${at}: invalid service principal "${name}"`);
        spec.services.push(name);
        continue;
      }
      if (name === '*') {
        spec.any = true;
        continue;
      }
      if (name.includes('*') || name.includes('?')) {
        throw new PolicyError(
          `${at}: invalid principal "${name}": wildcards may only be used as "*" on their own`,
        );
      }
      const root = ROOT_ARN.exec(name);
      if (ACCOUNT_ID.test(name)) spec.accounts.push(name);
      else if (root !== null) spec.accounts.push(root[1] as string);
      else if (PRINCIPAL_ARN.test(name)) spec.arns.push(name);
      else throw new PolicyError(`${at}: invalid principal "${name}" (expected an account id or an IAM ARN)`);
    }
  }
  return spec;
}

/** How `Principal` covers the request principal, or undefined when it does not. */
export function principalMatch(
  spec: PrincipalSpec,
  principal: PrincipalInfo,
): PrincipalMatchKind | undefined {
  const accountListed = spec.accounts.includes(principal.accountId);
  // The root user *is* the account, so naming the account names the root user directly.
  if (spec.arns.includes(principal.arn) || (principal.isRoot && accountListed)) return 'principal';
  if (spec.any) return 'any';
  if (accountListed) return 'account';
  return undefined;
}

/**
 * Whether `NotPrincipal` exempts the request principal. AWS checks the principal's account as well
 * as the principal itself, so a user is exempt only when both its own ARN and its account are
 * listed (the NotPrincipal page: "you must also specify the account ARN of the not-denied principal").
 */
export function exemptedByNotPrincipal(spec: PrincipalSpec, principal: PrincipalInfo): boolean {
  if (spec.any) return true;
  const accountListed = spec.accounts.includes(principal.accountId);
  return accountListed && (principal.isRoot || spec.arns.includes(principal.arn));
}
