import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * A few named timings, summarized and reset every interval: what an operator reads in the log to
 * see where time goes (e.g. the sequencer's append vs its queueing). Cheap: arrays of numbers.
 */
export class IntervalStats {
  private readonly loop = monitorEventLoopDelay({ resolution: 5 });
  constructor() {
    this.loop.enable();
  }
  private samples = new Map<string, number[]>();
  private counts = new Map<string, number>();

  time(name: string, ms: number): void {
    let a = this.samples.get(name);
    if (!a) this.samples.set(name, (a = []));
    a.push(ms);
  }

  count(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  /** p50 / p99 / max per timing and the counts since the last call; empty when nothing happened. */
  flush(): Record<string, unknown> | undefined {
    if (!this.samples.size && !this.counts.size) return undefined;
    const out: Record<string, unknown> = Object.fromEntries(this.counts);
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    out.eventLoopDelayMs = { p50: ms(this.loop.percentile(50)), p99: ms(this.loop.percentile(99)), max: ms(this.loop.max) };
    this.loop.reset();
    for (const [name, a] of this.samples) {
      a.sort((x, y) => x - y);
      const q = (p: number) => Math.round(a[Math.min(a.length - 1, Math.floor(a.length * p))]! * 100) / 100;
      out[name] = { n: a.length, p50: q(0.5), p99: q(0.99), max: q(1) };
    }
    this.samples = new Map();
    this.counts = new Map();
    return out;
  }
}
