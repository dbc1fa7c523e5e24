import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram } from './histogram.mjs';

function exactPercentile(sorted, p) {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

test('1..1000 ms: nearest-rank percentiles are exact on whole milliseconds', () => {
  const h = new Histogram();
  for (let v = 1; v <= 1000; v++) h.record(v);
  assert.equal(h.count, 1000);
  assert.equal(h.min, 1);
  assert.equal(h.max, 1000);
  assert.equal(h.mean, 500.5);
  assert.equal(h.percentile(50), 500);
  assert.equal(h.percentile(95), 950);
  assert.equal(h.percentile(99), 990);
  assert.equal(h.percentile(100), 1000);
  const s = h.summary();
  assert.deepEqual([s.count, s.p50, s.p95, s.p99, s.max], [1000, 500, 950, 990, 1000]);
});

test('recording order does not matter', () => {
  const h = new Histogram();
  const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  for (const v of values) h.record(v);
  assert.equal(h.percentile(50), 500);
  assert.equal(h.percentile(99), 990);
});

test('sub-millisecond resolution below 100 ms (0.1 ms buckets)', () => {
  const h = new Histogram();
  for (let i = 1; i <= 1000; i++) h.record(i / 100); // 0.01 .. 10.00 ms
  assert.equal(h.percentile(50), 5);
  assert.equal(h.percentile(95), 9.5);
  assert.equal(h.percentile(99), 9.9);
  assert.equal(h.max, 10);
  assert.equal(h.min, 0.01);
  // 0.3 must land in (0.2, 0.3], not (0.3, 0.4], despite 0.3 * 10 = 3.0000000000000004.
  const g = new Histogram();
  g.record(0.3);
  g.record(0.7);
  assert.deepEqual(g.buckets(), [
    [0.3, 1],
    [0.7, 1],
  ]);
});

test('random data: within one bucket width above the exact percentile', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const h = new Histogram();
  const values = [];
  for (let i = 0; i < 20_000; i++) {
    // log-uniform between 0.05 ms and 5 s
    const v = 0.05 * Math.exp(rnd() * Math.log(100_000));
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const p of [1, 10, 50, 90, 95, 99, 99.9]) {
    const exact = exactPercentile(values, p);
    const approx = h.percentile(p);
    const width = exact <= 100 ? 0.1 : 1;
    assert.ok(approx >= exact - 1e-9, `p${p}: ${approx} < exact ${exact}`);
    assert.ok(approx - exact <= width + 1e-9, `p${p}: ${approx} too far above exact ${exact}`);
  }
  assert.equal(h.max, values[values.length - 1]);
  assert.equal(h.min, values[0]);
});

test('overflow above 10 s keeps the exact max', () => {
  const h = new Histogram();
  h.record(5);
  h.record(12_345.678);
  h.record(60_000);
  // 12 345.678 is in the overflow bucket, which answers the exact max.
  assert.equal(h.percentile(50), 60_000);
  assert.equal(h.max, 60_000);
  assert.equal(h.percentile(100), 60_000);
  assert.equal(h.percentile(30), 5);
});

test('empty, negative and invalid samples', () => {
  const h = new Histogram();
  assert.equal(h.percentile(50), null);
  assert.deepEqual(h.summary(), {
    count: 0,
    min: null,
    mean: null,
    p50: null,
    p90: null,
    p95: null,
    p99: null,
    p999: null,
    max: null,
  });
  h.record(-3);
  h.record(NaN);
  h.record(Infinity);
  assert.equal(h.count, 1);
  assert.equal(h.invalid, 2);
  assert.equal(h.percentile(50), 0);
});

test('merge adds counts and keeps exact extremes', () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let v = 1; v <= 500; v++) a.record(v);
  for (let v = 501; v <= 1000; v++) b.record(v);
  a.merge(b);
  assert.equal(a.count, 1000);
  assert.equal(a.percentile(50), 500);
  assert.equal(a.percentile(99), 990);
  assert.equal(a.min, 1);
  assert.equal(a.max, 1000);
  assert.throws(() => a.merge(new Histogram({ fineStepMs: 1 })));
});

test('summary with buckets is JSON-serialisable and bounded', () => {
  const h = new Histogram();
  for (let i = 0; i < 100_000; i++) h.record(i % 250);
  const json = JSON.parse(JSON.stringify(h.summary({ buckets: true })));
  assert.equal(json.count, 100_000);
  assert.equal(json.buckets.length, 250);
  assert.equal(
    json.buckets.reduce((n, [, c]) => n + c, 0),
    100_000,
  );
  assert.equal(h.counts.length, 1001 + 9900 + 1);
});
