import type { MaybePromise } from '../util/maybe-promise.js';

/** A long-term (IAM) credential and who it belongs to. */
export interface IamIdentity {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `arn:aws:iam::<account>:root` or `arn:aws:iam::<account>:user/<name>`. */
  arn: string;
  isRoot: boolean;
  /** IAM users only: the user name (aws:username) and its unique id (aws:userid). */
  userName?: string;
  userId?: string;
}

/** Resolves an access key id to its identity; the auth layer's only view of identities. */
export interface CredentialLookup {
  lookup(accessKeyId: string): IamIdentity | undefined;
}

export interface RootCredentials {
  identity: IamIdentity;
  /** True when the key pair was generated on this start (print it for the user). */
  generated: boolean;
  /** True when the key pair came from the environment. */
  fromEnvironment: boolean;
}

/**
 * Where the root credentials of the default account come from: the environment or a file in
 * the data dir today, the shared database later. Read once per start, before the identities.
 */
export interface RootCredentialSource {
  /** The root credentials, generated and kept on first start when none exist. */
  load(): MaybePromise<RootCredentials>;
}

/** The identities Zonal knows about. Today: the root of the default account. */
export class StaticCredentials implements CredentialLookup {
  private readonly byKey = new Map<string, IamIdentity>();

  constructor(identities: IamIdentity[]) {
    for (const identity of identities) this.byKey.set(identity.accessKeyId, identity);
  }

  lookup(accessKeyId: string): IamIdentity | undefined {
    return this.byKey.get(accessKeyId);
  }
}
