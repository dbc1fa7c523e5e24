// A small hand-written SVG line chart: latency (ms) against offered load (intents/s), one line per
// series, axes with round ticks and a legend. Pure: points in, SVG text out.

const W = 720;
const H = 420;
const M = { left: 64, right: 170, top: 40, bottom: 56 };
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round tick values from 0 to at least `max`: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toFixed(10)));
  return ticks;
}

/**
 * series: [{ name, points: [[x, y], …] }] (points with a null y are left out, a line breaks there
 * not). Answers the SVG document.
 */
export function lineChartSvg({ title, xLabel, yLabel, series }) {
  const all = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const xt = niceTicks(Math.max(1, ...all.map(([x]) => x)));
  const yt = niceTicks(Math.max(1, ...all.map(([, y]) => y)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x) => M.left + (x / xt[xt.length - 1]) * pw;
  const sy = (y) => M.top + ph - (y / yt[yt.length - 1]) * ph;
  const r = (v) => v.toFixed(1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2 - M.right / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  for (const v of xt) {
    out.push(`<line x1="${r(sx(v))}" y1="${M.top}" x2="${r(sx(v))}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${r(sx(v))}" y="${M.top + ph + 18}" text-anchor="middle">${v.toLocaleString('en-US')}</text>`);
  }
  for (const v of yt) {
    out.push(`<line x1="${M.left}" y1="${r(sy(v))}" x2="${M.left + pw}" y2="${r(sy(v))}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 8}" y="${r(sy(v) + 4)}" text-anchor="end">${v.toLocaleString('en-US')}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${r(sx(x))},${r(sy(y))}`).join(' ')}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${r(sx(x))}" cy="${r(sy(y))}" r="3.5" fill="${color}"><title>${esc(`${s.name}: ${y} ms at ${x}/s`)}</title></circle>`);
    const ly = M.top + 10 + i * 20;
    out.push(`<line x1="${W - M.right + 14}" y1="${ly}" x2="${W - M.right + 38}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${W - M.right + 44}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The bench's chart: ack and delta p99 (and ack p50) of the saturation steps against offered load. */
export function saturationChart(results, stampText) {
  // Without a saturation curve (e.g. --only tilemud500), the runs there were, by their offered load.
  const curve = (results.saturation?.steps ?? []).filter((s) => !s.error);
  const runs = [results.tilemud500, results.spread2000].filter((r) => r && !r.error && !r.skipped);
  const steps = (curve.length ? curve : runs).slice().sort((a, b) => a.offeredPerSec - b.offeredPerSec);
  const series = [
    { name: 'ack p99', points: steps.map((s) => [s.offeredPerSec, s.ackMs?.p99 ?? null]) },
    { name: 'delta p99', points: steps.map((s) => [s.offeredPerSec, s.deltaMs?.p99 ?? null]) },
    { name: 'ack p50', points: steps.map((s) => [s.offeredPerSec, s.ackMs?.p50 ?? null]) },
  ].filter((s) => s.points.some(([, y]) => Number.isFinite(y)));
  return lineChartSvg({ title: `TileMUD latency against offered load (bench ${stampText})`, xLabel: 'offered intents/s', yLabel: 'ms', series });
}
