import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Backoff, ConsumerLoop, ensureIntentsStream, ensureWorldSequencerConsumer, Logger, RECREATE_SETTLE_MS, resetSequencerConsumer, streamCreated, Topology } from '@tilemud/runtime';
import type { Sequencer } from './sequencer';

/** How long a step of the feed may take before it is said to be slow (opening a world takes milliseconds; a consumer lookup times out after 5 s). */
const STEP_SLOW_MS = 15_000;

/**
 * The sequencer's intake from the INTENTS work queue: one consumer per world this process holds
 * (filtered on the world's subject), so each member consumes only its worlds' intents. Whenever
 * the order of a world's delivery may have been broken (the world was just taken, or NATS
 * reconnected and intents in flight were lost), its consumer is made again, so that every intent
 * of the world still in the queue comes again first and in stream order. Left to JetStream, an
 * intent lost in flight would come back only after ack_wait, behind newer intents of the same
 * player, and then look stale. Every change goes through one queue, so an open, a close and a
 * heal never interleave.
 */
export class IntentFeed {
  private readonly loops = new Map<string, ConsumerLoop>();
  /**
   * The worlds this process should consume (opened, not closed since), whether or not their loop
   * runs now: a reopen that failed (NATS still electing after a node was lost) leaves the world
   * here, to be opened again by the retry or the next heal, never silently dropped while its lease
   * is held.
   */
  private readonly wanted = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private healing?: Promise<void>;
  /** The worlds the heal waiting its turn will make again. */
  private readonly toHeal = new Set<string>();
  /** Where the opening of a world under way is, for a step said to be slow. */
  private stage?: string;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    private readonly sequencer: Sequencer,
    private readonly logger: Logger,
    private readonly prefetch: number,
  ) {}

  /** The consumers' max_ack_pending (streams.ts): a pull's worth in the library's buffer, one in the sequencer's queue and batch. */
  private get maxInFlight(): number {
    return 2 * this.prefetch;
  }

  /** The worlds this process consumes (or is about to consume again). */
  worlds(): string[] {
    return [...this.wanted];
  }

  /** Starts consuming a world just taken: its consumer made again, so whatever its previous owner left comes first, in order. */
  open(worldId: string): Promise<void> {
    this.wanted.add(worldId);
    return this.serially(`open ${worldId}`, () => this.start(worldId));
  }

  /** Takes no more of a world's intents; those received and not yet in a batch go back to the queue. */
  close(worldId: string): Promise<void> {
    this.wanted.delete(worldId);
    return this.serially(`close ${worldId}`, () => this.halt(worldId));
  }

  /** Takes no more intents at all (shutdown, or PostgreSQL away). */
  closeAll(): Promise<void> {
    this.wanted.clear();
    return this.serially('close all', async () => {
      for (const w of [...this.loops.keys()]) await this.halt(w);
    });
  }

  /** (Re)starts a wanted world's loop on a consumer made again; nothing if it was closed meanwhile. */
  private async start(worldId: string): Promise<void> {
    if (!this.wanted.has(worldId)) return;
    this.stage = 'stopping the old loop';
    await this.halt(worldId);
    // A batch holding the world's intents acks them to the consumer about to go: finished first.
    this.stage = 'waiting for the batch under way';
    await this.sequencer.settled();
    this.stage = 'making the consumer again';
    await resetSequencerConsumer(this.jsm, this.t, worldId, this.maxInFlight);
    this.stage = undefined;
    const loop = new ConsumerLoop(
      this.js,
      this.t.intentsStream,
      this.t.sequencerConsumerOf(worldId),
      { max_messages: this.prefetch },
      (m) => this.sequencer.enqueue(m),
      this.logger,
      () => void this.heal([worldId]),
    );
    this.loops.set(worldId, loop);
    loop.start();
  }

  /**
   * The INTENTS stream or some worlds' consumers were deleted under us (all the worlds consumed
   * unless named): makes them again (whatever the queue held is gone; clients resend what was not
   * answered) and consumes those worlds afresh. Asks made while a heal waits its turn join it; one
   * made while a heal runs gets a heal of its own after it. Only the worlds named are touched: a
   * heal restarting every world's loop took seconds per world while JetStream elected, and the
   * world that needed it waited behind the others.
   */
  heal(worlds: Iterable<string> = this.wanted): Promise<void> {
    for (const w of worlds) this.toHeal.add(w);
    if (this.healing) return this.healing;
    this.healing = this.serially('heal', async () => {
      await new Promise((r) => setTimeout(r, RECREATE_SETTLE_MS)); // let the deletion finish first
      this.healing = undefined; // asks from now on are for the next heal
      const worlds = [...this.toHeal].filter((w) => this.wanted.has(w));
      this.toHeal.clear();
      let done = 0;
      try {
        if (!(await streamCreated(this.jsm, this.t.intentsStream))) await ensureIntentsStream(this.jsm, this.t);
        for (const w of worlds) {
          const loop = this.loops.get(w);
          if (!loop)
            await this.start(w); // a reopen that failed before: made again now
          else {
            await ensureWorldSequencerConsumer(this.jsm, this.t, w, this.maxInFlight);
            await loop.restart();
          }
          done++;
        }
      } catch (err) {
        for (const w of worlds.slice(done)) this.toHeal.add(w); // the next heal (the keeper's next look asks for one) takes them
        throw err;
      }
      this.logger.warn({ stream: this.t.intentsStream, worlds }, 'intents consumers made again; consuming afresh');
    }).catch((err) => this.logger.warn({ err: (err as Error).message, left: [...this.toHeal] }, 'intents consumers could not be made again yet'));
    return this.healing;
  }

  /**
   * After each NATS reconnect, while the role runs: every world consumed has its consumer made
   * again and consumed afresh (retrying while JetStream does not answer yet).
   */
  watchReconnects(nc: NatsConnection, active: () => boolean): void {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type !== 'reconnect') continue;
        if (active()) void this.restartAfterReconnect(active);
      }
    })();
  }

  private async restartAfterReconnect(active: () => boolean): Promise<void> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 2000 });
    // The worlds consumed when NATS came back, each made again once: a retry after a timeout
    // (JetStream still electing) goes on with those not done yet rather than deleting and making
    // again the consumers already made, which only adds to the meta leader's queue. A world
    // closed meanwhile is skipped by `start`.
    const pending = new Set(this.worlds());
    while (active() && pending.size) {
      try {
        for (const w of [...pending]) {
          await this.serially(`reopen ${w} after a reconnect`, () => this.start(w));
          pending.delete(w);
        }
        this.logger.info({ worlds: this.worlds() }, 'NATS reconnected: intents consumers recreated');
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, retryMs: backoff.delayMs, left: [...pending] }, 'NATS reconnected but the intents consumers could not be recreated yet');
        await backoff.wait();
      }
    }
  }

  private async halt(worldId: string): Promise<void> {
    const loop = this.loops.get(worldId);
    if (!loop) return;
    this.loops.delete(worldId);
    await loop.stop();
    this.sequencer.returnQueued(worldId);
  }

  /**
   * Runs step after the steps before it, whatever they did (a step that throws rejects only its
   * own promise). A step still under way after STEP_SLOW_MS is said, once, by name: every later
   * open, close and heal waits behind it.
   */
  private serially<T>(name: string, step: () => T | Promise<T>): Promise<T> {
    const timed = async () => {
      this.stage = undefined;
      const slow = setTimeout(() => this.logger.warn({ step: name, stage: this.stage, ms: STEP_SLOW_MS }, 'intents consumers: a step is still under way; those after it wait'), STEP_SLOW_MS);
      try {
        return await step();
      } finally {
        clearTimeout(slow);
      }
    };
    const run = this.chain.then(timed, timed);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
