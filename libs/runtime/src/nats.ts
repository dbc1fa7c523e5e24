// @nats-io/transport-node and @nats-io/jetstream are pinned to 3.3.1: 3.4.0 pulls in
// @nats-io/nuid 3, which requires Node >= 22, and the project runs on Node 20, 22 and 24.
import { AckPolicy, ConsumeOptions, ConsumerInfo, ConsumerMessages, DeliverPolicy, JetStreamApiError, JetStreamClient, jetstreamManager, JetStreamManager, JsMsg, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, nanos, NatsConnection } from '@nats-io/transport-node';
import { isNotFound, STREAM_NAME_IN_USE } from './nats-errors';
import type { Logger } from './logger';

/**
 * Every subject, stream and consumer name of one deployment, derived from its prefix,
 * so a test run (or a second deployment) on the same NATS server never sees another's traffic.
 */
export interface Topology {
  prefix: string;
  intentsStream: string;
  eventsStream: string;
  intentSubject(worldId: string): string;
  eventSubject(worldId: string): string;
  deltaSubject(worldId: string): string;
  ackSubject(gatewayId: string): string;
  /** Operator and gateway broadcast (version raises, session ends) on every gateway. */
  controlSubject: string;
  sequencerConsumer: string;
  projectorConsumer: string;
}

export function topology(prefix: string): Topology {
  const upper = prefix.toUpperCase();
  return {
    prefix,
    intentsStream: `${upper}_INTENTS`,
    eventsStream: `${upper}_EVENTS`,
    intentSubject: (w) => `${prefix}.intents.${w}`,
    eventSubject: (w) => `${prefix}.events.${w}`,
    deltaSubject: (w) => `${prefix}.deltas.${w}`,
    ackSubject: (g) => `${prefix}.acks.${g}`,
    controlSubject: `${prefix}.control`,
    sequencerConsumer: `${upper}_SEQUENCER`,
    projectorConsumer: `${upper}_PROJECTOR`,
  };
}

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  // Reconnect forever: a NATS restart must be ridden out, never crash the process.
  // noAsyncTraces: every request (each JetStream publish is one) would otherwise capture a stack
  // trace up front; that measured 5% of the gateway's CPU at 500 intents/s.
  // NATS_URL may list a cluster's servers, comma separated (each checked by the config).
  return connect({ servers: url.split(',').map((s) => s.trim()), name, maxReconnectAttempts: -1, reconnectTimeWait: 250, waitOnFirstConnect: false, noAsyncTraces: true });
}

const MINUTE = 60_000;

/**
 * Creates or updates the streams and durable consumers; safe to run from every process at every start.
 * INTENTS is a work queue (an intent is gone once the sequencer has acked it); EVENTS keeps a day of
 * events for resume and replay (the PostgreSQL log keeps all of them and can refill it).
 */
export async function ensureTopology(nc: NatsConnection, t: Topology): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  await ensureIntentsStream(jsm, t);
  await ensureEventsStream(jsm, t);
  await upsertConsumer(jsm, t.intentsStream, sequencerConsumerConfig(t));
  await ensureProjectorConsumer(jsm, t);
  return jsm;
}

/** The INTENTS work queue alone (the gateway recreates it when a publish finds it gone). */
export async function ensureIntentsStream(jsm: JetStreamManager, t: Topology): Promise<void> {
  await upsertStream(jsm, {
    name: t.intentsStream,
    subjects: [`${t.prefix}.intents.>`],
    retention: RetentionPolicy.Workqueue,
    // Memory: an intent is only a request until the sequencer commits it to PostgreSQL, and no client
    // hears `applied` before that. A NATS crash loses undecided intents, which clients resend
    // (same intentSeq, so at most once). File storage measured p99 publish 28-34 ms here.
    storage: StorageType.Memory,
    max_age: nanos(60 * MINUTE),
    duplicate_window: nanos(2 * MINUTE),
  });
}

