import path from 'node:path';
import { readJsonFile, writeSecretJsonFile } from '../util/files.js';
import type { RootCredentialSource, RootCredentials } from './credentials.js';
import { newAccessKeyId, newAccountId, newSecretAccessKey } from './random-ids.js';

interface StoredRootCredentials {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const ROOT_FILE = 'root-credentials.json';

/**
 * Root credentials of the default account: from ZONAL_ROOT_ACCESS_KEY_ID /
 * ZONAL_ROOT_SECRET_ACCESS_KEY when set, else generated once and kept (0600) in the data dir.
 */
export class FileRootCredentials implements RootCredentialSource {
  constructor(
    private readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  load(): RootCredentials {
    const { env } = this;
    const file = path.join(this.dataDir, ROOT_FILE);
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
}
