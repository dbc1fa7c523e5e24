import type { JsMsg } from '@nats-io/jetstream';
import type { LeaseFence } from '@tilemud/runtime';
import type { BatchDecision } from './batch-decision';
import type { Intake } from './intake';

/** What the sequencer asks of its world leases (`WorldLeases`). */
export interface LeasePort {
  holds(worldId: string): boolean;
  /** The fence an append of these worlds carries; throws `LeaseLostError` for one not held. */
  fence(worlds: Iterable<string>): LeaseFence;
  /** An append found this world's lease gone. */
  lost(worldId: string): void;
}

/**
 * The sequencer's side of world leases: only intents of worlds this process holds are decided, and
 * every append names the worlds it writes with their lease epochs (the fence PostgreSQL checks).
 * Without leases (unit tests) every world is decided, unfenced.
 */
export class LeaseGuard {
  constructor(
    private readonly intake: Intake,
    private readonly leases?: LeasePort,
  ) {}

  /**
   * Intents of worlds this process does not hold (any more): back to the queue, undecided, for the
   * world's owner (which makes the world's consumer again on taking it, so they come to it in order).
   */
  ofHeldWorlds(msgs: JsMsg[]): JsMsg[] {
    const leases = this.leases;
    if (!leases) return msgs;
    return msgs.filter((m) => {
      const env = this.intake.envelope(m);
      if (!env || leases.holds(env.worldId)) return true;
      this.intake.answered(m);
      m.nak();
      return false;
    });
  }

  /** The fence of a decided batch: every world it writes an event or a rejection to. */
  fence(d: BatchDecision): LeaseFence | undefined {
    return this.leases?.fence([...d.worlds.keys(), ...d.rejections.map((r) => r.worldId)]);
  }

  /** The lease fence refused the append: those worlds are dropped, and their intents go back undecided to whoever holds them next. */
  lost(msgs: JsMsg[]): void {
    const worlds = new Set<string>();
    for (const m of msgs) {
      const env = this.intake.envelope(m);
      if (env) worlds.add(env.worldId);
      this.intake.answered(m);
      m.nak();
    }
    for (const w of worlds) this.leases?.lost(w);
  }
}
