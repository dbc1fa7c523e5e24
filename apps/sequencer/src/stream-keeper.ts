import type { JetStreamManager } from '@nats-io/jetstream';
import { consumerExists, ensureEventsStream, ensureIntentsStream, ensureProjectorConsumer, Logger, streamCreated, Topology } from '@tilemud/runtime';
import type { EventLog } from './event-log';
import type { EventPublisher } from './event-publisher';
import type { IntentFeed } from './intent-feed';

/**
 * Keeps the streams there while the sequencer runs. A deleted EVENTS stream is made again and
 * refilled from the log (the log is the truth; the stream only distributes it), whoever made it
 * again: a stream whose creation time differs from the one last seen is a new, empty one. A
 * deleted INTENTS stream or intents consumer is made again. Checked when a publish finds no
 * stream, and every few seconds, so a deletion is healed with no traffic at all.
 */
export class StreamKeeper {
  private eventsCreated?: string;
  private running?: Promise<void>;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    private readonly log: EventLog,
    private readonly publisher: EventPublisher,
    private readonly feed: IntentFeed,
    private readonly logger: Logger,
  ) {}

  /** The EVENTS stream as it is now holds the log (called once the start's republish is done). */
  async remember(): Promise<void> {
    this.eventsCreated = await streamCreated(this.jsm, this.t.eventsStream);
  }

  check(): Promise<void> {
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
    if (!(await consumerExists(this.jsm, this.t.intentsStream, this.t.sequencerConsumer))) await this.feed.heal();
  }

  private async keepEvents(): Promise<void> {
    let created = await streamCreated(this.jsm, this.t.eventsStream);
    if (!created) {
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
    } catch (err) {
      this.eventsCreated = before; // refill again at the next check
      throw err;
    }
  }
}
