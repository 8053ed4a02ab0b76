/**
 * The server's own counters as one JSON document (`GET /_zonal/metrics`, for the web console):
 * cumulative numbers, so a reader computes rates and interval percentiles from two snapshots.
 */
import { ABORTED, DURATION_BUCKETS, type RequestMetrics } from './request-metrics.js';

export interface OperationSnapshot {
  operation: string;
  requests: number;
  /** Status (or "aborted") → requests. */
  byStatus: Record<string, number>;
  /** Requests per latency bucket (not cumulative), aligned with `latencyBoundsSeconds` plus +Inf. */
  latencyBuckets: number[];
  latencySumSeconds: number;
}

export interface MetricsSnapshot {
  /** When the snapshot was taken (ms since the epoch, the server's clock). */
  takenAt: number;
  latencyBoundsSeconds: readonly number[];
  operations: OperationSnapshot[];
  /** Error answers by S3 error code. */
  errorsByCode: Record<string, number>;
  sessionsCreated: number;
  bytesReceived: number;
  bytesSent: number;
}

export function metricsSnapshot(requests: RequestMetrics, sessionsCreated: number): MetricsSnapshot {
  const operations: OperationSnapshot[] = [];
  for (const [operation, counts] of requests.operations()) {
    const byStatus: Record<string, number> = {};
    for (const [status, n] of counts.byStatus) byStatus[status === ABORTED ? 'aborted' : String(status)] = n;
    operations.push({
      operation,
      requests: counts.count,
      byStatus,
      latencyBuckets: Array.from(counts.buckets),
      latencySumSeconds: counts.sum,
    });
  }
  operations.sort((a, b) => a.operation.localeCompare(b.operation));
  return {
    takenAt: Date.now(),
    latencyBoundsSeconds: DURATION_BUCKETS,
    operations,
    errorsByCode: Object.fromEntries(requests.errorCodes()),
    sessionsCreated,
    bytesReceived: requests.bytesReceived,
    bytesSent: requests.bytesSent,
  };
}
