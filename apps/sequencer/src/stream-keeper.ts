import type { JetStreamManager } from '@nats-io/jetstream';
import { consumerInfo, ensureEventsStream, ensureIntentsStream, ensureProjectorConsumer, Logger, RECREATE_SETTLE_MS, StallWatch, streamCreated, Topology } from '@tilemud/runtime';
import type { EventLog } from './event-log';
import type { EventPublisher } from './event-publisher';
import type { IntentFeed } from './intent-feed';
import type { StreamFills } from './stream-fills';

/**
 * Keeps the streams there while the sequencer runs. A deleted EVENTS stream is made again and
 * refilled from the log (the log is the truth; the stream only distributes it), whoever made it
 * again: a stream whose creation time differs from the one last seen is a new, empty one. Only
 * the sequencer makes EVENTS again, a moment after it went (nats-server removes a deleted stream's
 * files after answering, and a stream made again within that moment loses them). A
 * deleted INTENTS stream or intents consumer is made again. Checked when a publish finds no
 * stream, and every few seconds, so a deletion is healed with no traffic at all. Which stream the
 * log was last wholly published into is recorded in PostgreSQL (StreamFills), so that a stream made
 * again while no sequencer watched (or while one was stopped mid-refill) is refilled at the next start.
 */
export class StreamKeeper {
  private eventsCreated?: string;
  private running?: Promise<void>;
  private readonly stall = new StallWatch();
  private broken = false;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    private readonly log: EventLog,
    private readonly publisher: EventPublisher,
    private readonly feed: IntentFeed,
    private readonly fills: StreamFills,
    private readonly logger: Logger,
  ) {}

  /**
   * Taking the worlds (start, standby taking over, after an outage): publishes what the log holds
   * past the stream, or the whole log when the stream is not the one the log was last published
   * into, and records the stream as holding the log.
   */
  async takeOver(): Promise<number> {
    const created = await streamCreated(this.jsm, this.t.eventsStream);
    const recorded = await this.fills.recorded(this.t.eventsStream);
    const isNew = recorded !== undefined && recorded !== created;
    const started = Date.now();
    const republished = await this.publisher.republishMissing(await this.log.worldsInLog(), isNew);
    if (isNew) this.logger.warn({ stream: this.t.eventsStream, republished, ms: Date.now() - started }, 'EVENTS stream is new: refilled from the log');
    else if (republished) this.logger.info({ republished }, 'published events the log had and the stream did not');
    if (created) await this.fills.record(this.t.eventsStream, created);
    this.eventsCreated = created;
    return republished;
  }

  /** `broken`: publishes found the EVENTS stream unable to store; it is deleted and made again. */
  check(broken = false): Promise<void> {
    if (broken) this.broken = true;
    this.running ??= this.keep()
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'stream check failed; trying again'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async keep(): Promise<void> {
    await this.keepEvents();
    if (!(await streamCreated(this.jsm, this.t.intentsStream))) {
      await ensureIntentsStream(this.jsm, this.t);
      this.logger.warn({ stream: this.t.intentsStream }, 'INTENTS stream was missing; made again');
    }
    const info = await consumerInfo(this.jsm, this.t.intentsStream, this.t.sequencerConsumer);
    if (info && !this.stall.observe(info)) return;
    if (info) {
      this.logger.warn({ consumer: this.t.sequencerConsumer, waiting: info.num_pending }, 'intents consumer delivers nothing though intents wait; making it again');
      await this.jsm.consumers.delete(this.t.intentsStream, this.t.sequencerConsumer).catch(() => undefined);
    }
    this.stall.forget();
    await this.feed.heal();
  }

  private async keepEvents(): Promise<void> {
    if (this.broken) {
      this.broken = false;
      this.logger.warn({ stream: this.t.eventsStream }, 'EVENTS stream cannot store; making it again');
      await this.jsm.streams.delete(this.t.eventsStream).catch(() => undefined);
    }
    let created = await streamCreated(this.jsm, this.t.eventsStream);
    if (!created) {
      // Made again at once, it would lose its files to the server's removal of the old one.
      await new Promise((r) => setTimeout(r, RECREATE_SETTLE_MS));
      await ensureEventsStream(this.jsm, this.t);
      await ensureProjectorConsumer(this.jsm, this.t);
      created = await streamCreated(this.jsm, this.t.eventsStream);
      this.logger.warn({ stream: this.t.eventsStream }, 'EVENTS stream was missing; made again');
    }
    if (created === this.eventsCreated) return;
    const before = this.eventsCreated;
    this.eventsCreated = created;
    this.publisher.retryNow();
    try {
      const started = Date.now();
      const republished = await this.publisher.republishMissing(await this.log.worldsInLog(), true);
      this.logger.warn({ stream: this.t.eventsStream, republished, ms: Date.now() - started }, 'EVENTS stream is new: refilled from the log');
      if (created) await this.fills.record(this.t.eventsStream, created);
    } catch (err) {
      this.eventsCreated = before; // refill again at the next check
      throw err;
    }
  }
}
