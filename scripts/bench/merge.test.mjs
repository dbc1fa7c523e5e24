// Percentiles of several harness processes' histograms: merged bucket by bucket.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram } from '../load/histogram.mjs';
import { bucketPercentile, combineReports, mergeHistograms } from './merge.mjs';
import { splitSessions } from './tilemud-load.mjs';

const summary = (values) => {
  const h = new Histogram();
  for (const v of values) h.record(v);
  return h.summary({ buckets: true });
};

test('bucketPercentile is nearest-rank over the buckets, clamped to min and max', () => {
  const buckets = [
    [1, 50],
    [2, 40],
    [10, 10],
  ];
  assert.equal(bucketPercentile(buckets, 50), 1);
  assert.equal(bucketPercentile(buckets, 51), 2);
  assert.equal(bucketPercentile(buckets, 90), 2);
  assert.equal(bucketPercentile(buckets, 99, { max: 7.5 }), 7.5);
  assert.equal(bucketPercentile([], 50), null);
});

test('merging two histograms gives the percentiles of one histogram of all the samples', () => {
  const a = Array.from({ length: 900 }, (_, i) => 1 + (i % 10));
  const b = Array.from({ length: 100 }, (_, i) => 50 + i);
  const merged = mergeHistograms([summary(a), summary(b)]);
  const whole = summary([...a, ...b]);
  assert.equal(merged.count, 1000);
  for (const p of ['p50', 'p95', 'p99', 'min', 'max']) assert.equal(merged[p], whole[p], p);
  // Not the mean of the two p99s.
  assert.notEqual(merged.p99, (summary(a).p99 + summary(b).p99) / 2);
});

test('empty and missing histograms are left out; all empty is null', () => {
  assert.equal(mergeHistograms([null, summary([])]), null);
  assert.equal(mergeHistograms([null, summary([3])]).p50, 3);
});

test('combineReports adds counts and rates and merges the latencies', () => {
  const report = (sessions, acks, values, saturated = false) => ({
    parameters: { sessions },
    setup: { live: sessions, failed: 0 },
    throughput: { worlds: 10, windowSeconds: 4, intentsSentPerSec: acks, acksPerSec: acks },
    intents: { sent: acks * 4, acked: acks * 4, ackByStatus: { applied: acks * 3, rejected: acks } },
    errors: { missingAcks: 0 },
    latencyMs: { intentToAck: summary(values), intentToDeltaOtherClients: summary([]) },
    harness: { saturated },
    problems: [],
    exitCode: 0,
  });
  const c = combineReports([report(50, 100, [1, 2, 3]), report(50, 120, [4, 5, 6], true)]);
  assert.deepEqual(c.sessions, { requested: 100, live: 100, failed: 0 });
  assert.equal(c.acksPerSec, 220);
  assert.equal(c.intents.applied, 660);
  assert.equal(c.ackMs.count, 6);
  assert.equal(c.ackMs.p50, 3);
  assert.equal(c.deltaMs, null);
  assert.equal(c.harnessSaturated, true);
  assert.equal(c.ok, true);
});

test('splitSessions shares sessions evenly, never more processes than sessions', () => {
  assert.deepEqual(splitSessions(10, 3), [4, 3, 3]);
  assert.deepEqual(splitSessions(2, 4), [1, 1]);
  assert.deepEqual(splitSessions(5, 1), [5]);
});
