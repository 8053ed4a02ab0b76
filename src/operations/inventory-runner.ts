/**
 * Writes inventory reports ("Cataloging and analyzing your data with S3 Inventory",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory.html, and "Locating
 * your inventory list", …/storage-inventory-location.html): for each enabled configuration
 * that is due (Daily: a day after the last report, Weekly: seven days; the first at the first
 * pass), the objects under its filter prefix are listed into gzip-compressed CSV files
 * `<prefix>/<source-bucket>/<config-id>/data/<uuid>.csv.gz` (at most 100,000 rows each), then a
 * `manifest.json` and its `manifest.checksum` (MD5 of the manifest, hex) are written under
 * `<prefix>/<source-bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/` in the destination bucket the
 * configuration names, all through the store's ordinary putObject path.
 *
 * Columns: Bucket, Key (URL-encoded, as AWS writes it), then the configuration's optional
 * fields in the order of INVENTORY_OPTIONAL_FIELDS; every value quoted. A destination that does
 * not exist, or whose owner is not the configuration's AccountId, skips that report (logged).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { CHECKSUM_API_NAME, computeChecksum, type ChecksumAlgorithm } from '../protocol/checksums.js';
import { S3Error } from '../errors/s3-error.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { BucketRecord, ObjectSummary, ServerSideEncryption } from '../storage/types.js';
import type { Clock } from '../util/clock.js';
import { newEtag } from './etag.js';
import { readSet } from './configuration-sets.js';
import { INVENTORY_OPTIONAL_FIELDS, type InventoryConfiguration, type InventoryField } from './inventory.js';
import { lifecycleOf, type LifecycleConfiguration } from './lifecycle.js';
import { eligibleAt, sizeMatches } from './lifecycle-runner.js';
import { bucketDefaultEncryption, STORAGE_CLASS } from './object-headers.js';

const DAY_MS = 86_400_000;
const ROWS_PER_FILE = 100_000;
const PAGE = 1000;

/** The inventory reports a run wrote. */
export interface InventoryRunReport {
  reports: { bucket: string; id: string; manifestKey: string; objects: number }[];
}

export interface InventoryRunnerOptions {
  store: ObjectStore;
  clock: Clock;
  log?: (line: Record<string, unknown>) => void;
}

function quote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

function encryptionStatus(encryption: ServerSideEncryption): string {
  return encryption.algorithm === 'aws:kms' ? 'SSE-KMS' : 'SSE-S3';
}

/** When a lifecycle rule will expire the object: the earliest enabled Expiration that selects it. */
function lifecycleExpiration(lifecycle: LifecycleConfiguration | undefined, object: ObjectSummary): string {
  let earliest: number | undefined;
  for (const rule of lifecycle?.rules ?? []) {
    if (!rule.enabled || rule.expirationDays === undefined) continue;
    if (!object.key.startsWith(rule.prefix) || !sizeMatches(rule, object.size)) continue;
    const at = eligibleAt(object.lastModified, rule.expirationDays);
    earliest = earliest === undefined ? at : Math.min(earliest, at);
  }
  return earliest === undefined ? '' : new Date(earliest).toISOString();
}

