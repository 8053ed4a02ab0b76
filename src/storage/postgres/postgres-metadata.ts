/**
 * The PostgreSQL metadata store (cluster mode): every visibility decision of every node that
 * shares the database. Each write is one READ COMMITTED transaction whose deciding rows are
 * read `FOR UPDATE` (the bucket row `FOR KEY SHARE`, so a DeleteBucket waits for writes into
 * it), so conditions and `build` callbacks are evaluated at commit time on the rows that
 * commit; two inserts of an absent key race on the primary key and the loser runs again
 * (and then sees the winner). Rows are locked in one order (bucket, upload, then keys in byte
 * order) so concurrent writes cannot deadlock each other.
 *
 * Object metadata is never cached. Bucket records are (every request looks its bucket up):
 * per node, dropped on a NOTIFY from the node that changed one, with a short TTL as the net.
 * A commit is durable (synchronous_commit), so `durable()` resolves at once.
 */
import pg from 'pg';
import { noSuchAccessPoint, noSuchBucket, noSuchUpload, S3Error } from '../../errors/s3-error.js';
import { applyAccessPointChange } from '../access-points.js';
import { checkDeleteCondition, checkWriteCondition } from '../conditions.js';
import type { FreedBlob, InlineBlob, MetadataStore } from '../halves.js';
import {
  commonPrefixOf,
  firstSeek,
  firstUploadSeek,
  seekPast,
  uploadPosition,
  type Seek,
  type UploadSeek,
} from '../listing.js';
import type { ByteRange, ClientToken, DeleteCondition } from '../object-store.js';
import {
  accessPointToRow,
  bucketToRow,
  objectToRow,
  partToRow,
  rowSegments,
  rowToAccessPoint,
  rowToBucket,
  rowToObject,
  rowToPart,
  rowToSummary,
  rowToUpload,
  tagsToColumn,
  uploadToRow,
  type AccessPointRow,
  type BucketRow,
  type PartRow,
} from '../rows.js';
import type {
  AccessPointChange,
  AccessPointListPage,
  AccessPointRecord,
  BucketConfigurationKind,
  BucketListPage,
  BucketRecord,
  ListObjectsPage,
  ListObjectsQuery,
  ListUploadsQuery,
  ObjectRecord,
  PartListPage,
  PartRecord,
  ResourceTag,
  ServerSideEncryption,
  UploadListPage,
  UploadRecord,
  WriteCondition,
} from '../types.js';
import { bytesSuccessor, LIST_OBJECTS_SQL } from './listing-sql.js';
import { describeUrl, openPool, query, transaction } from './pg-connection.js';
import { listenToChannel, type ChannelListener } from '../../util/pg-channel-listener.js';
import {
  fromKeyed,
  keyBytes,
  OBJECT_SELECT,
  objectParams,
  type PgObjectRow,
  type PgSummaryRow,
  type PgUploadRow,
} from './pg-rows.js';
import { migrate, SchemaVersionError } from './schema.js';

export interface PostgresMetadataOptions {
  /** `postgres://USER[:PASSWORD]@HOST:PORT/DB`. */
  url: string;
  /** Pool size of this node. */
  poolSize?: number;
  /** Listen for bucket changes of other nodes (off: the TTL alone bounds staleness). */
  listen?: boolean;
  /**
   * Freed blobs go into the garbage table, in the transaction that freed them, for
   * `collectGarbage` to remove after a grace period (several nodes); off, they are returned
   * to the caller to remove at once.
   */
  deferFrees?: boolean;
}

/** How stale a cached bucket record may be at most, if a notification was missed. */
export const BUCKET_CACHE_TTL_MS = 900;
const BUCKET_CACHE_SIZE = 10_000;
/** The channel bucket changes are announced on (payload: the bucket name). */
export const BUCKET_CHANNEL = 'zonal_bucket';
const CLIENT_TOKEN_TTL_MS = 60 * 60 * 1000;
const CLIENT_TOKEN_PURGE_INTERVAL_MS = 60 * 1000;
const UPLOAD_BATCH = 200;

type Blobbed = { blobId: string; inline?: true };
const freedOf = (b: Blobbed): FreedBlob => ({ blobId: b.blobId, inline: b.inline === true });
const blobsOf = (r: { segments: readonly Blobbed[] } | undefined): FreedBlob[] =>
  r ? r.segments.map(freedOf) : [];
function without(blobs: readonly FreedBlob[], keep: readonly FreedBlob[]): FreedBlob[] {
  const kept = new Set(keep.map((b) => b.blobId));
  return blobs.filter((b) => !kept.has(b.blobId));
}

function freezeBucket(record: BucketRecord): BucketRecord {
  if (record.encryption) Object.freeze(record.encryption);
  return Object.freeze(record);
}

