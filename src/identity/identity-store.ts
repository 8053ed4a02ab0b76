/**
 * The file-backed identity source (identity-source.ts): accounts, users and access keys, read
 * from the identities file (`--iam-file`) and kept as an immutable snapshot of lookup maps: authentication asks for a key on every request, so a lookup
 * is one Map access. A change (IAM API or an edit of the file) builds a whole new snapshot and
 * swaps it in one assignment; a request never sees half a change.
 *
 * The file is watched by polling its stat, which follows the path and so survives editors
 * that save by writing a new file and renaming it over the old one. A file that fails validation
 * on re-read is reported through `onWarning` and ignored: the previous identities stay.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parsePolicy, PolicyError, type ParsedPolicy } from '../access/policy/index.js';
import type { IamIdentity } from '../auth/credentials.js';
import { newAccessKeyId, newSecretAccessKey } from '../auth/random-ids.js';
import { IdentityError } from './identity-error.js';
import type {
  AccessKeyInfo,
  IdentityPolicy,
  IdentitySource,
  NewAccessKey,
  UserInfo,
} from './identity-source.js';
import { newUserId } from './ids.js';
import type { AccessKeyRecord, AccountRecord, IdentitiesFile, UserRecord } from './types.js';
import { IdentitiesFileError, validateIdentities } from './validate.js';

export interface IdentityStoreOptions {
  /** The identities file; it need not exist (then only the default account exists). */
  file: string;
  /** Root credentials of the default account (environment or `root-credentials.json`). */
  defaultRoot: IamIdentity;
  /** Re-read the file when it changes. */
  watch: boolean;
  /** Poll interval of the watcher in ms (default 500). */
  watchIntervalMs?: number;
  /** Problems that do not stop the server (a bad file on re-read). Never receives secrets. */
  onWarning?: (message: string) => void;
}

interface UserEntry {
  info: UserInfo;
  policies: readonly IdentityPolicy[];
  documents: ReadonlyMap<string, unknown>;
}

interface Snapshot {
  data: IdentitiesFile;
  byKey: Map<string, IamIdentity>;
  /** account id → lower-case user name → user */
  users: Map<string, Map<string, UserEntry>>;
  /** account id → root access keys (the default root's included) */
  rootKeys: Map<string, readonly AccessKeyInfo[]>;
  accountIds: readonly string[];
}

/** AWS quotas the IAM API enforces. */
export const MAX_ACCESS_KEYS_PER_USER = 2;
export const MAX_USERS_PER_ACCOUNT = 5000;
/** Aggregate size of a user's inline policies, whitespace excluded. */
export const MAX_USER_POLICY_SIZE = 2048;

const DEFAULT_WATCH_INTERVAL_MS = 500;

/** ISO 8601 in seconds, as IAM shows dates. */
const isoNow = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const userArn = (accountId: string, userPath: string, name: string): string =>
  `arn:aws:iam::${accountId}:user${userPath}${name}`;

const rootArn = (accountId: string): string => `arn:aws:iam::${accountId}:root`;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const noSuchUser = (name: string): IdentityError =>
  new IdentityError('NoSuchEntity', `The user with name ${name} cannot be found.`);

export class IdentityStore implements IdentitySource {
  private snapshot: Snapshot;
  /** The file's text as last read or written by us; null when the file did not exist. */
  private diskText: string | null;
  private watchTimer: NodeJS.Timeout | undefined;
  private readonly reserved: Map<string, string>;

  private constructor(
    private readonly options: IdentityStoreOptions,
    initial: { snapshot: Snapshot; text: string | null },
  ) {
    this.snapshot = initial.snapshot;
    this.diskText = initial.text;
    this.reserved = IdentityStore.reservedKeys(options.defaultRoot);
  }

