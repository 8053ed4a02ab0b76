// A small line chart on a canvas (no chart library: the console ships without dependencies).

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

/**
 * Draws `series` ({ name, points: number[] }, aligned on the same time slots) on `canvas`,
 * y from 0 to the largest value, with a legend. Records what it drew in data attributes
 * (points, max) so that what is on screen can be checked.
 */
export function drawLineChart(canvas, series, { format = (v) => v.toFixed(v < 10 ? 1 : 0) } = {}) {
  const ctx = canvas.getContext('2d');
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 600;
  const height = canvas.clientHeight || 200;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const left = 48;
  const bottom = height - 20;
  const top = 10;
  const right = width - 140;
  const slots = Math.max(2, ...series.map((s) => s.points.length));
  const max = Math.max(0, ...series.flatMap((s) => s.points));
  const yMax = max > 0 ? max * 1.1 : 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#d1d5db';
  ctx.fillStyle = '#6b7280';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i += 1) {
    const y = bottom - ((bottom - top) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(right, y);
    ctx.stroke();
    ctx.fillText(format((yMax * i) / 4), 2, y + 4);
  }
  series.forEach((s, index) => {
    const color = COLORS[index % COLORS.length];
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    const offset = slots - s.points.length;
    s.points.forEach((v, i) => {
      const x = left + ((right - left) * (i + offset)) / (slots - 1);
      const y = bottom - ((bottom - top) * v) / yMax;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillRect(right + 10, top + index * 16, 10, 10);
    ctx.fillStyle = '#111827';
    ctx.fillText(s.name, right + 24, top + index * 16 + 9);
  });
  canvas.dataset.points = String(slots);
  canvas.dataset.max = String(max);
  canvas.dataset.series = series.map((s) => s.name).join(',');
}
