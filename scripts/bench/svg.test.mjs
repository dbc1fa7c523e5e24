// The hand-written SVG chart: valid-looking markup, scaled points, a legend per series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineChartSvg, niceTicks, saturationChart } from './svg.mjs';

test('niceTicks: round steps from 0 past the maximum', () => {
  assert.deepEqual(niceTicks(10_000), [0, 2000, 4000, 6000, 8000, 10_000]);
  assert.deepEqual(niceTicks(37), [0, 10, 20, 30, 40]);
  assert.deepEqual(niceTicks(0), [0, 1]);
});

test('lineChartSvg: one polyline and legend entry per series, points inside the plot', () => {
  const svg = lineChartSvg({
    title: 'a < b',
    xLabel: 'x',
    yLabel: 'ms',
    series: [
      {
        name: 'ack p99',
        points: [
          [0, 0],
          [10, 5],
          [20, null],
        ],
      },
      { name: 'delta p99', points: [[10, 10]] },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.match(svg, /a &lt; b/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 1); // the one-point series has no line
  assert.equal((svg.match(/<circle/g) ?? []).length, 3); // the null point is left out
  assert.match(svg, />ack p99</);
  assert.match(svg, />delta p99</);
  for (const [, cx, cy] of svg.matchAll(/cx="([\d.]+)" cy="([\d.]+)"/g)) {
    assert.ok(Number(cx) >= 64 && Number(cx) <= 550 && Number(cy) >= 40 && Number(cy) <= 364, `${cx},${cy}`);
  }
});

test('saturationChart plots the steps, or the runs there were without a curve', () => {
  const steps = [
    { offeredPerSec: 2000, ackMs: { p50: 3, p99: 9 }, deltaMs: { p99: 19 } },
    { offeredPerSec: 1000, ackMs: { p50: 2, p99: 8 }, deltaMs: null },
    { offeredPerSec: 4000, error: 'x' },
  ];
  const svg = saturationChart({ saturation: { steps } }, 'T');
  assert.equal((svg.match(/<circle/g) ?? []).length, 5);
  const fallback = saturationChart({ tilemud500: { offeredPerSec: 500, ackMs: { p50: 1, p99: 2 }, deltaMs: { p99: 3 } } }, 'T');
  assert.equal((fallback.match(/<circle/g) ?? []).length, 3);
});