/** The EVENTS stream alone; whoever recreates it, the sequencer refills it from the log. */
export async function ensureEventsStream(jsm: JetStreamManager, t: Topology): Promise<void> {
  await upsertStream(jsm, {
    name: t.eventsStream,
    subjects: [`${t.prefix}.events.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(24 * 60 * MINUTE),
    duplicate_window: nanos(10 * MINUTE),
    allow_direct: true,
  });
}

/** The projector's durable consumer (the EVENTS stream must exist). */
export async function ensureProjectorConsumer(jsm: JetStreamManager, t: Topology): Promise<void> {
  await upsertConsumer(jsm, t.eventsStream, {
    durable_name: t.projectorConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    max_ack_pending: 20_000,
  });
}

/** The sequencer's durable consumer, when it is missing (the INTENTS stream must exist). */
export async function ensureSequencerConsumer(jsm: JetStreamManager, t: Topology): Promise<void> {
  await upsertConsumer(jsm, t.intentsStream, sequencerConsumerConfig(t));
}

/** When the stream was created: a different value means it was deleted and made again (and is empty of what came before). */
export async function streamCreated(jsm: JetStreamManager, stream: string): Promise<string | undefined> {
  try {
    return (await jsm.streams.info(stream)).created;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The consumer as the server sees it now, or undefined when it (or its stream) does not exist. */
export async function consumerInfo(jsm: JetStreamManager, stream: string, consumer: string): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, consumer);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Tells a consumer that delivers nothing though messages wait for it: nothing in flight and the
 * delivered seq unchanged over two looks. Seen on nats-server 2.9 when a consumer is made on a
 * stream made again a moment after the old one was deleted: it keeps a pull waiting and never
 * answers it. Making the consumer again cures some; when it does not, the stream itself is broken
 * (it reports messages it never hands out) and is made again.
 */
export class StallWatch {
  private last?: { delivered: number; pending: number };

  /** True when this look and the one before both found messages waiting and none delivered. */
  observe(info: ConsumerInfo): boolean {
    // consumer_seq counts redeliveries too: a consumer naking what it cannot take yet is not stalled.
    const now = { delivered: info.delivered.consumer_seq, pending: info.num_pending };
    const stalled = info.num_ack_pending === 0 && now.pending > 0 && this.last !== undefined && this.last.pending > 0 && this.last.delivered === now.delivered;
    this.last = stalled ? undefined : now;
    return stalled;
  }

  forget(): void {
    this.last = undefined;
  }
}

function sequencerConsumerConfig(t: Topology): ConsumerCfg & { durable_name: string } {
  return {
    durable_name: t.sequencerConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // Short: intents a crashed sequencer held come back to its successor within seconds.
    // Redelivery is harmless (the sequencer answers a decided intent as a duplicate).
    ack_wait: nanos(5_000),
    max_ack_pending: 20_000,
  };
}

/**
 * Called by a sequencer once it owns the worlds: recreates its consumer so that every intent still
 * in the work queue (those the previous owner never acked) is delivered again first and in stream
 * order. Waiting for their redelivery instead would let newer intents of the same character be
 * decided before them, and the older ones would then look stale.
 */
export async function resetSequencerConsumer(jsm: JetStreamManager, t: Topology): Promise<void> {
  await jsm.consumers.delete(t.intentsStream, t.sequencerConsumer).catch((err) => {
    if (!isNotFound(err)) throw err;
  });
  await jsm.consumers.add(t.intentsStream, sequencerConsumerConfig(t));
}

type StreamCfg = Parameters<JetStreamManager['streams']['add']>[0];
type ConsumerCfg = Parameters<JetStreamManager['consumers']['add']>[1];

async function upsertStream(jsm: JetStreamManager, cfg: StreamCfg & { name: string }): Promise<void> {
  try {
    const current = await jsm.streams.info(cfg.name);
    const { retention: _r, storage: _s, ...mutable } = cfg;
    if (current.config.storage !== cfg.storage) {
      // Storage cannot be changed in place. Only a work queue may be recreated: what it holds is
      // undecided requests; a log-like stream is never dropped here.
      if (cfg.retention !== RetentionPolicy.Workqueue) throw new Error(`stream ${cfg.name} has storage ${current.config.storage}, expected ${cfg.storage}`);
      await jsm.streams.delete(cfg.name);
      await jsm.streams.add(cfg);
      return;
    }
    await jsm.streams.update(cfg.name, mutable);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(cfg).catch(async (e) => {
      // Another process created it between our look and our add.
      if (!(e instanceof JetStreamApiError && e.code === STREAM_NAME_IN_USE)) throw e;
    });
  }
}

async function upsertConsumer(jsm: JetStreamManager, stream: string, cfg: ConsumerCfg & { durable_name: string }): Promise<void> {
  try {
    await jsm.consumers.info(stream, cfg.durable_name);
    const { durable_name: _d, deliver_policy: _p, ack_policy: _a, ...mutable } = cfg;
    await jsm.consumers.update(stream, cfg.durable_name, mutable);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(stream, cfg);
  }
}

/** Removes a deployment's streams (tests clean up their own prefix with it). */
export async function destroyTopology(nc: NatsConnection, t: Topology): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const s of [t.intentsStream, t.eventsStream]) await jsm.streams.delete(s).catch(() => false);
}

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
    const run: ConsumerRun = { stopped: false };
    this.current = run;
    run.done = this.run(run);
  }

  private async halt(): Promise<void> {
    const run = this.current;
    this.current = undefined;
    if (!run) return;
    run.stopped = true;
    run.wake?.();
    await run.messages?.close().catch(() => undefined);
    await run.done;
  }

  private async run(run: ConsumerRun): Promise<void> {
    for (let retryMs = 250; !run.stopped; retryMs = Math.min(retryMs * 2, 5000)) {
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
          retryMs = 250;
          this.onMessage(m);
        }
        if (run.stopped) return;
        this.logger.warn({ consumer: this.consumer, retryMs }, 'consumer stopped delivering; consuming again');
      } catch (err) {
        if (run.stopped) return;
        this.logger.warn({ consumer: this.consumer, err: (err as Error).message, retryMs }, 'consumer unavailable; trying again');
        if (isNotFound(err)) this.onGone?.();
      }
      await new Promise<void>((r) => {
        run.wake = r;
        setTimeout(r, retryMs);
      });
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

interface ConsumerRun {
  stopped: boolean;
  messages?: ConsumerMessages;
  done?: Promise<void>;
  /** Ends the pause between two attempts early (the run was stopped). */
  wake?: () => void;
}
