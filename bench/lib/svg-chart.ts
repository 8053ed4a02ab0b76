import { ratio, type BenchReport } from './results.js';

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One colour per kind of reference (nginx with any number of workers is one kind). */
const KINDS: { prefix: string; label: string; color: string }[] = [
  { prefix: 'nginx', label: 'vs nginx', color: '#2e7d32' },
  { prefix: 's3rver', label: 'vs s3rver', color: '#1565c0' },
  { prefix: 'disk', label: 'vs the disk', color: '#8d6e63' },
  { prefix: 'zonal', label: 'vs one Zonal process', color: '#7b1fa2' },
];
const kindOf = (system: string) =>
  KINDS.find((k) => system.startsWith(k.prefix)) ?? { prefix: '', label: 'vs other', color: '#757575' };
const colorOf = (system: string): string => kindOf(system).color;

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
  const labelW = 380;
  const plotLeft = labelW + 16;
  const plotW = 560;
  const top = 74;
  const width = plotLeft + plotW + 70;
  const height = top + Math.max(1, bars.length) * rowH + 40;
  const maxLog = 5; // 1/32× … 32×
  const x = (v: number): number => {
    const l = Math.max(-maxLog, Math.min(maxLog, Math.log2(v)));
    return plotLeft + ((l + maxLog) / (2 * maxLog)) * plotW;
  };
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Zonal relative to each reference (log scale; right of 1× = Zonal faster)</text>`,
    `<text x="10" y="38" fill="#555">${escape(`${report.machine.cpu}, ${report.machine.cores} cores · ${report.startedAt.slice(0, 10)} · wrk ${report.settings.threads} threads, ${report.settings.seconds} s/run`)}</text>`,
  );
  // Legend: one row under the subtitle.
  let lx = 10;
  for (const kind of KINDS.filter((k) => bars.some((b) => kindOf(b.system).prefix === k.prefix))) {
    out.push(
      `<rect x="${lx}" y="${46}" width="10" height="10" fill="${kind.color}"/>`,
      `<text x="${lx + 14}" y="${55}" fill="#333">${escape(kind.label)}</text>`,
    );
    lx += 28 + kind.label.length * 7;
  }
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
    // A value that would run into the labels is written inside its bar instead.
    const inside = x1 < x0 && x1 - 56 < plotLeft;
    const tx = x1 >= x0 ? x1 + 4 : inside ? x1 + 4 : x1 - 4;
    const anchor = x1 >= x0 || inside ? 'start' : 'end';
    out.push(
      `<text x="${labelW}" y="${y + 15}" text-anchor="end">${escape(b.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${colorOf(b.system)}" opacity="${b.flagged ? 0.4 : 0.85}"/>`,
      `<text x="${tx}" y="${y + 15}" text-anchor="${anchor}" fill="${inside ? '#fff' : '#222'}">${escape(text)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
