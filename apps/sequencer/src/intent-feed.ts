import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Backoff, ConsumerLoop, ensureIntentsStream, ensureSequencerConsumer, Logger, RECREATE_SETTLE_MS, resetSequencerConsumer, Topology } from '@tilemud/runtime';
import type { Sequencer } from './sequencer';

/**
 * The sequencer's intake from the INTENTS work queue. Whenever the order of delivery may have been
 * broken (this process took the worlds, took them back after an outage, or NATS reconnected and
 * intents in flight were lost), `reset` recreates the consumer, so that every intent still in the
 * queue comes again first and in stream order. Left to JetStream, an intent lost in flight would
 * come back only after ack_wait, behind newer intents of the same player, and then look stale.
 * Every change goes through one queue, so a stop, a reset and a start never interleave.
 */
export class IntentFeed {
  private readonly loop: ConsumerLoop;
  private chain: Promise<unknown> = Promise.resolve();
  private healing?: Promise<void>;

  constructor(
    js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    private readonly sequencer: Sequencer,
    private readonly logger: Logger,
    prefetch: number,
  ) {
    this.loop = new ConsumerLoop(
      js,
      t.intentsStream,
      t.sequencerConsumer,
      { max_messages: prefetch },
      (m) => sequencer.enqueue(m),
      logger,
      () => void this.heal(),
    );
  }

  start(): void {
    void this.serially(() => this.loop.start());
  }

  /** Takes no more intents; those received and not yet in a batch go back to the queue. */
  stop(): Promise<void> {
    return this.serially(() => this.halt());
  }

  /** Stops, and recreates the consumer once the batch under way is done. Start it again after. */
  reset(): Promise<void> {
    return this.serially(async () => {
      await this.halt();
      await this.sequencer.idle();
      await resetSequencerConsumer(this.jsm, this.t);
    });
  }

  /**
   * The INTENTS stream or this consumer was deleted under us: makes them again (whatever the queue
   * held is gone; clients resend what was not answered) and consumes afresh, if consuming.
   */
  heal(): Promise<void> {
    this.healing ??= this.serially(async () => {
      await new Promise((r) => setTimeout(r, RECREATE_SETTLE_MS)); // let the deletion finish first
      await ensureIntentsStream(this.jsm, this.t);
      await ensureSequencerConsumer(this.jsm, this.t);
      await this.loop.restart();
      this.logger.warn({ stream: this.t.intentsStream, consumer: this.t.sequencerConsumer }, 'intents stream and consumer made again; consuming afresh');
    })
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'intents consumer could not be made again yet'))
      .finally(() => (this.healing = undefined));
    return this.healing;
  }

  /**
   * After each NATS reconnect: the active owner resets the consumer and starts again (retrying
   * while JetStream does not answer yet). A paused process is no owner, so it leaves the consumer
   * alone and only consumes afresh (if it consumes at all); its recovery will reset it.
   */
  watchReconnects(nc: NatsConnection, active: () => boolean): void {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type !== 'reconnect') continue;
        if (active()) void this.restartAfterReconnect(active);
        else void this.serially(() => this.loop.restart());
      }
    })();
  }

  private async restartAfterReconnect(active: () => boolean): Promise<void> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 2000 });
    while (active()) {
      try {
        await this.reset();
        if (active()) this.start();
        this.logger.info('NATS reconnected: intents consumer recreated');
        return;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, retryMs: backoff.delayMs }, 'NATS reconnected but the intents consumer could not be recreated yet');
        await backoff.wait();
      }
    }
  }

  private async halt(): Promise<void> {
    await this.loop.stop();
    this.sequencer.returnQueued();
  }

  /** Runs step after the steps before it, whatever they did (a step that throws rejects only its own promise). */
  private serially<T>(step: () => T | Promise<T>): Promise<T> {
    const run = this.chain.then(step, step);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
