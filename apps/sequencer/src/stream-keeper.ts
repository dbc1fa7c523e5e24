import type { JetStreamManager } from '@nats-io/jetstream';
import { consumerInfo, ensureEventsStream, ensureIntentsStream, Logger, RECREATE_SETTLE_MS, StallWatch, streamCreated, streamState, Topology } from '@tilemud/runtime';
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
/** Looks in a row without an answer after which a world's intents consumer is made again. */
const UNANSWERED_LOOKS = 3;
/**
 * Looks in a row with intents in flight and nothing delivered or acked after which a world's
 * consumer is stalled: the sequencer acks each intent within a batch (milliseconds) and the
 * consumer hands back what is not acked within its ack_wait (5 s), so three looks (9 s at the
 * default interval) with nothing moved mean no pull of ours reaches it. Seen once after a NATS
 * node restarted under load: one world unanswered for more than 90 s.
 */
const IN_FLIGHT_LOOKS = 3;

export class StreamKeeper {
  /** Each world taken, with the EVENTS stream (by creation time) its log was wholly published into. */
  private readonly filled = new Map<string, string | undefined>();
  /** Looks in a row at which a world's consumer did not answer. */
  private readonly unanswered = new Map<string, number>();
  /** The highest sequence seen in the EVENTS stream: one lower means the stream was made again. */
  private lastSeqSeen = 0;
  private running?: Promise<void>;
  /** One per world consumed. */
  private readonly stalls = new Map<string, StallWatch>();
  private broken = false;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    private readonly publisher: EventPublisher,
    private readonly feed: IntentFeed,
    private readonly fills: StreamFills,
    private readonly logger: Logger,
    /** The same JetStream API with a short timeout, for looking at the worlds' consumers. */
    private readonly probe: JetStreamManager = jsm,
  ) {}

  /**
   * Taking a world (a lease taken: at start, from a member that left or died, after an outage):
   * publishes what the log holds of it past the stream, or the world's whole log when the stream
   * is not the one its log was last published into, and records the stream as holding its log.
   */
  async takeOver(worldId: string): Promise<number> {
    const state = await streamState(this.jsm, this.t.eventsStream);
    const created = state?.created;
    if (state) this.lastSeqSeen = Math.max(this.lastSeqSeen, state.lastSeq);
    const recorded = (await this.fills.recorded(this.fillKey(worldId))) ?? (await this.fills.recorded(this.t.eventsStream));
    const isNew = recorded !== undefined && recorded !== created;
    const started = Date.now();
    const republished = await this.publisher.republishMissing([worldId], isNew);
    if (isNew) this.logger.warn({ stream: this.t.eventsStream, worldId, republished, ms: Date.now() - started }, 'EVENTS stream is new: refilled from the log');
    else if (republished) this.logger.info({ worldId, republished }, 'published events the log had and the stream did not');
    if (created) await this.fills.record(this.fillKey(worldId), created);
    this.filled.set(worldId, created);
    return republished;
  }

  /** Each world's fill is recorded apart: its member refills it alone. */
  private fillKey(worldId: string): string {
    return `${this.t.eventsStream}/${worldId}`;
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
    // The worlds' consumers are looked at whatever the streams' checks do: a stream check timing
    // out while JetStream elects must not keep a world's lost consumer from being made again.
    const consumers = this.keepConsumers();
    try {
      await this.keepEvents();
      if (!(await streamCreated(this.jsm, this.t.intentsStream))) {
        await ensureIntentsStream(this.jsm, this.t);
        this.logger.warn({ stream: this.t.intentsStream }, 'INTENTS stream was missing; made again');
      }
    } finally {
      await consumers;
    }
  }

  /** Each world's intents consumer, looked at in parallel with a short timeout; those gone, stalled or not answering are made again. */
  private async keepConsumers(): Promise<void> {
    const worlds = this.feed.worlds();
    for (const w of this.stalls.keys()) if (!worlds.includes(w)) this.stalls.delete(w);
    const remade = await Promise.all(worlds.map((w) => this.keepConsumer(w)));
    if (remade.some(Boolean)) await this.feed.heal(worlds.filter((_, i) => remade[i]));
  }

  /** True when the world's consumer was found gone (or deleted here) and must be made again. */
  private async keepConsumer(w: string): Promise<boolean> {
    const consumer = this.t.sequencerConsumerOf(w);
    const stall = this.stalls.get(w) ?? this.stalls.set(w, new StallWatch(IN_FLIGHT_LOOKS)).get(w)!;
    let info: Awaited<ReturnType<typeof consumerInfo>>;
    try {
      info = await consumerInfo(this.probe, this.t.intentsStream, consumer);
      this.unanswered.delete(w);
    } catch (err) {
      // A one-copy consumer whose node is gone does not answer at all: after a few looks it is
      // made again elsewhere (the work queue delivers again whatever was not acked).
      const n = (this.unanswered.get(w) ?? 0) + 1;
      this.unanswered.set(w, n);
      if (n < UNANSWERED_LOOKS) return false;
      this.logger.warn({ consumer, looks: n, err: (err as Error).message }, 'intents consumer does not answer; making it again');
      this.unanswered.delete(w);
      info = undefined;
    }
    if (info && !stall.observe(info)) return false;
    if (info) this.logger.warn({ consumer, waiting: info.num_pending, inFlight: info.num_ack_pending }, 'intents consumer delivers nothing though intents wait; making it again');
    await this.jsm.consumers.delete(this.t.intentsStream, consumer).catch(() => undefined);
    stall.forget();
    return true;
  }

  private async keepEvents(): Promise<void> {
    if (this.broken) {
      this.broken = false;
      this.logger.warn({ stream: this.t.eventsStream }, 'EVENTS stream cannot store; making it again');
      await this.jsm.streams.delete(this.t.eventsStream).catch(() => undefined);
    }
    let state = await streamState(this.jsm, this.t.eventsStream);
    /** Missing on two looks here: whatever is there now is a new stream. */
    let remade = false;
    if (!state) {
      // JetStream may answer "not found" for a moment while it elects (a node lost): the stream is
      // made again only when a second look a moment later misses it too (and, made again at once,
      // it would lose its files to the server's removal of the old one).
      await new Promise((r) => setTimeout(r, RECREATE_SETTLE_MS));
      state = await streamState(this.jsm, this.t.eventsStream);
      if (!state) {
        remade = true;
        await ensureEventsStream(this.jsm, this.t);
        state = await streamState(this.jsm, this.t.eventsStream);
        this.logger.warn({ stream: this.t.eventsStream }, 'EVENTS stream was missing; made again');
      }
    }
    if (!state) return;
    const { created, lastSeq } = state;
    // Each member refills the worlds it holds (the others refill theirs when they see the new stream).
    const differ = this.feed.worlds().filter((w) => this.filled.get(w) !== created);
    // What this process's own publishes were acked at keeps the highest sequence current between checks.
    this.lastSeqSeen = Math.max(this.lastSeqSeen, remade ? 0 : this.publisher.highestStreamSeq);
    if (!differ.length || (!remade && lastSeq >= this.lastSeqSeen)) {
      // Nothing new, or another replica's creation time for the same stream (its sequence carried
      // on, where a stream made again starts over): nothing to refill.
      for (const w of differ) this.filled.set(w, created);
      this.lastSeqSeen = Math.max(this.lastSeqSeen, lastSeq);
      return;
    }
    this.publisher.retryNow();
    const started = Date.now();
    // A refill cut short throws before anything is marked filled: the next check refills again
    // (the stream's sequence is still below the highest seen; repeats are dropped by their msgID).
    const republished = await this.publisher.republishMissing(differ, true);
    this.logger.warn({ stream: this.t.eventsStream, worlds: differ, republished, ms: Date.now() - started }, 'EVENTS stream is new: refilled from the log');
    for (const w of differ) {
      await this.fills.record(this.fillKey(w), created);
      this.filled.set(w, created);
    }
    this.lastSeqSeen = 0; // the new stream's sequence is followed from here
    this.publisher.highestStreamSeq = 0;
  }
}