  /**
   * Reads and validates the file. A missing file is an empty one; an invalid file throws an
   * Error whose message names the file and the problem (the server refuses to start).
   */
  static open(options: IdentityStoreOptions): IdentityStore {
    const file = path.resolve(options.file);
    const opts = { ...options, file };
    const text = readText(file);
    let snapshot: Snapshot;
    let filled = false;
    try {
      const raw: unknown = text === null ? { accounts: [] } : parseJson(text);
      const data = validateIdentities(raw, IdentityStore.reservedKeys(options.defaultRoot));
      ({ snapshot, filled } = buildSnapshot(data, options.defaultRoot, undefined));
    } catch (err) {
      if (err instanceof IdentitiesFileError) throw new Error(`identities file ${file}: ${err.message}`);
      throw err;
    }
    const store = new IdentityStore(opts, { snapshot, text });
    // Generated user ids must survive restarts: write them back (best effort).
    if (filled) store.writeBack('generated ids');
    if (options.watch) store.startWatching();
    return store;
  }

  private static reservedKeys(root: IamIdentity): Map<string, string> {
    return new Map([
      [
        root.accessKeyId,
        `the root credentials of account ${root.accountId} (environment or root-credentials.json)`,
      ],
    ]);
  }

  get file(): string {
    return this.options.file;
  }

  // --- lookups (hot path) ------------------------------------------------------------------

  /** Active keys only; an Inactive or unknown key is as good as none. */
  lookup(accessKeyId: string): IamIdentity | undefined {
    return this.snapshot.byKey.get(accessKeyId);
  }

  /** The identity-based policies of a principal (roots have none: they may do everything). */
  policiesOf(identity: IamIdentity): readonly IdentityPolicy[] {
    if (identity.isRoot || identity.userName === undefined) return [];
    const entry = this.snapshot.users.get(identity.accountId)?.get(identity.userName.toLowerCase());
    // A user deleted and re-created under the same name is another principal.
    if (!entry || entry.info.userId !== identity.userId) return [];
    return entry.policies;
  }

  getUser(accountId: string, name: string): UserInfo | undefined {
    return this.snapshot.users.get(accountId)?.get(name.toLowerCase())?.info;
  }

  accountIds(): readonly string[] {
    return this.snapshot.accountIds;
  }

  hasAccount(accountId: string): boolean {
    return this.snapshot.rootKeys.has(accountId);
  }

  /** Users of an account, ordered by name (case-insensitively, as IAM lists them). */
  listUsers(accountId: string, pathPrefix = '/'): UserInfo[] {
    const users = [...(this.snapshot.users.get(accountId)?.values() ?? [])].map((e) => e.info);
    return users.filter((u) => u.path.startsWith(pathPrefix)).sort((a, b) => compareNames(a.name, b.name));
  }

  rootAccessKeys(accountId: string): readonly AccessKeyInfo[] {
    return this.snapshot.rootKeys.get(accountId) ?? [];
  }

