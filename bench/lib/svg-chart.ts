import { ratio, type BenchReport } from './results.js';

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS: Record<string, string> = { nginx: '#2e7d32', s3rver: '#1565c0' };
const colorOf = (system: string): string => COLORS[system] ?? '#8d6e63';

/**
 * A hand-made SVG bar chart: for each case and reference, how Zonal compares, on a log scale
 * centred on 1× (right of the line: Zonal faster; left: slower). Times are inverted so that
 * right is always better.
 */
export function ratioChart(report: BenchReport): string {
  const bars: { label: string; system: string; advantage: number; flagged: boolean }[] = [];
  for (const c of report.cases) {
    for (const r of c.references) {
      const q = ratio(c, r);
      if (q === undefined || q <= 0) continue;
      bars.push({
        label: `${c.title} vs ${r.system}`,
        system: r.system,
        advantage: c.higherIsBetter ? q : 1 / q,
        flagged: (c.subject?.flag ?? r.flag) !== undefined,
      });
    }
  }
  const rowH = 22;
  const labelW = 360;
  const plotW = 520;
  const top = 56;
  const width = labelW + plotW + 90;
  const height = top + Math.max(1, bars.length) * rowH + 40;
  const maxLog = 4; // 1/16× … 16×
  const x = (v: number): number => {
    const l = Math.max(-maxLog, Math.min(maxLog, Math.log2(v)));
    return labelW + ((l + maxLog) / (2 * maxLog)) * plotW;
  };
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Zonal relative to each reference (log scale; right of 1× = Zonal faster)</text>`,
    `<text x="10" y="38" fill="#555">${escape(`${report.machine.cpu}, ${report.machine.cores} cores · ${report.startedAt.slice(0, 10)} · wrk ${report.settings.threads} threads, ${report.settings.seconds} s/run`)}</text>`,
  );
  for (let l = -maxLog; l <= maxLog; l++) {
    const gx = x(2 ** l);
    out.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 30}" stroke="${l === 0 ? '#000' : '#ddd'}" stroke-width="${l === 0 ? 1.5 : 1}"/>`,
      `<text x="${gx}" y="${height - 14}" text-anchor="middle" fill="#555">${l < 0 ? `1/${2 ** -l}` : 2 ** l}×</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const x0 = x(1);
    const x1 = x(b.advantage);
    const left = Math.min(x0, x1);
    const w = Math.max(1, Math.abs(x1 - x0));
    const text = `${b.advantage >= 10 ? b.advantage.toFixed(1) : b.advantage.toFixed(2)}×${b.flagged ? ' ⚠' : ''}`;
    out.push(
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escape(b.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${colorOf(b.system)}" opacity="${b.flagged ? 0.4 : 0.85}"/>`,
      `<text x="${x1 >= x0 ? x1 + 4 : x1 - 4}" y="${y + 15}" text-anchor="${x1 >= x0 ? 'start' : 'end'}" fill="#222">${escape(text)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