const INSERT_OBJECT = `INSERT INTO objects (${OBJECT_SELECT}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`;
const UPDATE_OBJECT = `UPDATE objects SET size=$3, etag=$4, last_modified=$5, content=$6, metadata=$7, checksums=$8,
  checksum_type=$9, multipart=$10, encryption=$11, upload_id=$12, segments=$13 WHERE bucket=$1 AND key=$2`;

export class PostgresMetadataStore implements MetadataStore {
  private readonly bucketCache = new Map<string, { record: BucketRecord | undefined; at: number }>();
  /**
   * Bumped by every invalidation: a lookup that was in flight across one may have read the
   * old row, so it answers but does not fill the cache.
   */
  private bucketGeneration = 0;
  private listener: ChannelListener | undefined;
  private lastTokenPurge = 0;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly deferFrees: boolean,
  ) {}

  /**
   * Connects, migrates the schema (under an advisory lock) and starts listening for bucket
   * changes. Fails with a message naming the host (never the password).
   */
  static async open(options: PostgresMetadataOptions): Promise<PostgresMetadataStore> {
    const pool = openPool({ url: options.url, max: options.poolSize });
    const where = describeUrl(options.url);
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof SchemaVersionError) throw new Error(`metadata database ${where}: ${err.message}`);
      throw new Error(`cannot use the metadata database ${where}: ${errorText(err)}`, { cause: err });
    }
    const store = new PostgresMetadataStore(pool, options.deferFrees ?? false);
    if (options.listen !== false) await store.listen(options.url);
    return store;
  }

  /** A dedicated connection LISTENing for bucket changes (pg-channel-listener.ts). */
  private async listen(url: string): Promise<void> {
    // Any change of the connection may have missed notifications: drop the whole cache.
    const dropAll = (): void => {
      this.bucketGeneration++;
      this.bucketCache.clear();
    };
    this.listener = await listenToChannel({
      url,
      channel: BUCKET_CHANNEL,
      onNotification: (payload) => {
        this.bucketGeneration++;
        if (payload) this.bucketCache.delete(payload);
        else this.bucketCache.clear();
      },
      onConnected: dropAll,
      onLost: dropAll,
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener?.close();
    this.pool.end().catch(() => undefined);
  }

  /** Every write was committed durably before it returned. */
  durable(): Promise<void> {
    return Promise.resolve();
  }

  // --- buckets ----------------------------------------------------------------------------

  getBucket(name: string): BucketRecord | undefined | Promise<BucketRecord | undefined> {
    const now = Date.now();
    const cached = this.bucketCache.get(name);
    const generation = this.bucketGeneration;
    if (cached !== undefined && now - cached.at < BUCKET_CACHE_TTL_MS) return cached.record;
    return query<BucketRow>(this.pool, 'SELECT * FROM buckets WHERE name = $1', [name]).then(({ rows }) => {
      const record = rows[0] && freezeBucket(rowToBucket(rows[0]));
      if (this.bucketCache.size >= BUCKET_CACHE_SIZE) this.bucketCache.clear();
      if (generation === this.bucketGeneration) this.bucketCache.set(name, { record, at: now });
      return record;
    });
  }

  async listBuckets(
    ownerAccountId: string,
    after: string | undefined,
    limit: number,
  ): Promise<BucketListPage> {
    if (limit <= 0) return { buckets: [] };
    const { rows } = await query<BucketRow>(
      this.pool,
      'SELECT * FROM buckets WHERE owner_account_id = $1 AND name > $2 ORDER BY name LIMIT $3',
      [ownerAccountId, after ?? '', limit + 1],
    );
    return bucketPage(rows, limit);
  }

  async listAllBuckets(after: string | undefined, limit: number): Promise<BucketListPage> {
    if (limit <= 0) return { buckets: [] };
    const { rows } = await query<BucketRow>(
      this.pool,
      'SELECT * FROM buckets WHERE name > $1 ORDER BY name LIMIT $2',
      [after ?? '', limit + 1],
    );
    return bucketPage(rows, limit);
  }

  /** A change of a bucket row, announced to every node at commit. */
  private async changeBucket<T>(name: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    this.bucketGeneration++;
    this.bucketCache.delete(name);
    try {
      return await transaction(this.pool, async (c) => {
        const result = await fn(c);
        await c.query('SELECT pg_notify($1, $2)', [BUCKET_CHANNEL, name]);
        return result;
      });
    } finally {
      this.bucketGeneration++;
      this.bucketCache.delete(name);
    }
  }

  async createBucket(bucket: BucketRecord): Promise<void> {
    const r = bucketToRow(bucket);
    await this.changeBucket(bucket.name, async (c) => {
      const inserted = await c.query(
        `INSERT INTO buckets (name, zone_id, location_type, region, owner_account_id, created_at, incarnation, policy,
                              encryption, lifecycle, inventory, metrics, tags)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (name) DO NOTHING`,
        [
          r.name,
          r.zone_id,
          r.location_type,
          r.region,
          r.owner_account_id,
          r.created_at,
          r.incarnation,
          r.policy,
          r.encryption,
          r.lifecycle,
          r.inventory,
          r.metrics,
          r.tags,
        ],
      );
      if (inserted.rowCount === 1) return;
      const { rows } = await c.query<{ owner_account_id: string }>(
        'SELECT owner_account_id FROM buckets WHERE name = $1',
        [bucket.name],
      );
      throw new S3Error(
        rows[0]?.owner_account_id === bucket.ownerAccountId
          ? 'BucketAlreadyOwnedByYou'
          : 'BucketAlreadyExists',
        undefined,
        { BucketName: bucket.name },
      );
    });
  }

  async deleteBucket(name: string): Promise<void> {
    await this.changeBucket(name, async (c) => {
      const found = await c.query('SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE', [name]);
      if (found.rowCount === 0) throw noSuchBucket(name);
      // In-progress multipart uploads keep a directory bucket alive.
      const busy = await c.query(
        `SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = $1) OR EXISTS (SELECT 1 FROM uploads WHERE bucket = $1) AS busy`,
        [name],
      );
      if (busy.rows[0].busy) throw new S3Error('BucketNotEmpty', undefined, { BucketName: name });
      await c.query('DELETE FROM buckets WHERE name = $1', [name]);
      // A bucket created later under the same name must not replay this one's renames.
      await c.query('DELETE FROM client_tokens WHERE bucket = $1', [name]);
    });
  }

  private async setBucketColumn(name: string, column: string, value: string | null): Promise<void> {
    await this.changeBucket(name, async (c) => {
      const updated = await c.query(`UPDATE buckets SET ${column} = $1 WHERE name = $2`, [value, name]);
      if (updated.rowCount === 0) throw noSuchBucket(name);
    });
  }

  setBucketPolicy(name: string, policy: string | undefined): Promise<void> {
    return this.setBucketColumn(name, 'policy', policy ?? null);
  }

  setBucketEncryption(name: string, encryption: ServerSideEncryption | undefined): Promise<void> {
    return this.setBucketColumn(
      name,
      'encryption',
      encryption === undefined ? null : JSON.stringify(encryption),
    );
  }

  setBucketTags(name: string, tags: readonly ResourceTag[]): Promise<void> {
    return this.setBucketColumn(name, 'tags', tagsToColumn(tags));
  }

  async updateBucketConfiguration(
    name: string,
    kind: BucketConfigurationKind,
    update: (current: string | undefined) => string | undefined,
  ): Promise<void> {
    const column = ({ lifecycle: 'lifecycle', inventory: 'inventory', metrics: 'metrics' } as const)[kind];
    await this.changeBucket(name, async (c) => {
      const { rows } = await c.query<Record<string, string | null>>(
        `SELECT ${column} AS doc FROM buckets WHERE name = $1 FOR UPDATE`,
        [name],
      );
      if (rows.length === 0) throw noSuchBucket(name);
      const next = update(rows[0]!.doc ?? undefined) ?? null;
      await c.query(`UPDATE buckets SET ${column} = $1 WHERE name = $2`, [next, name]);
    });
  }

  // --- access points (read on every request through one: not cached) ---------------------

  async getAccessPoint(name: string): Promise<AccessPointRecord | undefined> {
    const { rows } = await query<AccessPointRow>(this.pool, 'SELECT * FROM access_points WHERE name = $1', [
      name,
    ]);
    return rows[0] && rowToAccessPoint(rows[0]);
  }

  async createAccessPoint(accessPoint: AccessPointRecord): Promise<void> {
    const r = accessPointToRow(accessPoint);
    const inserted = await query(
      this.pool,
      `INSERT INTO access_points (name, bucket, bucket_incarnation, bucket_owner_account_id, owner_account_id, region,
                                  zone_id, created_at, policy, scope, tags)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (name) DO NOTHING`,
      [
        r.name,
        r.bucket,
        r.bucket_incarnation,
        r.bucket_owner_account_id,
        r.owner_account_id,
        r.region,
        r.zone_id,
        r.created_at,
        r.policy,
        r.scope,
        r.tags,
      ],
    );
    if (inserted.rowCount === 0) {
      throw new S3Error('AccessPointAlreadyOwnedByYou', undefined, { AccessPointName: accessPoint.name });
    }
  }

  async deleteAccessPoint(name: string): Promise<void> {
    const deleted = await query(this.pool, 'DELETE FROM access_points WHERE name = $1', [name]);
    if (deleted.rowCount === 0) throw noSuchAccessPoint(name);
  }

  async updateAccessPoint(name: string, change: AccessPointChange): Promise<void> {
    await transaction(this.pool, async (c) => {
      const { rows } = await c.query<AccessPointRow>(
        'SELECT * FROM access_points WHERE name = $1 FOR UPDATE',
        [name],
      );
      if (rows.length === 0) throw noSuchAccessPoint(name);
      const next = accessPointToRow(applyAccessPointChange(rowToAccessPoint(rows[0]!), change));
      await c.query('UPDATE access_points SET policy = $1, scope = $2, tags = $3 WHERE name = $4', [
        next.policy,
        next.scope,
        next.tags,
        name,
      ]);
    });
  }

  async listAccessPoints(
    ownerAccountId: string,
    bucket: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<AccessPointListPage> {
    if (limit <= 0) return { accessPoints: [] };
    const { rows } = await query<AccessPointRow>(
      this.pool,
      `SELECT * FROM access_points WHERE owner_account_id = $1 AND ($2::text IS NULL OR bucket = $2) AND name > $3
       ORDER BY name LIMIT $4`,
      [ownerAccountId, bucket ?? null, after ?? '', limit + 1],
    );
    const accessPoints = rows.slice(0, limit).map(rowToAccessPoint);
    const page: AccessPointListPage = { accessPoints };
    if (rows.length > limit) page.lastReturned = accessPoints[accessPoints.length - 1]!.name;
    return page;
  }

  // --- objects ----------------------------------------------------------------------------

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const { rows } = await query<PgObjectRow>(
      this.pool,
      `SELECT ${OBJECT_SELECT} FROM objects WHERE bucket = $1 AND key = $2`,
      [bucket, keyBytes(key)],
    );
    return rows[0] && rowToObject(fromKeyed(rows[0]));
  }

  async readInline(blobId: string, range: ByteRange): Promise<Buffer | undefined> {
    const { rows } = await query<{ data: Buffer }>(
      this.pool,
      'SELECT substring(data FROM $2::int FOR $3::int) AS data FROM inline_blobs WHERE blob_id = $1',
      [blobId, range.start + 1, range.end - range.start + 1],
    );
    return rows[0]?.data;
  }

  async listObjects(q: ListObjectsQuery): Promise<ListObjectsPage> {
    const page: ListObjectsPage = { objects: [], commonPrefixes: [], isTruncated: false };
    if (q.maxKeys <= 0) return page;
    const seek = firstSeek(q);
    if (seek === undefined) return page;
    const prefix = keyBytes(q.prefix);
    const from = seek.inclusive ? keyBytes(seek.key) : Buffer.concat([keyBytes(seek.key), Buffer.of(0)]);
    const { rows } = await query<PgSummaryRow & { at: number }>(this.pool, LIST_OBJECTS_SQL, [
      q.bucket,
      from,
      prefix.length,
      bytesSuccessor(prefix) ?? null,
      q.delimiter === '/',
      q.maxKeys + 1,
    ]);
    for (const row of rows) {
      if (page.objects.length + page.commonPrefixes.length === q.maxKeys) {
        page.isTruncated = true;
        break;
      }
      if (row.at > 0) {
        const common = row.key.subarray(0, prefix.length + row.at).toString('utf8');
        page.commonPrefixes.push(common);
        page.lastReturned = common;
      } else {
        const { at: _at, ...summary } = row;
        const object = rowToSummary(fromKeyed(summary));
        page.objects.push(object);
        page.lastReturned = object.key;
      }
    }
    return page;
  }

  /** Locks the bucket row against deletion for the transaction; 404 NoSuchBucket. */
  private async holdBucket(c: pg.PoolClient, bucket: string): Promise<void> {
    const { rowCount } = await c.query('SELECT 1 FROM buckets WHERE name = $1 FOR KEY SHARE', [bucket]);
    if (rowCount === 0) throw noSuchBucket(bucket);
  }

  private async lockObject(c: pg.PoolClient, bucket: string, key: string): Promise<PgObjectRow | undefined> {
    const { rows } = await c.query<PgObjectRow>(
      `SELECT ${OBJECT_SELECT} FROM objects WHERE bucket = $1 AND key = $2 FOR UPDATE`,
      [bucket, keyBytes(key)],
    );
    return rows[0];
  }

  /** Writes `record` over the row `existed` says is there (locked), or inserts it (may race: 23505 reruns). */
  private async writeObject(c: pg.PoolClient, record: ObjectRecord, existed: boolean): Promise<void> {
    await c.query(existed ? UPDATE_OBJECT : INSERT_OBJECT, objectParams(objectToRow(record)));
  }

  private async insertInline(c: pg.PoolClient, inline: readonly InlineBlob[]): Promise<void> {
    for (const blob of inline) {
      await c.query('INSERT INTO inline_blobs (blob_id, data) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        blob.blobId,
        blob.bytes,
      ]);
    }
  }

  putObject(
    record: ObjectRecord,
    condition: WriteCondition | undefined,
    inline: readonly InlineBlob[],
  ): Promise<FreedBlob[]> {
    return transaction(this.pool, async (c) => {
      const row = await this.holdBucketAndLockObject(c, record.bucket, record.key);
      checkWriteCondition(row && { etag: row.etag }, condition, record.key);
      const previous = row ? rowSegments(fromKeyed(row)).map(freedOf) : [];
      return this.writeObjectAndBlobs(
        c,
        record,
        row !== undefined,
        inline,
        without(previous, blobsOf(record)),
      );
    });
  }

  updateObject(
    bucket: string,
    key: string,
    build: (current: ObjectRecord | undefined) => ObjectRecord,
    inline: readonly InlineBlob[],
  ): Promise<{ record: ObjectRecord; freed: FreedBlob[] }> {
    return transaction(this.pool, async (c) => {
      const row = await this.holdBucketAndLockObject(c, bucket, key);
      const current = row && rowToObject(fromKeyed(row));
      const record = build(current);
      if (record.bucket !== bucket || record.key !== key) {
        throw new Error(`updateObject of ${bucket}/${key} built a record for ${record.bucket}/${record.key}`);
      }
      const freed = without(blobsOf(current), blobsOf(record));
      return { record, freed: await this.writeObjectAndBlobs(c, record, row !== undefined, inline, freed) };
    });
  }

  /**
   * The hot path's first round trip: the bucket row held `FOR KEY SHARE` (404 NoSuchBucket)
   * and the key's row locked `FOR UPDATE` (undefined if absent).
   */
  private async holdBucketAndLockObject(
    c: pg.PoolClient,
    bucket: string,
    key: string,
  ): Promise<PgObjectRow | undefined> {
    const { rows } = await c.query<PgObjectRow & { bucket_found: boolean }>(
      `WITH b AS (SELECT 1 FROM buckets WHERE name = $1 FOR KEY SHARE)
       SELECT EXISTS (SELECT 1 FROM b) AS bucket_found, o.* FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT ${OBJECT_SELECT} FROM objects WHERE bucket = $1 AND key = $2 FOR UPDATE) AS o ON true`,
      [bucket, keyBytes(key)],
    );
    const { bucket_found: found, ...object } = rows[0]!;
    if (!found) throw noSuchBucket(bucket);
    return object.key === null ? undefined : object;
  }

  /**
   * The hot path's second round trip: the object row written, its new inline body inserted
   * and, with `deferFrees`, the blobs it freed recorded as garbage, in one statement.
   * Returns the freed blobs the caller must remove (none when deferred).
   */
  private async writeObjectAndBlobs(
    c: pg.PoolClient,
    record: ObjectRecord,
    existed: boolean,
    inline: readonly InlineBlob[],
    freed: FreedBlob[],
  ): Promise<FreedBlob[]> {
    const params = objectParams(objectToRow(record));
    const ctes: string[] = [];
    if (inline.length > 0) {
      params.push(
        inline.map((b) => b.blobId),
        inline.map((b) => b.bytes),
      );
      ctes.push(
        `inl AS (INSERT INTO inline_blobs (blob_id, data)
                 SELECT * FROM unnest($${params.length - 1}::text[], $${params.length}::bytea[]) ON CONFLICT DO NOTHING)`,
      );
    }
    const defer = this.deferFrees && freed.length > 0;
    if (defer) {
      params.push(
        freed.map((b) => b.blobId),
        freed.map((b) => (b.inline ? 1 : 0)),
        Date.now(),
      );
      const n = params.length;
      ctes.push(
        `gar AS (INSERT INTO garbage (blob_id, inline, dead_at)
                 SELECT id, inl, $${n}::bigint FROM unnest($${n - 2}::text[], $${n - 1}::smallint[]) AS g(id, inl)
                 ON CONFLICT (blob_id) DO NOTHING)`,
      );
    }
    const write = existed ? UPDATE_OBJECT : INSERT_OBJECT;
    await c.query(ctes.length === 0 ? write : `WITH ${ctes.join(', ')} ${write}`, params);
    return defer ? [] : freed;
  }

  deleteObject(
    bucket: string,
    key: string,
    condition: DeleteCondition | undefined,
  ): Promise<{ deleted?: ObjectRecord; freed: FreedBlob[] }> {
    return transaction(this.pool, async (c) => {
      const row = await this.lockObject(c, bucket, key);
      if (!row) {
        const { rowCount } = await c.query('SELECT 1 FROM buckets WHERE name = $1', [bucket]);
        if (rowCount === 0) throw noSuchBucket(bucket);
        return { freed: [] };
      }
      const current = rowToObject(fromKeyed(row));
      checkDeleteCondition(current, condition);
      await c.query('DELETE FROM objects WHERE bucket = $1 AND key = $2', [bucket, keyBytes(key)]);
      return { deleted: current, freed: await this.settle(c, blobsOf(current)) };
    });
  }

  renameObject(
    bucket: string,
    srcKey: string,
    dstKey: string,
    check: (src: ObjectRecord | undefined, dst: ObjectRecord | undefined) => void,
    clientToken: ClientToken | undefined,
  ): Promise<{ record?: ObjectRecord; replayed: boolean; freed: FreedBlob[] }> {
    return transaction(this.pool, async (c) => {
      await this.holdBucket(c, bucket);
      const now = Date.now();
      if (now - this.lastTokenPurge >= CLIENT_TOKEN_PURGE_INTERVAL_MS) {
        this.lastTokenPurge = now;
        await c.query('DELETE FROM client_tokens WHERE created_at < $1', [now - CLIENT_TOKEN_TTL_MS]);
      }
      if (clientToken) {
        // Locked, so a concurrent retry with the same token waits for this one and replays it.
        const { rows } = await c.query<{ fingerprint: string }>(
          'SELECT fingerprint FROM client_tokens WHERE bucket = $1 AND token = $2 AND created_at >= $3 FOR UPDATE',
          [bucket, clientToken.token, now - CLIENT_TOKEN_TTL_MS],
        );
        if (rows[0]) {
          if (rows[0].fingerprint !== clientToken.fingerprint)
            throw new S3Error('IdempotencyParameterMismatch');
          const dst = await this.lockObject(c, bucket, dstKey);
          return { record: dst && rowToObject(fromKeyed(dst)), replayed: true, freed: [] };
        }
      }
      // Both keys locked in byte order: two renames over the same pair cannot deadlock.
      const [first, second] =
        Buffer.compare(keyBytes(srcKey), keyBytes(dstKey)) <= 0 ? [srcKey, dstKey] : [dstKey, srcKey];
      const firstRow = await this.lockObject(c, bucket, first);
      const secondRow = first === second ? firstRow : await this.lockObject(c, bucket, second);
      const srcRow = first === srcKey ? firstRow : secondRow;
      const dstRow = first === srcKey ? secondRow : firstRow;
      const src = srcRow && rowToObject(fromKeyed(srcRow));
      const dst = dstRow && rowToObject(fromKeyed(dstRow));
      check(src, dst);
      if (!src) throw new Error(`renameObject of a missing ${bucket}/${srcKey} was not refused`);
      const record: ObjectRecord = { ...src, key: dstKey };
      await c.query('DELETE FROM objects WHERE bucket = $1 AND key = $2', [bucket, keyBytes(srcKey)]);
      await this.writeObject(c, record, dstRow !== undefined && srcKey !== dstKey);
      if (clientToken) {
        await c.query(
          `INSERT INTO client_tokens (bucket, token, fingerprint, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (bucket, token) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at`,
          [bucket, clientToken.token, clientToken.fingerprint, now],
        );
      }
      return { record, replayed: false, freed: await this.settle(c, without(blobsOf(dst), blobsOf(record))) };
    });
  }

  // --- multipart uploads ------------------------------------------------------------------

  async createUpload(u: UploadRecord): Promise<void> {
    const r = uploadToRow(u);
    await transaction(this.pool, async (c) => {
      await this.holdBucket(c, u.bucket);
      await c.query(
        `INSERT INTO uploads (upload_id, bucket, key, initiated, content, metadata, checksum_algorithm, checksum_type, encryption)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
        [
          r.upload_id,
          r.bucket,
          keyBytes(r.key),
          r.initiated,
          r.content,
          r.metadata,
          r.checksum_algorithm,
          r.checksum_type,
          r.encryption,
        ],
      );
    });
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const { rows } = await query<PgUploadRow>(this.pool, 'SELECT * FROM uploads WHERE upload_id = $1', [
      uploadId,
    ]);
    return rows[0] && rowToUpload(fromKeyed(rows[0]));
  }

  deleteUpload(uploadId: string): Promise<FreedBlob[] | undefined> {
    return transaction(this.pool, async (c) => {
      const found = await c.query('SELECT 1 FROM uploads WHERE upload_id = $1 FOR UPDATE', [uploadId]);
      if (found.rowCount === 0) return undefined;
      const { rows } = await c.query<{ blob_id: string; inline: number }>(
        'DELETE FROM parts WHERE upload_id = $1 RETURNING blob_id, inline',
        [uploadId],
      );
      await c.query('DELETE FROM uploads WHERE upload_id = $1', [uploadId]);
      return this.settle(
        c,
        rows.map((p) => ({ blobId: p.blob_id, inline: p.inline === 1 })),
      );
    });
  }

  putPart(part: PartRecord, inline: readonly InlineBlob[]): Promise<FreedBlob[]> {
    const r = partToRow(part);
    return transaction(this.pool, async (c) => {
      const found = await c.query('SELECT 1 FROM uploads WHERE upload_id = $1 FOR KEY SHARE', [
        part.uploadId,
      ]);
      if (found.rowCount === 0) throw noSuchUpload(part.uploadId);
      const previous = await c.query<{ blob_id: string; inline: number }>(
        'SELECT blob_id, inline FROM parts WHERE upload_id = $1 AND part_number = $2 FOR UPDATE',
        [part.uploadId, part.partNumber],
      );
      await this.insertInline(c, inline);
      const params = [
        r.upload_id,
        r.part_number,
        r.blob_id,
        r.size,
        r.etag,
        r.checksums,
        r.last_modified,
        r.inline,
      ];
      if (previous.rows[0]) {
        await c.query(
          `UPDATE parts SET blob_id=$3, size=$4, etag=$5, checksums=$6, last_modified=$7, inline=$8
           WHERE upload_id=$1 AND part_number=$2`,
          params,
        );
      } else {
        await c.query(
          `INSERT INTO parts (upload_id, part_number, blob_id, size, etag, checksums, last_modified, inline)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
          params,
        );
      }
      const old = previous.rows[0];
      return this.settle(c, old ? [{ blobId: old.blob_id, inline: old.inline === 1 }] : []);
    });
  }

  async listParts(uploadId: string, afterPartNumber: number, limit: number): Promise<PartListPage> {
    const { rows } = await query<PartRow>(
      this.pool,
      'SELECT * FROM parts WHERE upload_id = $1 AND part_number > $2 ORDER BY part_number LIMIT $3',
      [uploadId, afterPartNumber, Math.max(limit, 0) + 1],
    );
    const parts = rows.slice(0, Math.max(limit, 0)).map(rowToPart);
    const page: PartListPage = { parts, isTruncated: rows.length > parts.length };
    if (page.isTruncated) page.nextPartNumberMarker = parts[parts.length - 1]?.partNumber ?? afterPartNumber;
    return page;
  }

  /**
   * Uploads under `q.prefix` by (key, initiated, uploadId), rolled up at the delimiter; one
   * query per common prefix met (uploads are few next to objects).
   */
  async listUploads(q: ListUploadsQuery): Promise<UploadListPage> {
    const page: UploadListPage = { uploads: [], commonPrefixes: [], isTruncated: false };
    if (q.maxUploads <= 0) return page;
    let seek: Seek | UploadSeek | undefined = firstUploadSeek(q);
    const upper = bytesSuccessor(keyBytes(q.prefix)) ?? null;
    while (seek !== undefined) {
      const current: Seek | UploadSeek = seek;
      seek = undefined;
      const { rows } = await this.uploadRowsFrom(q.bucket, current, upper);
      for (const pgRow of rows) {
        const row = fromKeyed(pgRow);
        if (page.uploads.length + page.commonPrefixes.length === q.maxUploads) {
          page.isTruncated = true;
          return page;
        }
        const common = commonPrefixOf(row.key, q.prefix, q.delimiter);
        if (common === undefined) {
          const upload = rowToUpload(row);
          page.uploads.push(upload);
          page.lastReturned = uploadPosition(upload);
          continue;
        }
        page.commonPrefixes.push(common);
        page.lastReturned = common;
        seek = seekPast(common);
        break;
      }
      if (seek === undefined && rows.length === UPLOAD_BATCH) {
        const last = fromKeyed(rows[rows.length - 1]!);
        seek = { key: last.key, initiated: last.initiated, uploadId: last.upload_id };
      }
    }
    return page;
  }

  private uploadRowsFrom(bucket: string, seek: Seek | UploadSeek, upper: Buffer | null) {
    const order = `AND ($3::bytea IS NULL OR key < $3::bytea) ORDER BY key, initiated, upload_id LIMIT ${UPLOAD_BATCH}`;
    if ('uploadId' in seek) {
      return query<PgUploadRow>(
        this.pool,
        `SELECT * FROM uploads WHERE bucket = $1 AND (key, initiated, upload_id) > ($2::bytea, $4::bigint, $5::text) ${order}`,
        [bucket, keyBytes(seek.key), upper, seek.initiated, seek.uploadId],
      );
    }
    return query<PgUploadRow>(
      this.pool,
      `SELECT * FROM uploads WHERE bucket = $1 AND key ${seek.inclusive ? '>=' : '>'} $2::bytea ${order}`,
      [bucket, keyBytes(seek.key), upper],
    );
  }

  completeUpload(
    uploadId: string,
    build: (upload: UploadRecord, parts: readonly PartRecord[]) => ObjectRecord,
    condition: WriteCondition | undefined,
  ): Promise<{ record: ObjectRecord; freed: FreedBlob[] }> {
    return transaction(this.pool, async (c) => {
      const { rows: uploads } = await c.query<PgUploadRow>('SELECT * FROM uploads WHERE upload_id = $1', [
        uploadId,
      ]);
      if (uploads.length === 0) throw noSuchUpload(uploadId);
      const upload = rowToUpload(fromKeyed(uploads[0]!));
      await this.holdBucket(c, upload.bucket);
      // Locked after the bucket (the order every write takes): a racing completion or abort waits here.
      const locked = await c.query('SELECT 1 FROM uploads WHERE upload_id = $1 FOR UPDATE', [uploadId]);
      if (locked.rowCount === 0) throw noSuchUpload(uploadId);
      const { rows: partRows } = await c.query<PartRow>(
        'SELECT * FROM parts WHERE upload_id = $1 ORDER BY part_number',
        [uploadId],
      );
      const parts = partRows.map(rowToPart);
      const record = build(upload, parts);
      if (record.bucket !== upload.bucket || record.key !== upload.key) {
        throw new Error(
          `upload of ${upload.bucket}/${upload.key} completed as ${record.bucket}/${record.key}`,
        );
      }
      const currentRow = await this.lockObject(c, upload.bucket, upload.key);
      checkWriteCondition(currentRow && { etag: currentRow.etag }, condition, upload.key);
      await this.writeObject(c, record, currentRow !== undefined);
      await c.query('DELETE FROM parts WHERE upload_id = $1', [uploadId]);
      await c.query('DELETE FROM uploads WHERE upload_id = $1', [uploadId]);
      const previous = currentRow && rowToObject(fromKeyed(currentRow));
      return {
        record,
        freed: await this.settle(c, without([...parts.map(freedOf), ...blobsOf(previous)], blobsOf(record))),
      };
    });
  }

  // --- housekeeping -----------------------------------------------------------------------

  /**
   * Freed blobs go back to the caller, inline ones too (no `freeInlineWhen`: a reader whose
   * record is still in flight has not pinned yet, and a delete inside the commit would pull
   * the bytes from under it; SegmentStore holds frees back for such reads). With
   * `deferFrees` they go into the garbage table instead, atomically with the change, so a
   * node that dies right after the commit leaks nothing.
   */
  private async settle(c: pg.PoolClient, freed: FreedBlob[]): Promise<FreedBlob[]> {
    if (!this.deferFrees || freed.length === 0) return freed;
    await c.query(
      `INSERT INTO garbage (blob_id, inline, dead_at)
       SELECT id, inl, $3 FROM unnest($1::text[], $2::smallint[]) AS g(id, inl) ON CONFLICT (blob_id) DO NOTHING`,
      [freed.map((b) => b.blobId), freed.map((b) => (b.inline ? 1 : 0)), Date.now()],
    );
    return [];
  }

  async collectGarbage(
    graceMs: number,
    limit: number,
    removeFiles: (blobIds: string[]) => Promise<void>,
  ): Promise<number> {
    return await transaction(this.pool, async (c) => {
      // SKIP LOCKED: nodes collecting at once take disjoint batches.
      const { rows } = await c.query<{ blob_id: string; inline: number }>(
        `SELECT blob_id, inline FROM garbage WHERE dead_at < $1 ORDER BY dead_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [Date.now() - graceMs, limit],
      );
      if (rows.length === 0) return 0;
      const inline = rows.filter((r) => r.inline === 1).map((r) => r.blob_id);
      const files = rows.filter((r) => r.inline !== 1).map((r) => r.blob_id);
      // Files first: removal is idempotent, so a crash before the commit only repeats it.
      if (files.length > 0) await removeFiles(files);
      if (inline.length > 0)
        await c.query('DELETE FROM inline_blobs WHERE blob_id = ANY($1::text[])', [inline]);
      await c.query('DELETE FROM garbage WHERE blob_id = ANY($1::text[])', [rows.map((r) => r.blob_id)]);
      return rows.length;
    });
  }

  async garbageBlobs(): Promise<Set<string>> {
    const { rows } = await query<{ blob_id: string }>(this.pool, 'SELECT blob_id FROM garbage');
    return new Set(rows.map((r) => r.blob_id));
  }

  async removeInline(blobIds: readonly string[]): Promise<void> {
    if (blobIds.length === 0) return;
    await query(this.pool, 'DELETE FROM inline_blobs WHERE blob_id = ANY($1::text[])', [blobIds]);
  }

  async referencedBlobs(): Promise<Set<string>> {
    const { rows } = await query<{ blob_id: string }>(
      this.pool,
      `SELECT s->>'b' AS blob_id FROM objects, jsonb_array_elements(segments::jsonb) AS s WHERE s->'i' IS NULL
       UNION ALL SELECT blob_id FROM parts WHERE inline = 0`,
    );
    return new Set(rows.map((r) => r.blob_id));
  }

  async sweepInline(): Promise<number> {
    const { rowCount } = await query(
      this.pool,
      `DELETE FROM inline_blobs WHERE blob_id NOT IN (
         SELECT s->>'b' FROM objects, jsonb_array_elements(segments::jsonb) AS s WHERE s->'i' IS NOT NULL
         UNION ALL SELECT blob_id FROM parts WHERE inline = 1
         UNION ALL SELECT blob_id FROM garbage)`,
    );
    return rowCount ?? 0;
  }

  async countInline(): Promise<number> {
    const { rows } = await query<{ n: number }>(this.pool, 'SELECT count(*)::int AS n FROM inline_blobs');
    return rows[0]!.n;
  }
}

function bucketPage(rows: BucketRow[], limit: number): BucketListPage {
  const buckets = rows.slice(0, limit).map(rowToBucket);
  const page: BucketListPage = { buckets };
  if (rows.length > limit) page.lastReturned = buckets[buckets.length - 1]!.name;
  return page;
}

/** An error's message; a refused connection (an AggregateError) may only have a code. */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message || String((err as { code?: unknown }).code ?? err.name);
}
