/**
 * Per-server request counters, kept in plain numbers and typed arrays so recording a request
 * costs a map lookup and a few additions. prom-client only reads them when /metrics is scraped
 * (see prometheus.ts): its own `inc`/`observe` hash label sets and allocate on every call.
 */

/** Upper bounds of the latency histogram, in seconds (Prometheus `le`). */
export const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The status recorded for a response that never completed (client gone, connection cut). */
export const ABORTED = 0;

/** Distinct error codes counted; more than the catalogue holds, so only a defect could reach it. */
const MAX_ERROR_CODES = 256;

/** Counts of one operation. */
export class OperationCounts {
  /** HTTP status (or ABORTED) → requests. */
  readonly byStatus = new Map<number, number>();
  /** Requests per bucket, not cumulative; the last slot counts those above the largest bound. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  /** Seconds spent, summed. */
  sum = 0;
  count = 0;
}

/** Requests one metrics configuration of one bucket selected. */
export interface FilteredCounts {
  bucket: string;
  id: string;
  /** `operation\nstatus` → requests. */
  byOperationStatus: Map<string, number>;
  bytesReceived: number;
  bytesSent: number;
}

export class RequestMetrics {
  private readonly ops = new Map<string, OperationCounts>();
  private readonly filtered = new Map<string, FilteredCounts>();
  /** Error responses by S3 error code (codes come from the one catalogue: a bounded set). */
  private readonly errors = new Map<string, number>();
  /** Bytes read from clients' connections (request lines, headers and bodies). */
  bytesReceived = 0;
  /** Bytes written to clients' connections (status lines, headers and bodies). */
  bytesSent = 0;

  record(operation: string, status: number, seconds: number, bytesIn: number, bytesOut: number): void {
    let counts = this.ops.get(operation);
    if (counts === undefined) {
      counts = new OperationCounts();
      this.ops.set(operation, counts);
    }
    counts.byStatus.set(status, (counts.byStatus.get(status) ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i += 1;
    counts.buckets[i]! += 1;
    counts.sum += seconds;
    counts.count += 1;
    this.bytesReceived += bytesIn;
    this.bytesSent += bytesOut;
  }

  /** An answer that was an error document with this code. */
  recordError(code: string): void {
    if (this.errors.size >= MAX_ERROR_CODES && !this.errors.has(code)) return;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Error answers so far by code (a live map: read, do not keep). */
  errorCodes(): ReadonlyMap<string, number> {
    return this.errors;
  }

  /**
   * A request counted for a bucket's metrics configuration (PutBucketMetricsConfiguration):
   * requests by operation and status, bytes in and out, per bucket and configuration id.
   */
  recordFiltered(
    bucket: string,
    id: string,
    operation: string,
    status: number,
    bytesIn: number,
    bytesOut: number,
  ): void {
    const name = `${bucket}\n${id}`;
    let counts = this.filtered.get(name);
    if (counts === undefined) {
      counts = { bucket, id, byOperationStatus: new Map(), bytesReceived: 0, bytesSent: 0 };
      this.filtered.set(name, counts);
    }
    const label = `${operation}\n${status}`;
    counts.byOperationStatus.set(label, (counts.byOperationStatus.get(label) ?? 0) + 1);
    counts.bytesReceived += bytesIn;
    counts.bytesSent += bytesOut;
  }

  /** Counts per bucket and metrics configuration id (live objects: read, do not keep). */
  filteredCounts(): IterableIterator<FilteredCounts> {
    return this.filtered.values();
  }

  /** Operations seen so far, with their counts (live objects: read, do not keep). */
  operations(): IterableIterator<[string, OperationCounts]> {
    return this.ops.entries();
  }
}