  userPolicy(accountId: string, userName: string, policyName: string): unknown {
    const entry = this.requireUser(this.snapshot, accountId, userName);
    const doc = entry.documents.get(policyName);
    if (doc === undefined) {
      throw new IdentityError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`);
    }
    return doc;
  }

  // --- mutations (IAM API) -----------------------------------------------------------------

  createUser(accountId: string, name: string, userPath = '/'): UserInfo {
    return this.mutate((data, current) => {
      const users = current.users.get(accountId);
      if (users?.has(name.toLowerCase())) {
        throw new IdentityError('EntityAlreadyExists', `User with name ${name} already exists.`);
      }
      if ((users?.size ?? 0) >= MAX_USERS_PER_ACCOUNT) {
        throw new IdentityError(
          'LimitExceeded',
          `Cannot exceed quota for UsersPerAccount: ${MAX_USERS_PER_ACCOUNT}`,
        );
      }
      const record: UserRecord = { name, userId: newUserId(), path: userPath, createDate: isoNow() };
      (accountOf(data, accountId).users ??= []).push(record);
      return (next) => next.users.get(accountId)!.get(name.toLowerCase())!.info;
    });
  }

  deleteUser(accountId: string, name: string): void {
    this.mutate((data, current) => {
      const { info } = this.requireUser(current, accountId, name);
      if (info.accessKeys.length > 0) {
        throw new IdentityError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
      }
      if (info.policyNames.length > 0) {
        throw new IdentityError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      }
      const account = accountOf(data, accountId);
      account.users = (account.users ?? []).filter((u) => u.userId !== info.userId);
      return () => undefined;
    });
  }

  createAccessKey(accountId: string, userName: string): NewAccessKey {
    return this.mutate((data, current) => {
      const { info } = this.requireUser(current, accountId, userName);
      if (info.accessKeys.length >= MAX_ACCESS_KEYS_PER_USER) {
        throw new IdentityError(
          'LimitExceeded',
          `Cannot exceed quota for AccessKeysPerUser: ${MAX_ACCESS_KEYS_PER_USER}`,
        );
      }
      let accessKeyId = newAccessKeyId();
      while (
        current.byKey.has(accessKeyId) ||
        this.reserved.has(accessKeyId) ||
        keyInFile(data, accessKeyId)
      ) {
        accessKeyId = newAccessKeyId();
      }
      const key: AccessKeyRecord = {
        accessKeyId,
        secretAccessKey: newSecretAccessKey(),
        status: 'Active',
        createDate: isoNow(),
      };
      (userRecordOf(data, accountId, info.userId).accessKeys ??= []).push(key);
      return () => ({
        accessKeyId,
        secretAccessKey: key.secretAccessKey,
        status: 'Active',
        createDate: key.createDate!,
        userName: info.name,
      });
    });
  }

  deleteAccessKey(accountId: string, userName: string, accessKeyId: string): void {
    this.mutate((data, current) => {
      const { info } = this.requireUser(current, accountId, userName);
      const user = userRecordOf(data, accountId, info.userId);
      const keys = user.accessKeys ?? [];
      if (!keys.some((k) => k.accessKeyId === accessKeyId)) throw noSuchKey(accessKeyId);
      user.accessKeys = keys.filter((k) => k.accessKeyId !== accessKeyId);
      return () => undefined;
    });
  }

  updateAccessKey(
    accountId: string,
    userName: string,
    accessKeyId: string,
    status: 'Active' | 'Inactive',
  ): void {
    this.mutate((data, current) => {
      const { info } = this.requireUser(current, accountId, userName);
      const key = userRecordOf(data, accountId, info.userId).accessKeys?.find(
        (k) => k.accessKeyId === accessKeyId,
      );
      if (!key) throw noSuchKey(accessKeyId);
      key.status = status;
      return () => undefined;
    });
  }

  /** Stores the document as given (already validated by the caller). */
  putUserPolicy(accountId: string, userName: string, policyName: string, document: object): void {
    this.mutate((data, current) => {
      const { info, documents } = this.requireUser(current, accountId, userName);
      let size = JSON.stringify(document).length;
      for (const [name, doc] of documents) if (name !== policyName) size += JSON.stringify(doc).length;
      if (size > MAX_USER_POLICY_SIZE) {
        throw new IdentityError(
          'LimitExceeded',
          `Maximum policy size of ${MAX_USER_POLICY_SIZE} bytes exceeded for user ${info.name}`,
        );
      }
      const user = userRecordOf(data, accountId, info.userId);
      setOwn((user.policies ??= {}), policyName, document);
      return () => undefined;
    });
  }

  deleteUserPolicy(accountId: string, userName: string, policyName: string): void {
    this.mutate((data, current) => {
      const { info, documents } = this.requireUser(current, accountId, userName);
      if (!documents.has(policyName)) {
        throw new IdentityError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`);
      }
      const user = userRecordOf(data, accountId, info.userId);
      delete user.policies![policyName];
      if (Object.keys(user.policies!).length === 0) delete user.policies;
      return () => undefined;
    });
  }

  /** Stops watching the file. */
  close(): void {
    if (this.watchTimer !== undefined) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  // --- internals -----------------------------------------------------------------------------

  private requireUser(snapshot: Snapshot, accountId: string, name: string): UserEntry {
    const entry = snapshot.users.get(accountId)?.get(name.toLowerCase());
    if (!entry) throw noSuchUser(name);
    return entry;
  }

  /**
   * Applies a change to a copy of the data, validates it by building the next snapshot, writes
   * the file, then swaps the snapshot in. Synchronous: no other change can interleave.
   */
  private mutate<T>(change: (data: IdentitiesFile, current: Snapshot) => (next: Snapshot) => T): T {
    this.syncBeforeChange();
    const current = this.snapshot;
    const data = structuredClone(current.data);
    const result = change(data, current);
    validateIdentities(data, this.reserved);
    const { snapshot } = buildSnapshot(data, this.options.defaultRoot, current);
    this.writeFile(snapshot.data);
    this.snapshot = snapshot;
    return result(snapshot);
  }

  /**
   * A change is made to what is on disk now: an edit the watcher has not seen yet is loaded
   * first, and an invalid file on disk blocks changes (writing would silently discard the edit).
   */
  private syncBeforeChange(): void {
    const text = readText(this.options.file);
    if (text === null || text === this.diskText) return;
    try {
      this.load(text);
    } catch (err) {
      throw new IdentityError(
        'ServiceFailure',
        `The identities file was changed on disk and is not valid (${(err as Error).message}); ` +
          'fix it before changing identities through the IAM API.',
      );
    }
  }

  private load(text: string): void {
    const data = validateIdentities(parseJson(text), this.reserved);
    const { snapshot, filled } = buildSnapshot(data, this.options.defaultRoot, this.snapshot);
    this.snapshot = snapshot;
    this.diskText = text;
    if (filled) this.writeBack('generated ids');
  }

  private writeBack(why: string): void {
    try {
      this.writeFile(this.snapshot.data);
    } catch (err) {
      this.warn(`could not write ${why} back to ${this.options.file}: ${(err as Error).message}`);
    }
  }

  /** Atomic replace: temp file (0600) + fsync + rename; the watcher then sees our own text. */
  private writeFile(data: IdentitiesFile): void {
    const file = this.options.file;
    const text = JSON.stringify(data, null, 2) + '\n';
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomUUID()}.tmp`);
    try {
      const fd = fs.openSync(tmp, 'wx', 0o600);
      try {
        fs.writeFileSync(fd, text);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    this.diskText = text;
  }

  /**
   * Polls the file's identity (inode, size, times) from a baseline taken here, synchronously,
   * then re-reads once: an edit made after the baseline changes the identity, one made before
   * is caught by the re-read. (fs.watchFile takes its baseline asynchronously, so under load
   * an edit landing before that first stat was never reported.)
   */
  private startWatching(): void {
    let seen = fileIdentity(this.options.file);
    this.onFileChange();
    const poll = (): void => {
      fs.stat(this.options.file, (err, stat) => {
        const now = err ? 'missing' : identityOf(stat);
        if (now === seen || this.watchTimer === undefined) return;
        seen = now;
        this.onFileChange();
      });
    };
    this.watchTimer = setInterval(poll, this.options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
    this.watchTimer.unref();
  }

  private readonly onFileChange = (): void => {
    try {
      this.reloadFromDisk();
    } catch (err) {
      this.warn(`re-reading ${this.options.file} failed: ${(err as Error).message}`);
    }
  };

  /** Re-reads the file if its text changed; a bad file keeps the previous identities. */
  reloadFromDisk(): void {
    let text: string | null;
    try {
      text = readText(this.options.file);
    } catch (err) {
      this.warn(
        `cannot read ${this.options.file} (${(err as Error).message}); keeping the previous identities`,
      );
      return;
    }
    if (text === this.diskText) return;
    if (text === null) {
      // Deleted, or caught between an editor's unlink and write: keep what we have.
      this.warn(`${this.options.file} disappeared; keeping the previous identities`);
      return;
    }
    try {
      this.load(text);
    } catch (err) {
      const message = err instanceof IdentitiesFileError ? err.message : (err as Error).message;
      this.warn(`${this.options.file} is not valid, keeping the previous identities: ${message}`);
    }
  }

  private warn(message: string): void {
    try {
      this.options.onWarning?.(message);
    } catch {
      // A failing logger must not break the watcher.
    }
  }
}

// --- helpers ---------------------------------------------------------------------------------

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read identities file ${file}: ${(err as Error).message}`);
  }
}

