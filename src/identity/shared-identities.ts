/**
 * The identities of a cluster, shared through PostgreSQL (table identities: one JSON document
 * in the identities-file format). Lookups are answered from memory, by an IdentityStore over a
 * node-local copy of the document in the data dir; every IAM API write is one transaction that
 * locks the row, applies the change to the current document (validated as a file edit would
 * be), stores it and announces it with NOTIFY. Nodes reload on the notification, and every
 * RELOAD_MS as the safety net. The identities file, when the database has no document yet,
 * is its seed.
 */
import fs from 'node:fs';
import pg from 'pg';
import { listenToChannel, type ChannelListener } from '../util/pg-channel-listener.js';
import type { IamIdentity } from '../auth/credentials.js';
import type {
  AccessKeyInfo,
  IdentityPolicy,
  IdentitySource,
  NewAccessKey,
  UserInfo,
} from './identity-source.js';
import { IdentityStore } from './identity-store.js';

export const IDENTITIES_CHANNEL = 'zonal_identities';
const RELOAD_MS = 1000;
const EMPTY = '{\n  "accounts": []\n}\n';

export interface SharedIdentitiesOptions {
  url: string;
  /** The identities file that seeds an empty database (need not exist). */
  seedFile: string;
  /** The node-local copy (in the data dir), this process's own; removed on close. */
  cacheFile: string;
  defaultRoot: IamIdentity;
  onWarning?: (message: string) => void;
}

export class SharedIdentities implements IdentitySource {
  private version = -1;
  private timer: NodeJS.Timeout | undefined;
  private listener: ChannelListener | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    /** The in-memory lookups, over the node-local copy of the shared document. */
    readonly local: IdentityStore,
    private readonly options: SharedIdentitiesOptions,
  ) {}

  static async open(options: SharedIdentitiesOptions): Promise<SharedIdentities> {
    const pool = new pg.Pool({ connectionString: options.url, max: 2, connectionTimeoutMillis: 5000 });
    pool.on('error', () => undefined);
    try {
      const seed = fs.existsSync(options.seedFile) ? fs.readFileSync(options.seedFile, 'utf8') : EMPTY;
      await pool.query(
        'INSERT INTO identities (id, doc, version) VALUES (1, $1, 1) ON CONFLICT (id) DO NOTHING',
        [seed],
      );
      const { rows } = await pool.query<{ doc: string; version: string }>(
        'SELECT doc, version FROM identities WHERE id = 1',
      );
      fs.writeFileSync(options.cacheFile, rows[0]!.doc, { mode: 0o600 });
      const local = IdentityStore.open({
        file: options.cacheFile,
        defaultRoot: options.defaultRoot,
        watch: false,
        ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      });
      const shared = new SharedIdentities(pool, local, options);
      shared.version = Number(rows[0]!.version);
      await shared.listen();
      shared.timer = setInterval(() => void shared.reload().catch(() => undefined), RELOAD_MS);
      shared.timer.unref();
      return shared;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  /** LISTENs for IAM changes (kept up across database outages; pg-channel-listener.ts). */
  private async listen(): Promise<void> {
    const reload = (): void => void this.reload().catch(() => undefined);
    this.listener = await listenToChannel({
      url: this.options.url,
      channel: IDENTITIES_CHANNEL,
      onNotification: reload,
      // Whatever changed while no one listened.
      onConnected: reload,
      onLost: () => undefined,
    });
  }

  /** Loads the shared document if it changed since we last saw it. */
  private async reload(): Promise<void> {
    const { rows } = await this.pool.query<{ doc: string; version: string }>(
      'SELECT doc, version FROM identities WHERE id = 1 AND version <> $1',
      [this.version],
    );
    if (rows[0]) this.adopt(rows[0].doc, Number(rows[0].version));
  }

  private adopt(doc: string, version: number): void {
    fs.writeFileSync(this.options.cacheFile, doc, { mode: 0o600 });
    this.local.reloadFromDisk();
    this.version = version;
  }

  /**
   * One IAM write: under the row lock, the current shared document is loaded, `change` runs
   * against it (throwing IAM errors as the file-backed store does), and the result is stored.
   */
  private async write<T>(change: (store: IdentityStore) => T): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ doc: string; version: string }>(
        'SELECT doc, version FROM identities WHERE id = 1 FOR UPDATE',
      );
      this.adopt(rows[0]!.doc, Number(rows[0]!.version));
      const result = change(this.local);
      const doc = fs.readFileSync(this.options.cacheFile, 'utf8');
      const version = Number(rows[0]!.version) + 1;
      await client.query('UPDATE identities SET doc = $1, version = $2 WHERE id = 1', [doc, version]);
      await client.query('SELECT pg_notify($1, $2)', [IDENTITIES_CHANNEL, String(version)]);
      await client.query('COMMIT');
      this.version = version;
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // The local copy may hold the change that did not commit: back to the shared one.
      this.version = -1;
      await this.reload().catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  // --- lookups: from memory -----------------------------------------------------------------

  lookup(accessKeyId: string): IamIdentity | undefined {
    return this.local.lookup(accessKeyId);
  }
  policiesOf(identity: IamIdentity): readonly IdentityPolicy[] {
    return this.local.policiesOf(identity);
  }
  hasAccount(accountId: string): boolean {
    return this.local.hasAccount(accountId);
  }
  getUser(accountId: string, name: string): UserInfo | undefined {
    return this.local.getUser(accountId, name);
  }
  listUsers(accountId: string, pathPrefix?: string): UserInfo[] {
    return this.local.listUsers(accountId, pathPrefix);
  }
  rootAccessKeys(accountId: string): readonly AccessKeyInfo[] {
    return this.local.rootAccessKeys(accountId);
  }
  userPolicy(accountId: string, userName: string, policyName: string): unknown {
    return this.local.userPolicy(accountId, userName, policyName);
  }

  // --- writes: one transaction each --------------------------------------------------------

  createUser(accountId: string, name: string, userPath?: string): Promise<UserInfo> {
    return this.write((s) => s.createUser(accountId, name, userPath));
  }
  deleteUser(accountId: string, name: string): Promise<void> {
    return this.write((s) => s.deleteUser(accountId, name));
  }
  createAccessKey(accountId: string, userName: string): Promise<NewAccessKey> {
    return this.write((s) => s.createAccessKey(accountId, userName));
  }
  deleteAccessKey(accountId: string, userName: string, accessKeyId: string): Promise<void> {
    return this.write((s) => s.deleteAccessKey(accountId, userName, accessKeyId));
  }
  updateAccessKey(
    accountId: string,
    userName: string,
    accessKeyId: string,
    status: 'Active' | 'Inactive',
  ): Promise<void> {
    return this.write((s) => s.updateAccessKey(accountId, userName, accessKeyId, status));
  }
  putUserPolicy(accountId: string, userName: string, policyName: string, document: object): Promise<void> {
    return this.write((s) => s.putUserPolicy(accountId, userName, policyName, document));
  }
  deleteUserPolicy(accountId: string, userName: string, policyName: string): Promise<void> {
    return this.write((s) => s.deleteUserPolicy(accountId, userName, policyName));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.local.close();
    fs.rmSync(this.options.cacheFile, { force: true });
    this.listener?.close();
    this.pool.end().catch(() => undefined);
  }
}
