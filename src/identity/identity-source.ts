/**
 * What the rest of Zonal may ask of identities: a read side for authentication and
 * authorization (every request), and a write side for the IAM API. The identities file
 * (`IdentityStore`) implements both today; a database-backed source can replace it without
 * its consumers noticing.
 *
 * Reads are synchronous: they run on every request, so a source answers them from what it
 * holds in memory and refreshes that itself. IAM is eventually consistent on AWS too
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
 * Writes may be asynchronous; callers await them. A refused write throws (or rejects with) an
 * IdentityError carrying IAM's code.
 */
import type { ParsedPolicy } from '../access/policy/index.js';
import type { CredentialLookup, IamIdentity } from '../auth/credentials.js';
import type { MaybePromise } from '../util/maybe-promise.js';

export interface AccessKeyInfo {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate: string;
}

/** A user as the IAM API shows it (no secrets). */
export interface UserInfo {
  accountId: string;
  name: string;
  userId: string;
  path: string;
  arn: string;
  createDate: string;
  accessKeys: readonly AccessKeyInfo[];
  policyNames: readonly string[];
}

/**
 * One identity-based policy of a principal; `source` names it for explanations and logs.
 * `policy` is the document parsed once at load, ready for `evaluatePolicies`.
 */
export interface IdentityPolicy {
  source: string;
  document: unknown;
  policy: ParsedPolicy;
}

/** A new access key: the only time its secret leaves the store. */
export interface NewAccessKey extends AccessKeyInfo {
  secretAccessKey: string;
  userName: string;
}

/** The read side: used by authentication, authorization and the IAM API. */
export interface IdentityReader extends CredentialLookup {
  /** Active keys only; an Inactive or unknown key is as good as none. */
  lookup(accessKeyId: string): IamIdentity | undefined;
  /** The identity-based policies of a principal (roots have none: they may do everything). */
  policiesOf(identity: IamIdentity): readonly IdentityPolicy[];
  hasAccount(accountId: string): boolean;
  /** User names are case-insensitive, as in IAM. */
  getUser(accountId: string, name: string): UserInfo | undefined;
  /** Users of an account under a path prefix, ordered by name (case-insensitively, as IAM lists them). */
  listUsers(accountId: string, pathPrefix?: string): UserInfo[];
  /** The root's access keys of an account (the default root's included). */
  rootAccessKeys(accountId: string): readonly AccessKeyInfo[];
  /** An inline policy document; throws IdentityError NoSuchEntity for no such user or policy. */
  userPolicy(accountId: string, userName: string, policyName: string): unknown;
}

/** The write side: the IAM API's changes. Quotas and conflicts are the source's to enforce. */
export interface IdentityWriter {
  createUser(accountId: string, name: string, userPath?: string): MaybePromise<UserInfo>;
  deleteUser(accountId: string, name: string): MaybePromise<void>;
  createAccessKey(accountId: string, userName: string): MaybePromise<NewAccessKey>;
  deleteAccessKey(accountId: string, userName: string, accessKeyId: string): MaybePromise<void>;
  updateAccessKey(
    accountId: string,
    userName: string,
    accessKeyId: string,
    status: 'Active' | 'Inactive',
  ): MaybePromise<void>;
  /** Stores the document as given (already validated by the caller). */
  putUserPolicy(
    accountId: string,
    userName: string,
    policyName: string,
    document: object,
  ): MaybePromise<void>;
  deleteUserPolicy(accountId: string, userName: string, policyName: string): MaybePromise<void>;
}

/** Both sides, as the IAM API (which reads and changes) and the server's services hold them. */
export interface IdentitySource extends IdentityReader, IdentityWriter {}