function field(
  name: InventoryField,
  object: ObjectSummary,
  lifecycle: LifecycleConfiguration | undefined,
): string {
  switch (name) {
    case 'Size':
      return String(object.size);
    case 'LastModifiedDate':
      return object.lastModified.toISOString();
    case 'StorageClass':
      return STORAGE_CLASS;
    case 'ETag':
      return object.etag.replace(/"/g, '');
    case 'IsMultipartUploaded':
      return String(object.multipart);
    case 'EncryptionStatus':
      return encryptionStatus(object.encryption);
    case 'BucketKeyStatus':
      return object.encryption.algorithm === 'aws:kms' ? 'ENABLED' : 'DISABLED';
    case 'ChecksumAlgorithm': {
      const algorithm = Object.keys(object.checksums)[0] as ChecksumAlgorithm | undefined;
      return algorithm === undefined ? '' : CHECKSUM_API_NAME[algorithm];
    }
    case 'LifecycleExpirationDate':
      return lifecycleExpiration(lifecycle, object);
  }
}

/** `YYYY-MM-DDTHH-MMZ`, the folder of one report's manifest. */
function reportFolder(at: Date): string {
  return at.toISOString().slice(0, 16).replace(':', '-') + 'Z';
}

export class InventoryRunner {
  private running: Promise<InventoryRunReport> | undefined;

  constructor(private readonly options: InventoryRunnerOptions) {}

  /**
   * Reports of every bucket that are due (`force`: every enabled one, or only those `only`
   * names). One run at a time; asking while one runs waits for it, then runs.
   */
  async run(only: { bucket?: string; id?: string } = {}, force = false): Promise<InventoryRunReport> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.pass(only, force).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(only: { bucket?: string; id?: string }, force: boolean): Promise<InventoryRunReport> {
    const { store, clock } = this.options;
    const report: InventoryRunReport = { reports: [] };
    const buckets: BucketRecord[] = [];
    if (only.bucket !== undefined) {
      const bucket = await store.getBucket(only.bucket);
      if (!bucket) throw new S3Error('NoSuchBucket', undefined, { BucketName: only.bucket });
      buckets.push(bucket);
    } else {
      let after: string | undefined;
      for (;;) {
        const page = await store.listAllBuckets(after, 100);
        buckets.push(...page.buckets.filter((b) => b.inventory !== undefined));
        if (page.lastReturned === undefined) break;
        after = page.lastReturned;
      }
    }
    for (const bucket of buckets) {
      for (const configuration of readSet<InventoryConfiguration>(bucket.inventory)) {
        if (only.id !== undefined && configuration.id !== only.id) continue;
        if (!configuration.enabled) continue;
        const now = clock.now().getTime();
        const period = (configuration.frequency === 'Weekly' ? 7 : 1) * DAY_MS;
        if (!force && configuration.lastRunAt !== undefined && now - configuration.lastRunAt < period)
          continue;
        try {
          const written = await this.write(bucket, configuration, new Date(now));
          if (written) report.reports.push(written);
        } catch (err) {
          // The source or the destination was deleted during the run.
          if (!(err instanceof S3Error && err.code === 'NoSuchBucket')) throw err;
          this.options.log?.({
            op: 'InventoryReportSkipped',
            bucket: bucket.name,
            id: configuration.id,
            reason: 'a bucket was deleted',
          });
        }
      }
    }
    return report;
  }

  private async write(
    source: BucketRecord,
    configuration: InventoryConfiguration,
    at: Date,
  ): Promise<InventoryRunReport['reports'][number] | undefined> {
    const { store } = this.options;
    const d = configuration.destination;
    const destination = await store.getBucket(d.bucket);
    if (!destination || (d.accountId !== undefined && destination.ownerAccountId !== d.accountId)) {
      this.options.log?.({
        op: 'InventoryReportSkipped',
        bucket: source.name,
        id: configuration.id,
        reason: destination ? 'the destination belongs to another account' : 'no such destination bucket',
      });
      return undefined;
    }
    const base = `${d.prefix === undefined ? '' : `${d.prefix.replace(/\/+$/, '')}/`}${source.name}/${configuration.id}`;
    const lifecycle = lifecycleOf(source.lifecycle);
    const encryption = this.reportEncryption(destination, configuration);
    const files: { key: string; size: number; MD5checksum: string }[] = [];
    let rows: string[] = [];
    let objects = 0;
    const flush = async (): Promise<void> => {
      if (rows.length === 0 && files.length > 0) return;
      const gz = zlib.gzipSync(Buffer.from(rows.join(''), 'utf8'));
      const key = `${base}/data/${randomUUID()}.csv.gz`;
      await this.putBytes(destination, key, gz, 'application/gzip', encryption);
      files.push({ key, size: gz.length, MD5checksum: createHash('md5').update(gz).digest('hex') });
      rows = [];
    };
    let after: string | undefined;
    for (;;) {
      const page = await store.listObjects({
        bucket: source.name,
        prefix: configuration.filterPrefix ?? '',
        maxKeys: PAGE,
        ...(after === undefined ? {} : { after }),
      });
      for (const object of page.objects) {
        const values = [source.name, encodeURIComponent(object.key)];
        for (const name of INVENTORY_OPTIONAL_FIELDS) {
          if (configuration.optionalFields.includes(name)) values.push(field(name, object, lifecycle));
        }
        rows.push(values.map(quote).join(',') + '\n');
        objects += 1;
        if (rows.length >= ROWS_PER_FILE) await flush();
      }
      if (!page.isTruncated || page.lastReturned === undefined) break;
      after = page.lastReturned;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await flush();
    const schema = [
      'Bucket',
      'Key',
      ...INVENTORY_OPTIONAL_FIELDS.filter((f) => configuration.optionalFields.includes(f)),
    ];
    const manifest = Buffer.from(
      JSON.stringify(
        {
          sourceBucket: source.name,
          destinationBucket: d.bucketArn,
          version: '2016-11-30',
          creationTimestamp: String(at.getTime()),
          fileFormat: 'CSV',
          fileSchema: schema.join(', '),
          files,
        },
        null,
        2,
      ),
    );
    const folder = `${base}/${reportFolder(at)}`;
    const manifestKey = `${folder}/manifest.json`;
    await this.putBytes(destination, manifestKey, manifest, 'application/json', encryption);
    const md5 = createHash('md5').update(manifest).digest('hex');
    await this.putBytes(
      destination,
      `${folder}/manifest.checksum`,
      Buffer.from(md5),
      'text/plain',
      encryption,
    );
    await store.updateBucketConfiguration(source.name, 'inventory', (current) => {
      if (current === undefined) return undefined;
      const items = readSet<InventoryConfiguration>(current).map((c) =>
        c.id === configuration.id ? { ...c, lastRunAt: at.getTime() } : c,
      );
      return JSON.stringify(items);
    });
    this.options.log?.({
      op: 'InventoryReport',
      bucket: source.name,
      id: configuration.id,
      manifestKey,
      objects,
    });
    return { bucket: source.name, id: configuration.id, manifestKey, objects };
  }

  /** SSE-KMS when the configuration asks for the destination's KMS key, else the destination's default. */
  private reportEncryption(
    destination: BucketRecord,
    configuration: InventoryConfiguration,
  ): ServerSideEncryption {
    const asked = configuration.destination.encryption;
    if (asked?.kind === 'SSE-KMS' && destination.encryption?.kmsKeyId === asked.keyId) {
      return { algorithm: 'aws:kms', kmsKeyId: asked.keyId };
    }
    return asked?.kind === 'SSE-S3' ? { algorithm: 'AES256' } : bucketDefaultEncryption(destination);
  }

  private async putBytes(
    destination: BucketRecord,
    key: string,
    bytes: Buffer,
    contentType: string,
    encryption: ServerSideEncryption,
  ): Promise<void> {
    const now = this.options.clock.now();
    await this.options.store.putObject(destination.name, key, Readable.from([bytes]), () => ({
      etag: newEtag(),
      lastModified: now,
      content: { contentType },
      metadata: {},
      checksums: { crc32: computeChecksum('crc32', bytes) },
      checksumType: 'FULL_OBJECT',
      multipart: false,
      encryption,
    }));
  }
}
