/**
 * The Prometheus exposition of /metrics, rendered by prom-client. Loaded on the first scrape
 * only (prom-client costs tens of milliseconds to import, which cold start would pay).
 * Request counters come from RequestMetrics and are copied into prom-client at scrape time.
 */
import client, { type Counter, type Metric } from 'prom-client';
import { ABORTED, DURATION_BUCKETS, type FilteredCounts, type RequestMetrics } from './request-metrics.js';

export interface ExporterSources {
  requests: RequestMetrics;
  /** Successful CreateSession calls (ZonalStats.sessionsCreated). */
  sessionsCreated: () => number;
  /** Objects lifecycle rules expired and uploads they aborted (ZonalStats). */
  lifecycleExpiredObjects?: () => number;
  lifecycleAbortedUploads?: () => number;
}

export interface Exposition {
  contentType: string;
  body: string;
}

/** Node process metrics (RSS, CPU, fds, event loop lag, GC) are per process: one registry for all servers. */
let processRegistry: client.Registry | undefined;

function processMetrics(): client.Registry {
  if (processRegistry === undefined) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** One registry per server, so servers sharing a process (tests) never collide. */
export class PrometheusExporter {
  private readonly registry = new client.Registry();

  constructor(sources: ExporterSources) {
    const { requests } = sources;
    const registers = [this.registry];
    new client.Counter({
      name: 'zonal_requests_total',
      help: 'HTTP requests answered, by operation and status ("aborted": the response never completed).',
      labelNames: ['operation', 'status'] as const,
      registers,
      collect(this: Counter<'operation' | 'status'>) {
        this.reset();
        for (const [operation, counts] of requests.operations()) {
          for (const [status, n] of counts.byStatus) {
            this.inc({ operation, status: status === ABORTED ? 'aborted' : String(status) }, n);
          }
        }
      },
    });
    new client.Counter({
      name: 'zonal_bucket_requests_total',
      help: 'Requests selected by a bucket metrics configuration (PutBucketMetricsConfiguration), by bucket, configuration id, operation and status.',
      labelNames: ['bucket', 'metrics_id', 'operation', 'status'] as const,
      registers,
      collect(this: Counter<'bucket' | 'metrics_id' | 'operation' | 'status'>) {
        this.reset();
        for (const counts of requests.filteredCounts()) {
          for (const [label, n] of counts.byOperationStatus) {
            const [operation, status] = label.split('\n') as [string, string];
            const statusLabel = status === String(ABORTED) ? 'aborted' : status;
            this.inc({ bucket: counts.bucket, metrics_id: counts.id, operation, status: statusLabel }, n);
          }
        }
      },
    });
    for (const [name, help, read] of [
      [
        'zonal_bucket_bytes_received_total',
        'Bytes read from connections for requests a bucket metrics configuration selected.',
        (c: FilteredCounts) => c.bytesReceived,
      ],
      [
        'zonal_bucket_bytes_sent_total',
        'Bytes written to connections for requests a bucket metrics configuration selected.',
        (c: FilteredCounts) => c.bytesSent,
      ],
    ] as const) {
      new client.Counter({
        name,
        help,
        labelNames: ['bucket', 'metrics_id'] as const,
        registers,
        collect(this: Counter<'bucket' | 'metrics_id'>) {
          this.reset();
          for (const counts of requests.filteredCounts()) {
            this.inc({ bucket: counts.bucket, metrics_id: counts.id }, read(counts));
          }
        },
      });
    }
    new client.Counter({
      name: 'zonal_errors_total',
      help: 'Error answers by S3 error code.',
      labelNames: ['code'] as const,
      registers,
      collect(this: Counter<'code'>) {
        this.reset();
        for (const [code, n] of requests.errorCodes()) this.inc({ code }, n);
      },
    });
    // prom-client's Histogram has no way to load precomputed buckets; the registry only needs
    // get() (and reset()) from a metric, so this family renders them in prom-client's format.
    this.registry.registerMetric(new DurationHistogram(requests) as unknown as Metric);
    totalCounter(registers, 'zonal_sessions_created_total', 'Successful CreateSession calls.', () =>
      sources.sessionsCreated(),
    );
    totalCounter(
      registers,
      'zonal_lifecycle_expired_objects_total',
      'Objects deleted by lifecycle Expiration rules.',
      () => sources.lifecycleExpiredObjects?.() ?? 0,
    );
    totalCounter(
      registers,
      'zonal_lifecycle_aborted_uploads_total',
      'Multipart uploads aborted by lifecycle AbortIncompleteMultipartUpload rules.',
      () => sources.lifecycleAbortedUploads?.() ?? 0,
    );
    totalCounter(
      registers,
      'zonal_bytes_received_total',
      'Bytes read from client connections for requests (request lines, headers and bodies).',
      () => requests.bytesReceived,
    );
    totalCounter(
      registers,
      'zonal_bytes_sent_total',
      'Bytes written to client connections for responses (status lines, headers and bodies).',
      () => requests.bytesSent,
    );
  }

  async render(): Promise<Exposition> {
    const own = await this.registry.metrics();
    const proc = await processMetrics().metrics();
    return { contentType: this.registry.contentType, body: `${own}\n${proc}` };
  }
}

function totalCounter(registers: client.Registry[], name: string, help: string, read: () => number): void {
  new client.Counter({
    name,
    help,
    registers,
    collect(this: Counter) {
      this.reset();
      this.inc(read());
    },
  });
}

/** What prom-client's registry reads from a metric's get(). */
interface RenderedFamily {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: { metricName: string; labels: Record<string, string | number>; value: number }[];
}

class DurationHistogram {
  readonly name = 'zonal_request_duration_seconds';
  readonly help = 'Time from request headers received to response finished, by operation.';
  readonly type = 'histogram';

  constructor(private readonly requests: RequestMetrics) {}

  get(): RenderedFamily {
    const values: RenderedFamily['values'] = [];
    const bucket = `${this.name}_bucket`;
    for (const [operation, counts] of this.requests.operations()) {
      let cumulative = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i += 1) {
        cumulative += counts.buckets[i]!;
        values.push({
          metricName: bucket,
          labels: { operation, le: DURATION_BUCKETS[i]! },
          value: cumulative,
        });
      }
      values.push({ metricName: bucket, labels: { operation, le: '+Inf' }, value: counts.count });
      values.push({ metricName: `${this.name}_sum`, labels: { operation }, value: counts.sum });
      values.push({ metricName: `${this.name}_count`, labels: { operation }, value: counts.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }

  /** Counts are owned by RequestMetrics; a registry reset does not clear them. */
  reset(): void {}
}
