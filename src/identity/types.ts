/**
 * Accounts, users and access keys: the shape of the identities file (`--iam-file`, default
 * `<data-dir>/iam.json`), which is also where the IAM API persists its changes.
 */

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  /** Defaults to Active when absent in the file. */
  status?: 'Active' | 'Inactive';
  /** ISO 8601. */
  createDate?: string;
}

export interface UserRecord {
  name: string;
  /** `AIDA…`, stable for the user's lifetime (aws:userid). Generated when absent. */
  userId?: string;
  /** IAM path, default `/`. */
  path?: string;
  createDate?: string;
  accessKeys?: AccessKeyRecord[];
  /** Inline policies: name → policy document (JSON object). */
  policies?: Record<string, unknown>;
}

export interface AccountRecord {
  /** 12 digits. */
  id: string;
  rootAccessKeys?: AccessKeyRecord[];
  users?: UserRecord[];
}

export interface IdentitiesFile {
  accounts: AccountRecord[];
}
