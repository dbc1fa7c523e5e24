import { labelsMatch, type Labels, type Sample, type Scrape } from './prom-text';

/**
 * The operator page's figures from two consecutive scrapes of each target. Pure: counters become
 * rates and histogram buckets become percentiles over the interval between the scrapes, the way
 * Prometheus's rate() and histogram_quantile() do, so the page and the dashboards agree.
 */

/** One target's latest scrape and the one before it (null after a start or a failed scrape). */
export interface Frame {
  now: Scrape;
  prev: Scrape | null;
  /** Seconds between the two scrapes. */
  dtS: number;
}

const seriesKey = (s: Sample, without?: string) =>
  `${s.name}{${Object.keys(s.labels)
    .filter((k) => k !== without)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
    .join(',')}}`;

/** Sum of a gauge over every target that serves it; null when none does. */
export function sumGauge(frames: Frame[], name: string, match?: Labels): number | null {
  let found = false;
  let sum = 0;
  for (const f of frames)
    for (const s of f.now.samples)
      if (s.name === name && labelsMatch(s.labels, match) && Number.isFinite(s.value)) {
        found = true;
        sum += s.value;
      }
  return found ? sum : null;
}

/** A gauge's values by one label (summed over the others), over every target. */
export function gaugeBy(frames: Frame[], name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of frames)
    for (const s of f.now.samples) {
      const key = s.labels[label];
      if (s.name === name && key !== undefined && Number.isFinite(s.value)) out.set(key, (out.get(key) ?? 0) + s.value);
    }
  return out;
}

/**
 * How much a counter grew between the scrapes, summed over its series and targets. A series that
 * went down restarted from 0 (its process restarted); a series new since the last scrape was
 * created in between, from 0. Null when no target has two scrapes that serve the counter.
 */
function counterIncrease(frames: Frame[], name: string, match?: Labels, without?: string): Map<string, number> | null {
  let found = false;
  const out = new Map<string, number>();
  for (const f of frames) {
    if (!f.prev) continue;
    const before = new Map<string, number>();
    for (const s of f.prev.samples) if (s.name === name) before.set(seriesKey(s), s.value);
    for (const s of f.now.samples) {
      if (s.name !== name || !labelsMatch(s.labels, match) || !Number.isFinite(s.value)) continue;
      found = true;
      const prev = before.get(seriesKey(s)) ?? 0;
      const grew = s.value >= prev ? s.value - prev : s.value;
      const group = without === undefined ? '' : (s.labels[without] ?? '');
      out.set(group, (out.get(group) ?? 0) + grew);
    }
  }
  return found ? out : null;
}

/** Total increase of a counter (all series), or null. */
export function increase(frames: Frame[], name: string, match?: Labels): number | null {
  const m = counterIncrease(frames, name, match);
  return m ? (m.get('') ?? 0) : null;
}

/** Per-second rate of a counter over the interval, summed over targets; null when unknown. */
export function rate(frames: Frame[], name: string, match?: Labels): number | null {
  let found = false;
  let sum = 0;
  for (const f of frames) {
    if (!f.prev || f.dtS <= 0) continue;
    const grew = increase([f], name, match);
    if (grew === null) continue;
    found = true;
    sum += grew / f.dtS;
  }
  return found ? sum : null;
}

export interface Bucket {
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

/** A histogram's bucket increases over the interval (all series and targets merged), by `le`. */
export function bucketIncrease(frames: Frame[], histogram: string): Bucket[] | null {
  const byLe = counterIncrease(frames, `${histogram}_bucket`, undefined, 'le');
  if (!byLe) return null;
  return [...byLe]
    .map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside its bucket as
 * histogram_quantile() does. Null when nothing was observed; the largest finite bound when the
 * quantile falls in the +Inf bucket (all we know is "more than that").
 */
export function quantileFromBuckets(q: number, buckets: Bucket[]): number | null {
  if (buckets.length === 0) return null;
  const total = buckets[buckets.length - 1]!.count;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      if (b.count === prevCount) return b.le;
      const lower = prevLe < b.le ? prevLe : 0;
      return lower + (b.le - lower) * ((rank - prevCount) / (b.count - prevCount));
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** The p-quantile of a histogram's observations between the two scrapes, in seconds, or null. */
export function histogramQuantile(frames: Frame[], q: number, histogram: string): number | null {
  const buckets = bucketIncrease(frames, histogram);
  return buckets ? quantileFromBuckets(q, buckets) : null;
}

/** Whether any target serves this histogram at all (even with no observations yet). */
export function hasHistogram(frames: Frame[], histogram: string): boolean {
  return frames.some((f) => f.now.samples.some((s) => s.name === `${histogram}_bucket`));
}

/** Availability of good / total, null with nothing counted. */
export function availability(good: number, total: number): number | null {
  if (total <= 0) return null;
  return Math.min(1, Math.max(0, good / total));
}

/** Error-budget burn: 1 spends exactly the budget the objective allows over the window. */
export function burnRate(avail: number | null, objective: number): number | null {
  return avail === null ? null : (1 - avail) / (1 - objective);
}
