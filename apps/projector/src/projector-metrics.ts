import type { Counter } from '@opentelemetry/api';
import { logHeads, meter, Polled } from '@tilemud/runtime';
import type { Pool } from 'pg';

/** Dead letters' reasons as a bounded label (the stored reason is free text with seqs in it). */
export const DEAD_LETTER_REASONS = ['malformed', 'disagrees_with_log', 'not_in_log', 'other'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export function deadLetterReason(reason: string): DeadLetterReason {
  if (reason.startsWith('malformed')) return 'malformed';
  if (reason.startsWith('disagrees with the log')) return 'disagrees_with_log';
  if (reason.startsWith('not in the log')) return 'not_in_log';
  return 'other';
}

/** Events behind the log's head, per world: every world the log or the checkpoints know. */
export function lagByWorld(heads: ReadonlyMap<string, number>, checkpoints: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of new Set([...heads.keys(), ...checkpoints.keys()])) {
    // Heads are read before checkpoints: a checkpoint past its (older) head is caught up, not ahead.
    out.set(w, Math.max(0, (heads.get(w) ?? 0) - (checkpoints.get(w) ?? 0)));
  }
  return out;
}

/**
 * When each world's checkpoint last moved, as this process saw it (first sight counts as a move:
 * the table keeps no time). Its age grows while nothing is applied; with no lag that is only quiet.
 */
export class CheckpointAges {
  private readonly seen = new Map<string, { seq: number; at: number }>();

  observe(checkpoints: ReadonlyMap<string, number>, now: number): void {
    for (const [w, seq] of checkpoints) {
      const s = this.seen.get(w);
      if (!s || s.seq !== seq) this.seen.set(w, { seq, at: now });
    }
  }

  ages(now: number): Map<string, number> {
    return new Map([...this.seen].map(([w, s]) => [w, Math.max(0, (now - s.at) / 1e3)]));
  }
}

interface Instruments {
  applied: Counter;
  deadLetters: Counter;
}
let made: Instruments | undefined;

/** Made on first use, after `startWorker` registered the meter provider (before it they would be no-ops). */
function instruments(): Instruments {
  made ??= {
    applied: meter().createCounter('tilemud.projector.events.applied', { description: 'events folded into the read models, by world' }),
    deadLetters: meter().createCounter('tilemud.projector.dead_letters', { description: 'stream messages parked as dead letters instead of being applied, by reason' }),
  };
  return made;
}

export function recordApplied(world: string, events: number): void {
  instruments().applied.add(events, { world });
}

export function recordDeadLetter(reason: string): void {
  instruments().deadLetters.add(1, { reason: deadLetterReason(reason) });
}

export interface Lag {
  /** The worst world's lag, or undefined while the log cannot be read. */
  max(): { world: string; events: number } | undefined;
}

/**
 * The gauges, registered before the role is taken: a standby reads the same log and checkpoints,
 * so it reports the lag too, which is what shows a hung owner (whose own scrape fails).
 */
export function observeProjector(pool: Pool, projection: string): Lag {
  const ages = new CheckpointAges();
  const polled = new Polled(async () => {
    const heads = await logHeads(pool);
    const { rows } = await pool.query<{ world_id: string; seq: string }>('SELECT world_id, seq FROM projection_checkpoints WHERE projection = $1', [projection]);
    const checkpoints = new Map(rows.map((r) => [r.world_id, Number(r.seq)]));
    ages.observe(checkpoints, Date.now());
    return lagByWorld(heads, checkpoints);
  }).start();
  const m = meter();
  m.createObservableGauge('tilemud.projector.lag.events', { description: "events in each world's log not yet in the read models" }).addCallback((r) => {
    for (const [world, lag] of polled.get() ?? []) r.observe(lag, { world });
  });
  m.createObservableGauge('tilemud.projector.checkpoint.age_seconds', { unit: 's', description: "seconds since each world's checkpoint last moved" }).addCallback((r) => {
    if (polled.get() === undefined) return;
    for (const [world, s] of ages.ages(Date.now())) r.observe(s, { world });
  });
  // Every reason shows from the start (at 0), so that rate() and alerts see the series before the first.
  for (const reason of DEAD_LETTER_REASONS) instruments().deadLetters.add(0, { reason });
  return {
    max: () => {
      const lag = polled.get();
      if (!lag) return undefined;
      let worst = { world: '', events: 0 };
      for (const [world, events] of lag) if (events > worst.events) worst = { world, events };
      return worst;
    },
  };
}
