import path from 'node:path';
import { readJsonFile, writeSecretJsonFile } from '../util/files.js';
import { newAccessKeyId, newAccountId, newSecretAccessKey } from './random-ids.js';

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

interface StoredRootCredentials {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RootCredentials {
  identity: IamIdentity;
  /** True when the key pair was generated on this start (print it for the user). */
  generated: boolean;
  /** True when the key pair came from the environment. */
  fromEnvironment: boolean;
}

const ROOT_FILE = 'root-credentials.json';

/**
 * Root credentials of the default account: from ZONAL_ROOT_ACCESS_KEY_ID /
 * ZONAL_ROOT_SECRET_ACCESS_KEY when set, else generated once and kept (0600) in the data dir.
 */
export function loadRootCredentials(dataDir: string, env: NodeJS.ProcessEnv): RootCredentials {
  const file = path.join(dataDir, ROOT_FILE);
  const stored = readJsonFile<Partial<StoredRootCredentials>>(file) ?? {};
  const envKey = env.ZONAL_ROOT_ACCESS_KEY_ID;
  const envSecret = env.ZONAL_ROOT_SECRET_ACCESS_KEY;
  if ((envKey === undefined) !== (envSecret === undefined)) {
    throw new Error('Set both ZONAL_ROOT_ACCESS_KEY_ID and ZONAL_ROOT_SECRET_ACCESS_KEY, or neither.');
  }
  const accountId = env.ZONAL_ACCOUNT_ID ?? stored.accountId ?? newAccountId();
  if (!/^\d{12}$/.test(accountId)) throw new Error('ZONAL_ACCOUNT_ID must be 12 digits.');

  const fromEnvironment = envKey !== undefined && envSecret !== undefined;
  let keys: { accessKeyId: string; secretAccessKey: string };
  let generated = false;
  if (fromEnvironment) {
    keys = { accessKeyId: envKey, secretAccessKey: envSecret };
  } else if (stored.accessKeyId && stored.secretAccessKey) {
    keys = { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey };
  } else {
    keys = { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey() };
    generated = true;
  }
  // Keys from the environment are never written to disk; the account id always is.
  const next = fromEnvironment ? { ...stored, accountId } : { accountId, ...keys };
  if (JSON.stringify(next) !== JSON.stringify(stored)) writeSecretJsonFile(file, next);
  return {
    identity: { accountId, ...keys, arn: `arn:aws:iam::${accountId}:root`, isRoot: true },
    generated,
    fromEnvironment,
  };
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
