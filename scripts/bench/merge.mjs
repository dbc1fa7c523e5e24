// Combining the reports of several harness processes that drove one system at once: their
// latency histograms are merged bucket by bucket (percentiles of percentiles would be wrong), their
// counts and rates added. Pure.

/** Nearest-rank percentile over [upperBoundMs, count] buckets, clamped to [min, max]; null when empty. */
export function bucketPercentile(buckets, p, { min = -Infinity, max = Infinity } = {}) {
  const total = buckets.reduce((a, [, n]) => a + n, 0);
  if (total === 0) return null;
  if (p >= 100) return max === Infinity ? buckets[buckets.length - 1][0] : max;
  const rank = Math.max(1, Math.ceil((p / 100) * total - 1e-9));
  let seen = 0;
  for (const [ub, n] of buckets) {
    seen += n;
    if (seen >= rank) return Math.min(max, Math.max(min, ub));
  }
  return Math.min(max, buckets[buckets.length - 1][0]);
}

/** Merges histogram summaries (each with `buckets`, as the harness's report writes them). */
export function mergeHistograms(summaries) {
  const present = summaries.filter((s) => s && s.count > 0);
  if (present.length === 0) return null;
  const byBound = new Map();
  for (const s of present) for (const [ub, n] of s.buckets) byBound.set(ub, (byBound.get(ub) ?? 0) + n);
  const buckets = [...byBound.entries()].sort((a, b) => a[0] - b[0]);
  const min = Math.min(...present.map((s) => s.min));
  const max = Math.max(...present.map((s) => s.max));
  const count = present.reduce((a, s) => a + s.count, 0);
  const at = (p) => bucketPercentile(buckets, p, { min, max });
  return { count, min, max, p50: at(50), p95: at(95), p99: at(99), buckets };
}

const add = (reports, get) => reports.reduce((a, r) => a + (get(r) ?? 0), 0);

/** The bench's figures of one TileMUD load step, from one or more harness reports. */
export function combineReports(reports) {
  const lat = (key) => {
    const m = mergeHistograms(reports.map((r) => r.latencyMs[key]));
    return m === null ? null : { count: m.count, p50: m.p50, p95: m.p95, p99: m.p99, max: m.max };
  };
  const problems = reports.flatMap((r) => r.problems ?? []);
  return {
    sessions: { requested: add(reports, (r) => r.parameters.sessions), live: add(reports, (r) => r.setup.live), failed: add(reports, (r) => r.setup.failed) },
    worlds: Math.max(0, ...reports.map((r) => r.throughput.worlds ?? 0)),
    processes: reports.length,
    durationSeconds: Math.max(0, ...reports.map((r) => r.throughput.windowSeconds ?? 0)),
    intentsPerSec: add(reports, (r) => r.throughput.intentsSentPerSec),
    acksPerSec: add(reports, (r) => r.throughput.acksPerSec),
    intents: {
      sent: add(reports, (r) => r.intents.sent),
      acked: add(reports, (r) => r.intents.acked),
      applied: add(reports, (r) => r.intents.ackByStatus.applied),
      rejected: add(reports, (r) => r.intents.ackByStatus.rejected),
      missingAcks: add(reports, (r) => r.errors.missingAcks),
    },
    ackMs: lat('intentToAck'),
    deltaMs: lat('intentToDeltaOtherClients'),
    harnessSaturated: reports.some((r) => r.harness?.saturated === true),
    ok: reports.every((r) => r.exitCode === 0),
    problems,
  };
}
