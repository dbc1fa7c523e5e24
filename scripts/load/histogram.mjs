// Fixed-bucket latency histogram with bounded memory, for the load harness.
//
// Buckets are (lo, hi] ranges: fineStepMs wide up to fineMaxMs (default
// 0.1 ms up to 100 ms), then coarseStepMs wide up to maxMs (default 1 ms up
// to 10 s), then one overflow bucket. count, min, max and sum are exact. A
// percentile is the upper bound of the bucket holding the nearest-rank
// sample, clamped to [min, max]: it is never below the true value and at
// most one bucket width above it (exact for samples on bucket bounds, e.g.
// whole milliseconds). Above maxMs the answer is the exact max.

const EPS = 1e-9;

/** Rounds away binary noise such as 5.000000000000001. */
const tidy = (v) => Math.round(v * 1e6) / 1e6;

export class Histogram {
  constructor({ fineStepMs = 0.1, fineMaxMs = 100, coarseStepMs = 1, maxMs = 10_000 } = {}) {
    if (!(fineStepMs > 0 && coarseStepMs > 0 && fineMaxMs > 0 && maxMs > fineMaxMs)) {
      throw new RangeError('histogram: bad bucket layout');
    }
    this.fineStepMs = fineStepMs;
    this.fineMaxMs = fineMaxMs;
    this.coarseStepMs = coarseStepMs;
    this.maxMs = maxMs;
    this.fineBuckets = Math.round(fineMaxMs / fineStepMs) + 1; // index 0 holds exactly 0
    this.coarseBuckets = Math.ceil((maxMs - fineMaxMs) / coarseStepMs - EPS);
    this.overflowIndex = this.fineBuckets + this.coarseBuckets;
    this.counts = new Float64Array(this.overflowIndex + 1);
    this.reset();
  }

  reset() {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.invalid = 0;
  }

  indexOf(ms) {
    if (ms <= this.fineMaxMs) {
      const i = Math.ceil(ms / this.fineStepMs - EPS);
      return i < 0 ? 0 : i;
    }
    if (ms <= this.maxMs) {
      const i = Math.ceil((ms - this.fineMaxMs) / this.coarseStepMs - EPS);
      return this.fineBuckets - 1 + (i < 1 ? 1 : i);
    }
    return this.overflowIndex;
  }

  /** Upper bound (ms) of bucket i; the overflow bucket answers the exact max. */
  upperBound(i) {
    if (i < this.fineBuckets) return tidy(i * this.fineStepMs);
    if (i < this.overflowIndex) {
      return tidy(Math.min(this.maxMs, this.fineMaxMs + (i - this.fineBuckets + 1) * this.coarseStepMs));
    }
    return this.max;
  }

  /** Records one sample in ms. Negative values count as 0; NaN/Infinity are counted as invalid and skipped. */
  record(ms) {
    if (!Number.isFinite(ms)) {
      this.invalid++;
      return;
    }
    if (ms < 0) ms = 0;
    this.counts[this.indexOf(ms)]++;
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** Nearest-rank percentile, p in [0, 100]; null when empty. */
  percentile(p) {
    if (this.count === 0) return null;
    if (p >= 100) return this.max;
    if (p <= 0) return this.min;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count - EPS));
    let seen = 0;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        const v = this.upperBound(i);
        return Math.min(this.max, Math.max(this.min, v));
      }
    }
    return this.max;
  }

  get mean() {
    return this.count === 0 ? null : this.sum / this.count;
  }

  merge(other) {
    if (other.counts.length !== this.counts.length || other.fineStepMs !== this.fineStepMs) {
      throw new RangeError('histogram: cannot merge different layouts');
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    this.invalid += other.invalid;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    return this;
  }

  /** Non-empty buckets as [upperBoundMs, count] pairs (the last one may be the overflow, keyed by max). */
  buckets() {
    const out = [];
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] > 0) out.push([this.upperBound(i), this.counts[i]]);
    }
    return out;
  }

  /** Plain-object summary for reports; all times in ms. */
  summary({ buckets = false } = {}) {
    const empty = this.count === 0;
    const s = {
      count: this.count,
      min: empty ? null : this.min,
      mean: empty ? null : this.mean,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: empty ? null : this.max,
    };
    if (this.invalid) s.invalid = this.invalid;
    if (buckets) {
      s.layout = {
        fineStepMs: this.fineStepMs,
        fineMaxMs: this.fineMaxMs,
        coarseStepMs: this.coarseStepMs,
        maxMs: this.maxMs,
        bucketsAre: '(lo, hi], keyed by hi; the overflow bucket is keyed by max',
      };
      s.buckets = this.buckets();
    }
    return s;
  }
}
