/**
 * Applies lifecycle rules: one pass walks every bucket with a lifecycle configuration and, for
 * each enabled rule, deletes the objects and aborts the uploads whose time has come, to
 * existing and new objects alike ("Working with S3 Lifecycle for directory buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-buckets-objects-lifecycle.html).
 *
 * Everything goes through the ObjectStore's ordinary delete path (deleteObject with an If-Match
 * on the ETag it examined, so an object overwritten meanwhile is left alone; abortUpload), in
 * listing pages of BATCH entries with a turn of the event loop between pages, so requests keep
 * being served during a long pass. One pass runs at a time; asking while one runs joins it.
 * Log lines name the bucket and the rule (and the upload id), never the key, like the request
 * log (docs/SECURITY.md).
 */
import type { Clock } from '../util/clock.js';
import { S3Error } from '../errors/s3-error.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { BucketRecord } from '../storage/types.js';
import { lifecycleOf, type LifecycleRule } from './lifecycle.js';
import type { ZonalStats } from './services.js';

const DAY_MS = 86_400_000;
const BATCH = 1000;

/** What a lifecycle pass did. */
export interface LifecycleRunReport {
  buckets: number;
  expiredObjects: number;
  abortedUploads: number;
}

/**
 * When an object (or upload) created at `created` becomes eligible under a rule of `days`:
 * "Amazon S3 calculates the time by adding the number of days specified in the rule to the
 * object creation time and rounding the resulting time to the next day midnight UTC"
 * ("Lifecycle configuration elements", https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html).
 * A sum that falls exactly on midnight is that midnight.
 */
export function eligibleAt(created: Date, days: number): number {
  return Math.ceil((created.getTime() + days * DAY_MS) / DAY_MS) * DAY_MS;
}

/** True when the rule's size range admits an object of `size` bytes (both bounds exclusive). */
export function sizeMatches(rule: LifecycleRule, size: number): boolean {
  if (rule.sizeGreaterThan !== undefined && !(size > rule.sizeGreaterThan)) return false;
  if (rule.sizeLessThan !== undefined && !(size < rule.sizeLessThan)) return false;
  return true;
}

export interface LifecycleRunnerOptions {
  store: ObjectStore;
  clock: Clock;
  stats: ZonalStats;
  /** One line per expiration and abort, and one per pass (the request log's logger at info). */
  log?: (line: Record<string, unknown>) => void;
}

export class LifecycleRunner {
  private running: Promise<LifecycleRunReport> | undefined;

  constructor(private readonly options: LifecycleRunnerOptions) {}

  /** One pass over every bucket (joins the pass in progress, if any). */
  run(): Promise<LifecycleRunReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<LifecycleRunReport> {
    const report: LifecycleRunReport = { buckets: 0, expiredObjects: 0, abortedUploads: 0 };
    const { store } = this.options;
    let after: string | undefined;
    for (;;) {
      const page = await store.listAllBuckets(after, 100);
      for (const bucket of page.buckets) {
        const configuration = lifecycleOf(bucket.lifecycle);
        if (configuration === undefined) continue;
        report.buckets += 1;
        for (const rule of configuration.rules) {
          if (!rule.enabled) continue;
          try {
            if (rule.expirationDays !== undefined)
              await this.expire(bucket, rule, rule.expirationDays, report);
            if (rule.abortDaysAfterInitiation !== undefined) {
              await this.abort(bucket, rule, rule.abortDaysAfterInitiation, report);
            }
          } catch (err) {
            // A bucket deleted during the pass has nothing left to expire.
            if (err instanceof S3Error && err.code === 'NoSuchBucket') break;
            throw err;
          }
        }
      }
      if (page.lastReturned === undefined) break;
      after = page.lastReturned;
    }
    this.options.log?.({ op: 'LifecyclePass', ...report });
    return report;
  }

  private async expire(
    bucket: BucketRecord,
    rule: LifecycleRule,
    days: number,
    report: LifecycleRunReport,
  ): Promise<void> {
    const { store, clock, stats } = this.options;
    let after: string | undefined;
    for (;;) {
      const now = clock.now().getTime();
      const page = await store.listObjects({
        bucket: bucket.name,
        prefix: rule.prefix,
        maxKeys: BATCH,
        ...(after === undefined ? {} : { after }),
      });
      for (const object of page.objects) {
        if (!sizeMatches(rule, object.size) || now < eligibleAt(object.lastModified, days)) continue;
        try {
          // Only the version examined: one written meanwhile is new and not yet due.
          const deleted = await store.deleteObject(bucket.name, object.key, { ifMatch: object.etag });
          if (deleted === undefined) continue;
        } catch (err) {
          if (err instanceof S3Error && (err.code === 'PreconditionFailed' || err.code === 'NoSuchBucket'))
            continue;
          throw err;
        }
        report.expiredObjects += 1;
        stats.lifecycleExpiredObjects += 1;
        this.options.log?.({
          op: 'LifecycleExpiration',
          bucket: bucket.name,
          rule: rule.id,
        });
      }
      if (!page.isTruncated || page.lastReturned === undefined) return;
      after = page.lastReturned;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async abort(
    bucket: BucketRecord,
    rule: LifecycleRule,
    days: number,
    report: LifecycleRunReport,
  ): Promise<void> {
    const { store, clock, stats } = this.options;
    let after: string | undefined;
    for (;;) {
      const now = clock.now().getTime();
      const page = await store.listUploads({
        bucket: bucket.name,
        prefix: rule.prefix,
        maxUploads: BATCH,
        ...(after === undefined ? {} : { after }),
      });
      for (const upload of page.uploads) {
        if (now < eligibleAt(upload.initiated, days)) continue;
        if (!(await store.abortUpload(upload.uploadId))) continue;
        report.abortedUploads += 1;
        stats.lifecycleAbortedUploads += 1;
        this.options.log?.({
          op: 'LifecycleAbortMultipartUpload',
          bucket: bucket.name,
          uploadId: upload.uploadId,
          rule: rule.id,
        });
      }
      if (!page.isTruncated || page.lastReturned === undefined) return;
      after = page.lastReturned;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
