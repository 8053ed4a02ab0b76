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

export class RequestMetrics {
  private readonly ops = new Map<string, OperationCounts>();
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

  /** Operations seen so far, with their counts (live objects: read, do not keep). */
  operations(): IterableIterator<[string, OperationCounts]> {
    return this.ops.entries();
  }
}
