/**
 * Validation of the identities file. Every message names the element at fault
 * (`accounts[0].users[2].name`), so a bad file is fixed without guessing. Properties this
 * version does not know are left alone (and preserved on write-back).
 */
import type { AccessKeyRecord, AccountRecord, IdentitiesFile, UserRecord } from './types.js';

/** IAM user names: 1–64 of `[\w+=,.@-]`, unique per account ignoring case. */
export const USER_NAME = /^[\w+=,.@-]{1,64}$/;
/** IAM paths: `/` or `/…/` of printable ASCII, at most 512 characters. */
export const USER_PATH = /^\/(?:[\x21-\x7e]*\/)?$/;
export const MAX_PATH_LENGTH = 512;
/** Inline policy names: 1–128 of `[\w+=,.@-]`. */
export const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
/** What SigV4 can carry in a credential scope. */
export const ACCESS_KEY_ID = /^[A-Za-z0-9._~+=@:-]{1,128}$/;
/** IAM unique ids (`AIDA…`): 16–128 word characters. */
export const UNIQUE_ID = /^\w{16,128}$/;
export const ACCOUNT_ID = /^\d{12}$/;

export class IdentitiesFileError extends Error {
  override name = 'IdentitiesFileError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(where: string, problem: string): never {
  throw new IdentitiesFileError(`${where} ${problem}`);
}

function optionalArray(v: unknown, where: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(where, 'must be an array');
  return v;
}

function optionalString(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(where, 'must be a string');
  return v;
}

function checkDate(v: unknown, where: string): void {
  const s = optionalString(v, where);
  if (s !== undefined && Number.isNaN(Date.parse(s))) fail(where, `"${s}" is not an ISO 8601 date`);
}

/** Tracks access key ids and user ids, which must be unique across the whole file. */
export interface UniquenessIndex {
  accessKeys: Map<string, string>;
  userIds: Map<string, string>;
}

function checkAccessKey(v: unknown, where: string, seen: UniquenessIndex): AccessKeyRecord {
  if (!isObject(v)) fail(where, 'must be an object');
  const id = v.accessKeyId;
  if (typeof id !== 'string' || !ACCESS_KEY_ID.test(id)) {
    fail(`${where}.accessKeyId`, 'must be 1–128 characters of A-Z a-z 0-9 . _ ~ + = @ : -');
  }
  const secret = v.secretAccessKey;
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > 128) {
    fail(`${where}.secretAccessKey`, 'must be a non-empty string of at most 128 characters');
  }
  if (v.status !== undefined && v.status !== 'Active' && v.status !== 'Inactive') {
    fail(`${where}.status`, 'must be "Active" or "Inactive"');
  }
  checkDate(v.createDate, `${where}.createDate`);
  const previous = seen.accessKeys.get(id);
  if (previous !== undefined) fail(`${where}.accessKeyId`, `"${id}" is already used by ${previous}`);
  seen.accessKeys.set(id, where);
  return v as unknown as AccessKeyRecord;
}

function checkUser(v: unknown, where: string, seen: UniquenessIndex): UserRecord {
  if (!isObject(v)) fail(where, 'must be an object');
  if (typeof v.name !== 'string' || !USER_NAME.test(v.name)) {
    fail(`${where}.name`, `${JSON.stringify(v.name)} is not a valid IAM user name ([\\w+=,.@-]{1,64})`);
  }
  const userId = optionalString(v.userId, `${where}.userId`);
  if (userId !== undefined) {
    if (!UNIQUE_ID.test(userId)) fail(`${where}.userId`, 'must be 16–128 letters, digits or _');
    const previous = seen.userIds.get(userId);
    if (previous !== undefined) fail(`${where}.userId`, `"${userId}" is already used by ${previous}`);
    seen.userIds.set(userId, where);
  }
  const path = optionalString(v.path, `${where}.path`);
  if (path !== undefined && (!USER_PATH.test(path) || path.length > MAX_PATH_LENGTH)) {
    fail(`${where}.path`, `"${path}" is not an IAM path (/ or /division/team/)`);
  }
  checkDate(v.createDate, `${where}.createDate`);
  optionalArray(v.accessKeys, `${where}.accessKeys`).forEach((k, i) =>
    checkAccessKey(k, `${where}.accessKeys[${i}]`, seen),
  );
  if (v.policies !== undefined) {
    if (!isObject(v.policies)) fail(`${where}.policies`, 'must be an object (policy name → document)');
    for (const [name, doc] of Object.entries(v.policies)) {
      if (!POLICY_NAME.test(name)) fail(`${where}.policies`, `has an invalid policy name "${name}"`);
      if (!isObject(doc)) fail(`${where}.policies["${name}"]`, 'must be a policy document (an object)');
    }
  }
  return v as unknown as UserRecord;
}

function checkAccount(v: unknown, where: string, seen: UniquenessIndex): AccountRecord {
  if (!isObject(v)) fail(where, 'must be an object');
  if (typeof v.id !== 'string' || !ACCOUNT_ID.test(v.id)) {
    fail(`${where}.id`, `${JSON.stringify(v.id)} is not a 12-digit account id`);
  }
  optionalArray(v.rootAccessKeys, `${where}.rootAccessKeys`).forEach((k, i) =>
    checkAccessKey(k, `${where}.rootAccessKeys[${i}]`, seen),
  );
  const names = new Map<string, string>();
  optionalArray(v.users, `${where}.users`).forEach((u, i) => {
    const user = checkUser(u, `${where}.users[${i}]`, seen);
    const lower = user.name.toLowerCase();
    const previous = names.get(lower);
    if (previous !== undefined) {
      fail(`${where}.users[${i}].name`, `"${user.name}" duplicates ${previous} (names ignore case)`);
    }
    names.set(lower, `${where}.users[${i}]`);
  });
  return v as unknown as AccountRecord;
}

/**
 * Checks a parsed identities file. `reserved` holds access key ids used elsewhere (the root
 * credentials of the default account), which the file must not reuse.
 */
export function validateIdentities(raw: unknown, reserved: Map<string, string>): IdentitiesFile {
  if (!isObject(raw)) fail('the file', 'must hold a JSON object with an "accounts" array');
  if (!Array.isArray(raw.accounts)) fail('"accounts"', 'must be an array');
  const seen: UniquenessIndex = { accessKeys: new Map(reserved), userIds: new Map() };
  const ids = new Map<string, string>();
  raw.accounts.forEach((a, i) => {
    const account = checkAccount(a, `accounts[${i}]`, seen);
    const previous = ids.get(account.id);
    if (previous !== undefined) fail(`accounts[${i}].id`, `"${account.id}" duplicates ${previous}`);
    ids.set(account.id, `accounts[${i}]`);
  });
  return raw as unknown as IdentitiesFile;
}
