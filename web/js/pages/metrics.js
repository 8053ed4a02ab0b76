// Live metrics from the server's own counters (`GET /_zonal/metrics`, root only), polled every
// second: requests per second by operation, p50/p99 latency of each interval (from the latency
// histogram's bucket counts), errors by code, sessions created, bytes in and out.
import { admin } from '../api.js';
import { clear, errorBox, formatBytes, h } from '../dom.js';
import { current } from '../page-state.js';
import { drawLineChart } from '../chart.js';

const POLL_MS = 1000;
const WINDOW = 60;
/** Operations drawn on the rate chart, busiest first. */
const CHART_OPERATIONS = 6;

/** The q-quantile (0..1) of a histogram's bucket counts, as the bucket's upper bound. */
function quantile(bounds, counts, q) {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  let seen = 0;
  for (let i = 0; i < counts.length; i += 1) {
    seen += counts[i];
    if (seen >= q * total) return i < bounds.length ? bounds[i] : Infinity;
  }
  return Infinity;
}

const ms = (seconds) =>
  seconds === undefined ? '—' : seconds === Infinity ? '> 10 s' : `≤ ${seconds * 1000} ms`;

export async function renderMetrics(main, _params, gen) {
  const status = h('div', { id: 'metrics-status' });
  const rateChart = h('canvas', { id: 'rate-chart', class: 'chart' });
  const latencyChart = h('canvas', { id: 'latency-chart', class: 'chart' });
  const bytesChart = h('canvas', { id: 'bytes-chart', class: 'chart' });
  const totals = h('div', { id: 'metrics-totals', class: 'totals' });
  const ops = h('div', { id: 'operation-table' });
  const errors = h('div', { id: 'error-table' });
  clear(
    main,
    h('h1', {}, 'Live metrics'),
    status,
    totals,
    h('section', { class: 'card' }, h('h2', {}, 'Requests per second by operation'), rateChart),
    h('section', { class: 'card' }, h('h2', {}, 'Latency (all operations, per interval)'), latencyChart),
    h('section', { class: 'card' }, h('h2', {}, 'Bytes per second'), bytesChart),
    h('section', { class: 'card' }, h('h2', {}, 'Operations'), ops),
    h('section', { class: 'card' }, h('h2', {}, 'Errors by code'), errors),
  );

  const history = []; // snapshots, oldest first
  const poll = async () => {
    if (!current(gen)) return;
    try {
      const snap = await admin('GET', 'metrics');
      if (!current(gen)) return;
      clear(status);
      // With --workers each process counts its own requests: rates only between snapshots of one.
      if (history.length > 0 && history[history.length - 1].pid !== snap.pid) {
        history.length = 0;
        status.append(
          h(
            'p',
            { class: 'muted' },
            `Counters of server process ${snap.pid} (with --workers each counts its own).`,
          ),
        );
      }
      history.push(snap);
      if (history.length > WINDOW + 1) history.shift();
      draw(snap);
    } catch (err) {
      if (!current(gen)) return;
      clear(status, errorBox(err));
      if (err.code === 'AccessDenied') return; // no point polling what we may not see
    }
    setTimeout(poll, POLL_MS);
  };

  function draw(snap) {
    const bounds = snap.latencyBoundsSeconds;
    const intervals = [];
    for (let i = 1; i < history.length; i += 1) intervals.push([history[i - 1], history[i]]);
    const byName = (s) => new Map(s.operations.map((o) => [o.operation, o]));
    const seconds = ([a, b]) => Math.max(0.001, (b.takenAt - a.takenAt) / 1000);
    const rate = (name) =>
      intervals.map(
        ([a, b]) =>
          ((byName(b).get(name)?.requests ?? 0) - (byName(a).get(name)?.requests ?? 0)) / seconds([a, b]),
      );
    const busiest = [...snap.operations].sort((x, y) => y.requests - x.requests).slice(0, CHART_OPERATIONS);
    drawLineChart(
      rateChart,
      busiest.map((o) => ({ name: o.operation, points: rate(o.operation) })),
      { format: (v) => `${v.toFixed(v < 10 ? 1 : 0)}/s` },
    );
    const intervalBuckets = intervals.map(([a, b]) => {
      const sum = new Array(bounds.length + 1).fill(0);
      const before = byName(a);
      for (const o of b.operations) {
        const prev = before.get(o.operation)?.latencyBuckets;
        o.latencyBuckets.forEach((n, i) => (sum[i] += n - (prev?.[i] ?? 0)));
      }
      return sum;
    });
    const capped = (v) => (v === undefined ? 0 : v === Infinity ? 10_000 : v * 1000);
    drawLineChart(
      latencyChart,
      [
        { name: 'p50', points: intervalBuckets.map((c) => capped(quantile(bounds, c, 0.5))) },
        { name: 'p99', points: intervalBuckets.map((c) => capped(quantile(bounds, c, 0.99))) },
      ],
      { format: (v) => `${v.toFixed(v < 10 ? 1 : 0)} ms` },
    );
    drawLineChart(
      bytesChart,
      [
        {
          name: 'in',
          points: intervals.map(([a, b]) => (b.bytesReceived - a.bytesReceived) / seconds([a, b])),
        },
        { name: 'out', points: intervals.map(([a, b]) => (b.bytesSent - a.bytesSent) / seconds([a, b])) },
      ],
      { format: (v) => `${formatBytes(Math.round(v))}/s` },
    );
    const total = snap.operations.reduce((n, o) => n + o.requests, 0);
    clear(
      totals,
      h(
        'div',
        { class: 'total', id: 'total-requests', dataset: { value: total } },
        h('strong', {}, String(total)),
        ' requests',
      ),
      h(
        'div',
        { class: 'total', id: 'sessions-created', dataset: { value: snap.sessionsCreated } },
        h('strong', {}, String(snap.sessionsCreated)),
        ' sessions created',
      ),
      h('div', { class: 'total', id: 'bytes-in' }, h('strong', {}, formatBytes(snap.bytesReceived)), ' in'),
      h('div', { class: 'total', id: 'bytes-out' }, h('strong', {}, formatBytes(snap.bytesSent)), ' out'),
    );
    clear(
      ops,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Operation'),
            h('th', {}, 'Requests'),
            h('th', {}, 'p50 (all time)'),
            h('th', {}, 'p99 (all time)'),
            h('th', {}, 'By status'),
          ),
        ),
        h(
          'tbody',
          {},
          snap.operations.map((o) =>
            h(
              'tr',
              { dataset: { op: o.operation, requests: o.requests } },
              h('td', {}, o.operation),
              h('td', {}, String(o.requests)),
              h('td', {}, ms(quantile(bounds, o.latencyBuckets, 0.5))),
              h('td', {}, ms(quantile(bounds, o.latencyBuckets, 0.99))),
              h(
                'td',
                {},
                Object.entries(o.byStatus)
                  .map(([s, n]) => `${s}: ${n}`)
                  .join(', '),
              ),
            ),
          ),
        ),
      ),
    );
    const codes = Object.entries(snap.errorsByCode).sort((a, b) => b[1] - a[1]);
    clear(
      errors,
      codes.length === 0
        ? h('p', { class: 'muted' }, 'No errors.')
        : h(
            'table',
            {},
            h(
              'tbody',
              {},
              codes.map(([code, n]) =>
                h('tr', { dataset: { code, count: n } }, h('td', {}, code), h('td', {}, String(n))),
              ),
            ),
          ),
    );
  }
  await poll();
}
