/** What the budget of delta frame writes is made of (config.ts: FANOUT_INTERVAL_MS, FANOUT_MAX_SENDS_PER_S). */
export interface BudgetSettings {
  /** The interval when the budget allows it (FANOUT_INTERVAL_MS). */
  minIntervalMs: number;
  /** Socket writes of delta frames per second, over every world of the gateway (FANOUT_MAX_SENDS_PER_S). */
  maxWritesPerS: number;
  /** The interval never grows beyond this. */
  maxIntervalMs?: number;
  /** Time constant of the moving averages of each world's delta rate and writes per frame. */
  tauMs?: number;
  /** How often the interval is worked out again. */
  updateEveryMs?: number;
  /** A shorter interval is taken at most this fraction below the current one per update (no see-saw). */
  maxStepDown?: number;
}

export class BudgetError extends Error {}

interface WorldLoad {
  /** Since the last update. */
  deltas: number;
  frames: number;
  writes: number;
  /** Moving averages: deltas arriving per second, socket writes a frame needed. */
  deltaRate: number;
  writesPerFrame: number;
  seeded: boolean;
}

/**
 * The gateway-wide budget of delta frame writes, pure (the clock is passed in). Each world's frames
 * go out at most once per interval; a frame costs the socket writes its clients need (with an area
 * of interest only those whose share is not empty). A world whose deltas arrive at r per second and
 * whose frames need w writes needs w × min(r, 1000 / I) writes per second at interval I. The
 * interval is the shortest, at least minIntervalMs, with the sum over the worlds within the budget:
 * every world's frames are spread by the same factor, so the budget is shared among the worlds in
 * proportion to what each needs. Inputs are moving averages; the interval rises at once when the
 * budget is exceeded and comes down by at most `maxStepDown` per update.
 */
export class FrameBudget {
  private readonly worlds = new Map<string, WorldLoad>();
  private readonly s: Required<BudgetSettings>;
  private lastUpdate: number;
  private current: number;

  constructor(settings: BudgetSettings, now: number) {
    this.s = { maxIntervalMs: 1000, tauMs: 1000, updateEveryMs: 250, maxStepDown: 0.25, ...settings };
    const { minIntervalMs, maxIntervalMs, maxWritesPerS, tauMs, updateEveryMs, maxStepDown } = this.s;
    if (!(minIntervalMs >= 0 && maxIntervalMs >= minIntervalMs && maxWritesPerS > 0 && tauMs > 0 && updateEveryMs > 0 && maxStepDown > 0 && maxStepDown <= 1)) {
      throw new BudgetError(`invalid frame budget settings: ${JSON.stringify(settings)}`);
    }
    this.lastUpdate = now;
    this.current = minIntervalMs;
  }

  /** A delta of `world` arrived. */
  delta(world: string): void {
    this.load(world).deltas++;
  }

  /** A frame of `world` went out with `writes` socket writes. */
  flushed(world: string, writes: number): void {
    const w = this.load(world);
    w.frames++;
    w.writes += writes;
  }

  /** The world has no audience left here. */
  forget(world: string): void {
    this.worlds.delete(world);
  }

  /** The interval between two frames of a world, as of `now`. */
  interval(now: number): number {
    if (now - this.lastUpdate >= this.s.updateEveryMs) this.update(now);
    return this.current;
  }

  /** The writes per second the frames would need at interval `ms`, from the current averages. */
  demand(ms: number): number {
    let sum = 0;
    const perS = 1000 / Math.max(ms, 1);
    for (const w of this.worlds.values()) sum += w.writesPerFrame * Math.min(w.deltaRate, perS);
    return sum;
  }

  private update(now: number): void {
    const dt = now - this.lastUpdate;
    this.lastUpdate = now;
    const a = 1 - Math.exp(-dt / this.s.tauMs);
    for (const w of this.worlds.values()) {
      const rate = (1000 * w.deltas) / dt;
      if (w.frames > 0 && !w.seeded) {
        // The first frames seed the averages: a new world's load counts at once.
        w.deltaRate = rate;
        w.writesPerFrame = w.writes / w.frames;
        w.seeded = true;
      } else {
        w.deltaRate += a * (rate - w.deltaRate);
        if (w.frames > 0) w.writesPerFrame += a * (w.writes / w.frames - w.writesPerFrame);
      }
      w.deltas = w.frames = w.writes = 0;
    }
    const target = this.target();
    this.current = target >= this.current ? target : Math.max(target, Math.ceil(this.current * (1 - this.s.maxStepDown)));
  }

  /** The shortest interval within the budget (demand falls as the interval grows). */
  private target(): number {
    const { minIntervalMs, maxIntervalMs, maxWritesPerS } = this.s;
    if (this.demand(minIntervalMs) <= maxWritesPerS) return minIntervalMs;
    if (this.demand(maxIntervalMs) > maxWritesPerS) return maxIntervalMs;
    let lo = minIntervalMs; // over the budget
    let hi = maxIntervalMs; // within it
    while (hi - lo > 0.01) {
      const mid = (lo + hi) / 2;
      if (this.demand(mid) <= maxWritesPerS) hi = mid;
      else lo = mid;
    }
    const ms = Math.ceil(lo);
    return this.demand(ms) <= maxWritesPerS ? ms : ms + 1;
  }

  private load(world: string): WorldLoad {
    let w = this.worlds.get(world);
    if (!w) this.worlds.set(world, (w = { deltas: 0, frames: 0, writes: 0, deltaRate: 0, writesPerFrame: 0, seeded: false }));
    return w;
  }
}
