import type { JetStreamManager } from '@nats-io/jetstream';
import { ConsumerLoop, consumerExists, ensureEventsStream, ensureProjectorConsumer, Logger, Topology } from '@tilemud/runtime';

/**
 * Brings the projector's consumer back when it was deleted (with its stream, or alone): the
 * library would only look it up again every 30 s, for ever. Called when the feed reports it gone
 * (`force`: consume afresh even if someone else already made it again) and every few seconds,
 * so that a deletion is healed with no traffic at all. What the stream lost does not matter
 * here: the projector applies the log, and the sequencer refills a recreated stream.
 */
export class ConsumerHeal {
  private running?: Promise<void>;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    private readonly feed: () => ConsumerLoop,
    private readonly logger: Logger,
  ) {}

  run(force: boolean): Promise<void> {
    this.running ??= this.heal(force)
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'projector consumer check failed; trying again'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async heal(force: boolean): Promise<void> {
    const exists = await consumerExists(this.jsm, this.t.eventsStream, this.t.projectorConsumer);
    if (exists && !force) return;
    if (!exists) {
      await ensureEventsStream(this.jsm, this.t);
      await ensureProjectorConsumer(this.jsm, this.t);
      this.logger.warn({ stream: this.t.eventsStream, consumer: this.t.projectorConsumer }, 'projector consumer was missing; recreated');
    }
    await this.feed().restart();
  }
}