/** JSON.parse, with an error that says where but never quotes the text (it holds secrets). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    let where = '';
    if (position !== undefined) {
      const before = text.slice(0, Number(position)).split('\n');
      where = ` at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
    }
    throw new IdentitiesFileError(`is not valid JSON${where}`);
  }
}

function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/**
 * Policy names are data: `obj[name] = value` with the name `__proto__` would set the object's
 * prototype instead of adding a policy (answered 200, stored nothing, never enforced). Defining
 * the property makes every name an own, enumerable key, which Object.entries, JSON.stringify,
 * JSON.parse and structuredClone all keep as one.
 */
function setOwn(record: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}

function noSuchKey(accessKeyId: string): IdentityError {
  return new IdentityError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
}

function accountOf(data: IdentitiesFile, accountId: string): AccountRecord {
  let account = data.accounts.find((a) => a.id === accountId);
  if (!account) {
    account = { id: accountId, users: [] };
    data.accounts.push(account);
  }
  return account;
}

function userRecordOf(data: IdentitiesFile, accountId: string, userId: string): UserRecord {
  const user = accountOf(data, accountId).users?.find((u) => u.userId === userId);
  if (!user) throw new Error(`user ${userId} vanished from the identities data`);
  return user;
}

function keyInFile(data: IdentitiesFile, accessKeyId: string): boolean {
  return data.accounts.some(
    (a) =>
      a.rootAccessKeys?.some((k) => k.accessKeyId === accessKeyId) ||
      a.users?.some((u) => u.accessKeys?.some((k) => k.accessKeyId === accessKeyId)),
  );
}

