import type { ConsumeOptions, ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Backoff } from '../backoff';
import { isNotFound } from '../nats-errors';
import { within } from '../shutdown';
import type { Logger } from '../logger';

/**
 * A durable pull consumer's messages handed to `onMessage`, from `start` until `stop`.
 *
 * What @nats-io/jetstream 3.3.1 does by itself (lib/consumer.js): `consume()` rides out a NATS
 * reconnect (on the connection's `reconnect` status it looks the consumer up and pulls again), two
 * missed idle heartbeats make it pull again, and a deleted or missing consumer is looked up again
 * with backoff until it is back. Two gaps remain, closed here: its iterator ends for good on a
 * terminal pull error (a 400, a subscription refused), after which this consumes again; and when
 * the lookup after a reconnect fails (a restarted server's JetStream not ready yet) the next one
 * comes only `expires` (30 s) later, so `restartOnReconnect` consumes afresh after each reconnect.
 */
export class ConsumerLoop {
  private wanted = false;
  /** The run under way: each gets its own state, so a stop followed at once by a start never leaves two. */
  private current?: ConsumerRun;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly opts: ConsumeOptions,
    private readonly onMessage: (m: JsMsg) => void,
    private readonly logger: Logger,
    /**
     * The consumer or its stream is gone (deleted under us): the library would only look it up
     * again, every 30 s, for ever. The owner recreates it here and calls `restart`.
     */
    private readonly onGone?: () => void,
  ) {}

  start(): void {
    this.wanted = true;
    if (!this.current) this.begin();
  }

  /** Resolves once no more messages will be handed on. */
  async stop(): Promise<void> {
    this.wanted = false;
    await this.halt();
  }

  /** Consumes afresh, if started: a new iterator, and a new lookup of the consumer. */
  async restart(): Promise<void> {
    if (!this.wanted) return;
    await this.halt();
    if (this.wanted && !this.current) this.begin();
  }

  /** After each NATS reconnect, while started, consumes afresh. */
  restartOnReconnect(nc: NatsConnection): void {
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') await this.restart();
    })();
  }

  private begin(): void {
    const run: ConsumerRun = { stopped: false, backoff: new Backoff({ initialMs: 250, maxMs: 5000 }) };
    this.current = run;
    run.done = this.run(run);
  }

  private async halt(): Promise<void> {
    const run = this.current;
    this.current = undefined;
    if (!run) return;
    run.stopped = true;
    run.backoff.interrupt();
    // Nothing is handed on from here (the run checks `stopped` before each message). The waits
    // below only let the library stop pulling, each bounded: a lookup of the consumer under way
    // goes on until its request times out (5 s while JetStream elects), and whoever waits on this
    // stop (the sequencer's opens and heals go one at a time) must not. Past the bound, whatever
    // the old run still receives is nak'd and comes again to the next.
    await this.waitAtMost(run.messages?.close(), 'its messages did not close in time; going on');
    await this.waitAtMost(run.done, 'its run did not end in time; going on');
  }

  /** Waits for `p` at most HALT_WAIT_MS, saying so when the time ran out first. */
  private async waitAtMost(p: Promise<unknown> | undefined, late: string): Promise<void> {
    if (p && !(await within(p, HALT_WAIT_MS))) this.logger.info({ consumer: this.consumer, ms: HALT_WAIT_MS }, `consumer: ${late}`);
  }

  private async run(run: ConsumerRun): Promise<void> {
    while (!run.stopped) {
      try {
        const messages = await (await this.js.consumers.get(this.stream, this.consumer)).consume(this.opts);
        run.messages = messages;
        if (run.stopped) {
          await messages.close().catch(() => undefined);
          return;
        }
        void this.watch(messages);
        for await (const m of messages) {
          // Delivered after the stop (the iterator's buffer): back to the stream for whoever consumes next.
          if (run.stopped) {
            m.nak();
            continue;
          }
          run.backoff.reset();
          this.onMessage(m);
        }
        if (run.stopped) return;
        this.logger.warn({ consumer: this.consumer, retryMs: run.backoff.delayMs }, 'consumer stopped delivering; consuming again');
      } catch (err) {
        if (run.stopped) return;
        this.logger.warn({ consumer: this.consumer, err: (err as Error).message, retryMs: run.backoff.delayMs }, 'consumer unavailable; trying again');
        if (isNotFound(err)) this.onGone?.();
      }
      // Stopped meanwhile: no wait (an interrupt before the wait began would not end it).
      if (!run.stopped) await run.backoff.wait();
    }
  }

  /** Says when the library is recovering by itself (the first time of each kind per iterator). */
  private async watch(messages: ConsumerMessages): Promise<void> {
    const seen = new Set<string>();
    for await (const s of messages.status()) {
      const gone = s.type === 'consumer_not_found' || s.type === 'consumer_deleted' || s.type === 'stream_not_found';
      if (gone) this.onGone?.();
      if (!gone && s.type !== 'heartbeats_missed') continue;
      if (seen.has(s.type)) continue;
      seen.add(s.type);
      this.logger.info({ consumer: this.consumer, status: s.type }, 'consumer recovering');
    }
  }
}

/** How long a stop waits for the library's iterator to close, and then for the run to end. */
const HALT_WAIT_MS = 2000;

interface ConsumerRun {
  stopped: boolean;
  messages?: ConsumerMessages;
  done?: Promise<void>;
  /** The pause between two attempts; a stop interrupts it. */
  backoff: Backoff;
}
