import type { JetStreamManager } from '@nats-io/jetstream';
import { ConsumerLoop, consumerInfo, ensureWorldProjectorConsumer, Logger, RECREATE_SETTLE_MS, StallWatch, streamCreated, Topology } from '@tilemud/runtime';

/** After a heal, looks again this soon (twice), so that a consumer made again but stalled is seen at once. */
const FOLLOW_UP_MS = 1000;
/** Looks in a row without an answer after which the consumer is made again. */
const UNANSWERED_LOOKS = 3;

/**
 * Brings a held world's projector consumer back when it was deleted (with its stream, or alone):
 * the library would only look it up again every 30 s, for ever. Called when the world's feed
 * reports it gone (`force`: consume afresh even if someone else already made it again) and every
 * few seconds, so that a deletion is healed with no traffic at all. The stream itself is the
 * sequencer's to make again and refill. A consumer made again starts at new events (see
 * `ensureWorldProjectorConsumer`): `remade` catches the world up from the log before the feed
 * consumes afresh, so that what was published while it was gone is not left for the next event.
 */
export class ConsumerHeal {
  private running?: Promise<void>;
  private readonly stall = new StallWatch();
  /** The consumer was made again for a stall: if it stalls again, the stream is what is broken. */
  private remadeForStall = false;
  private retry?: NodeJS.Timeout;
  private closed = false;
  /**
   * The feed reported its consumer gone and has not consumed afresh since: owed until it does, even
   * when a later look finds the consumer back (another member, or the sequencer, made it again),
   * since the feed's old iterator is still bound to the deleted one.
   */
  private restartOwed = false;
  /** Looks in a row at which the consumer did not answer. */
  private unanswered = 0;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    readonly worldId: string,
    private readonly feed: () => ConsumerLoop,
    private readonly logger: Logger,
    private readonly remade: () => Promise<unknown> = () => Promise.resolve(),
  ) {}

  run(force: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (force) this.restartOwed = true;
    this.running ??= this.heal(force)
      .catch((err) => this.logger.warn({ worldId: this.worldId, err: (err as Error).message }, 'projector consumer check failed; trying again'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** The world is given up: no more looks (those already under way end without effect on a stopped feed). */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
  }

  private async heal(reported: boolean): Promise<void> {
    const stream = this.t.eventsStream;
    const consumer = this.t.projectorConsumerOf(this.worldId);
    if (reported) await new Promise((r) => setTimeout(r, RECREATE_SETTLE_MS)); // reported gone: let the deletion finish
    const force = this.restartOwed;
    let info: Awaited<ReturnType<typeof consumerInfo>>;
    try {
      info = await consumerInfo(this.jsm, stream, consumer);
      this.unanswered = 0;
    } catch (err) {
      // A one-copy consumer whose node is gone does not answer at all: after a few looks it is
      // made again elsewhere (and the world caught up from the log, as for any consumer made again).
      if (++this.unanswered < UNANSWERED_LOOKS) throw err;
      this.logger.warn({ consumer, looks: this.unanswered, err: (err as Error).message }, 'projector consumer does not answer; making it again');
      this.unanswered = 0;
      await this.jsm.consumers.delete(stream, consumer).catch(() => undefined);
      info = undefined;
    }
    if (info && !force) {
      if (info.num_pending === 0) this.remadeForStall = false;
      if (!this.stall.observe(info)) return;
      if (this.remadeForStall) {
        // Only a copy of the log: the sequencer refills the new one.
        this.logger.warn({ stream, waiting: info.num_pending }, 'EVENTS stream hands out nothing even to a new consumer; making the stream again');
        await this.jsm.streams.delete(stream).catch(() => undefined);
      } else {
        this.logger.warn({ stream, consumer, waiting: info.num_pending }, 'projector consumer delivers nothing though events wait; making it again');
        await this.jsm.consumers.delete(stream, consumer).catch(() => undefined);
      }
      this.remadeForStall = !this.remadeForStall;
    }
    if (this.closed) return;
    let made = false;
    if (!info || !force) {
      // The sequencer makes the stream again (and refills it); until then there is nothing to consume.
      if (!(await streamCreated(this.jsm, stream))) return this.retrySoon();
      made = !(await consumerInfo(this.jsm, stream, consumer));
      await ensureWorldProjectorConsumer(this.jsm, this.t, this.worldId);
      if (made) this.logger.warn({ stream, consumer }, 'projector consumer was missing; made again');
    }
    if (made || force) await this.remade();
    this.stall.forget();
    this.restartOwed = false; // a report arriving during the restart owes another
    await this.feed().restart();
    this.followUp();
  }

  /** One look again soon, however many asked. */
  private retrySoon(): void {
    if (this.closed) return;
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      void this.run(false);
    }, FOLLOW_UP_MS).unref();
  }

  private followUp(): void {
    for (const ms of [FOLLOW_UP_MS, 2 * FOLLOW_UP_MS]) setTimeout(() => void this.run(false), ms).unref();
  }
}