/** Policies in the file are held to the same rules as PutUserPolicy documents. */
function parseStoredPolicy(accountId: string, source: string, document: unknown): ParsedPolicy {
  try {
    return parsePolicy(JSON.stringify(document), 'identity');
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    throw new IdentitiesFileError(
      `account ${accountId} ${source} is not a valid identity policy: ${err.message}`,
    );
  }
}

function keyInfo(key: AccessKeyRecord): AccessKeyInfo {
  return { accessKeyId: key.accessKeyId, status: key.status ?? 'Active', createDate: key.createDate! };
}

/**
 * Builds the lookup maps from validated data, filling in what the file may omit (user ids,
 * creation dates). Values missing from the file are taken from the previous snapshot when it
 * knew the same user or key, so ids stay stable across re-reads. `filled` reports whether the
 * data was changed (and should be written back).
 */
function buildSnapshot(
  data: IdentitiesFile,
  defaultRoot: IamIdentity,
  previous: Snapshot | undefined,
): { snapshot: Snapshot; filled: boolean } {
  let filled = false;
  const now = isoNow();
  const previousKeyDates = new Map<string, string>();
  if (previous) {
    for (const users of previous.users.values()) {
      for (const { info } of users.values()) {
        for (const k of info.accessKeys) previousKeyDates.set(k.accessKeyId, k.createDate);
      }
    }
    for (const keys of previous.rootKeys.values()) {
      for (const k of keys) previousKeyDates.set(k.accessKeyId, k.createDate);
    }
  }
  const fillKeyDate = (key: AccessKeyRecord): void => {
    if (key.createDate === undefined) {
      key.createDate = previousKeyDates.get(key.accessKeyId) ?? now;
      filled = true;
    }
  };

  const byKey = new Map<string, IamIdentity>();
  /** Lists a key (with its date filled in) and, while active, records whom it signs as. */
  const recordKey = (
    key: AccessKeyRecord,
    listed: AccessKeyInfo[],
    signer: Omit<IamIdentity, 'accessKeyId' | 'secretAccessKey'>,
  ): void => {
    fillKeyDate(key);
    listed.push(keyInfo(key));
    if ((key.status ?? 'Active') === 'Active') {
      byKey.set(key.accessKeyId, {
        ...signer,
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey,
      });
    }
  };
  const users = new Map<string, Map<string, UserEntry>>();
  const rootKeys = new Map<string, readonly AccessKeyInfo[]>();
  byKey.set(defaultRoot.accessKeyId, defaultRoot);
  const rootKeyDate = previous?.rootKeys.get(defaultRoot.accountId)?.[0]?.createDate ?? now;
  rootKeys.set(defaultRoot.accountId, [
    { accessKeyId: defaultRoot.accessKeyId, status: 'Active', createDate: rootKeyDate },
  ]);
  const usedUserIds = new Set<string>();
  for (const account of data.accounts) {
    for (const user of account.users ?? []) if (user.userId) usedUserIds.add(user.userId);
  }

  for (const account of data.accounts) {
    const accountId = account.id;
    const roots = [...(rootKeys.get(accountId) ?? [])];
    for (const key of account.rootAccessKeys ?? []) {
      recordKey(key, roots, { accountId, arn: rootArn(accountId), isRoot: true });
    }
    rootKeys.set(accountId, roots);

    const accountUsers = new Map<string, UserEntry>();
    for (const user of account.users ?? []) {
      const lower = user.name.toLowerCase();
      const before = previous?.users.get(accountId)?.get(lower)?.info;
      if (user.userId === undefined) {
        let id = before && !usedUserIds.has(before.userId) ? before.userId : newUserId();
        while (usedUserIds.has(id)) id = newUserId();
        user.userId = id;
        usedUserIds.add(id);
        filled = true;
      }
      if (user.createDate === undefined) {
        user.createDate = before?.userId === user.userId ? before.createDate : now;
        filled = true;
      }
      const userPath = user.path ?? '/';
      const arn = userArn(accountId, userPath, user.name);
      const accessKeys: AccessKeyInfo[] = [];
      for (const key of user.accessKeys ?? []) {
        recordKey(key, accessKeys, {
          accountId,
          arn,
          isRoot: false,
          userName: user.name,
          userId: user.userId,
        });
      }
      const documents = new Map<string, unknown>();
      const policies: IdentityPolicy[] = [];
      for (const [name, document] of Object.entries(user.policies ?? {})) {
        const source = `user ${user.name} policy ${name}`;
        deepFreeze(document);
        documents.set(name, document);
        policies.push({ source, document, policy: parseStoredPolicy(accountId, source, document) });
      }
      const info: UserInfo = {
        accountId,
        name: user.name,
        userId: user.userId,
        path: userPath,
        arn,
        createDate: user.createDate,
        accessKeys,
        policyNames: [...documents.keys()],
      };
      accountUsers.set(lower, { info: deepFreeze(info), policies: Object.freeze(policies), documents });
    }
    users.set(accountId, accountUsers); // account ids are unique (validated)
  }
  if (!users.has(defaultRoot.accountId)) users.set(defaultRoot.accountId, new Map());
  return {
    snapshot: { data, byKey, users, rootKeys, accountIds: Object.freeze([...rootKeys.keys()]) },
    filled,
  };
}

/** What changes when a file is edited or replaced. */
function identityOf(stat: fs.Stats): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

function fileIdentity(file: string): string {
  try {
    return identityOf(fs.statSync(file));
  } catch {
    return 'missing';
  }
}
