/**
 * `GET /_zonal/metrics`: the server's request counters as JSON (observability/metrics-snapshot.ts),
 * signed and root-only like every admin route, for the web console's live charts. `/metrics`
 * (Prometheus text) stays unauthenticated for scrapers bound to a trusted network.
 *
 * With `--workers`, each worker answers with its own counters (`pid` says which).
 */
import { metricsSnapshot } from '../observability/metrics-snapshot.js';
import type { RequestMetrics } from '../observability/request-metrics.js';
import type { AdminRoute } from './admin-api.js';

export function metricsRoutes(requests: RequestMetrics, sessionsCreated: () => number): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: 'metrics',
      handle: () => ({ body: { pid: process.pid, ...metricsSnapshot(requests, sessionsCreated()) } }),
    },
  ];
}
