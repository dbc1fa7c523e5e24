import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConsumerLoop, Logger, Topology } from '@tilemud/runtime';
import { ConsumerHeal } from './consumer-heal';

interface Feed {
  loop: ConsumerLoop;
  heal: ConsumerHeal;
}

/**
 * The stream intake of the worlds this process holds: each world's own consumer (world leases),
 * every one handing its messages to the same projection loop, each with its own heal.
 */
export class WorldFeeds {
  private readonly feeds = new Map<string, Feed>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    private readonly maxMessages: number,
    private readonly onMessage: (m: JsMsg) => void,
    /** Catches a world up from the log (a consumer made again starts at new events). */
    private readonly catchUp: (worldId: string) => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** Consumes the world's events (its consumer must exist). */
  start(worldId: string): void {
    if (this.feeds.has(worldId)) return;
    const heal: ConsumerHeal = new ConsumerHeal(
      this.jsm,
      this.t,
      worldId,
      () => loop,
      this.logger,
      () => this.catchUp(worldId),
    );
    const loop: ConsumerLoop = new ConsumerLoop(
      this.js,
      this.t.eventsStream,
      this.t.projectorConsumerOf(worldId),
      { max_messages: this.maxMessages },
      this.onMessage,
      this.logger,
      () => void heal.run(true),
    );
    this.feeds.set(worldId, { loop, heal });
    loop.start();
  }

  /** Takes no more of the world's messages; resolves once none will be handed on. */
  async stop(worldId: string): Promise<void> {
    const f = this.feeds.get(worldId);
    if (!f) return;
    this.feeds.delete(worldId);
    f.heal.close();
    await f.loop.stop();
  }

  worlds(): string[] {
    return [...this.feeds.keys()];
  }

  /** Looks at every held world's consumer (made again if deleted, even with no traffic). */
  check(): void {
    for (const f of this.feeds.values()) void f.heal.run(false);
  }

  /** After each NATS reconnect, every feed consumes afresh (order does not matter: gaps are filled from the log). */
  restartOnReconnect(nc: NatsConnection): void {
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') await Promise.all([...this.feeds.values()].map((f) => f.loop.restart()));
    })();
  }
}
