import { AckPolicy, ConsumerInfo, DeliverPolicy, jetstreamManager, JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos, NatsConnection } from '@nats-io/transport-node';
import { streamReplicasSetting } from '../config';
import { isNameInUse, isNotFound } from '../nats-errors';
import type { Topology } from './names';

const MINUTE = 60_000;

/**
 * NATS_STREAM_REPLICAS, read where the streams are made: every app's configuration has already
 * refused a bad value at its start (BaseConfigSchema), and the streams are made from several places
 * (each app's start, the sequencer's stream keeper, the gateway's publish) that all see the same env.
 */
export function streamReplicas(env: NodeJS.ProcessEnv = process.env): number {
  return streamReplicasSetting.parse(env.NATS_STREAM_REPLICAS);
}

/**
 * Creates or updates the streams and durable consumers; safe to run from every process at every start.
 * INTENTS is a work queue (an intent is gone once the sequencer has acked it); EVENTS keeps a day of
 * events for resume and replay (the PostgreSQL log keeps all of them and can refill it).
 */
export async function ensureTopology(nc: NatsConnection, t: Topology, replicas = streamReplicas()): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  await ensureIntentsStream(jsm, t, replicas);
  await ensureEventsStream(jsm, t, replicas);
  // Each world has its own consumers, made by the member that takes its lease. A consumer of the
  // whole stream (before world leases) would overlap them on the work queue: it goes.
  for (const [stream, legacy] of [
    [t.intentsStream, t.sequencerConsumer],
    [t.eventsStream, t.projectorConsumer],
  ] as const) {
    await jsm.consumers.delete(stream, legacy).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }
  return jsm;
}

/** The INTENTS work queue alone (the gateway recreates it when a publish finds it gone). */
export async function ensureIntentsStream(jsm: JetStreamManager, t: Topology, replicas = streamReplicas()): Promise<void> {
  await upsertStream(jsm, {
    name: t.intentsStream,
    subjects: [`${t.prefix}.intents.>`],
    retention: RetentionPolicy.Workqueue,
    // Memory: an intent is only a request until the sequencer commits it to PostgreSQL, and no client
    // hears `applied` before that. A NATS crash loses undecided intents, which clients resend
    // (same intentSeq, so at most once). File storage measured p99 publish 28-34 ms here.
    storage: StorageType.Memory,
    // Replicated memory: each replica keeps it in memory, so one NATS node lost loses no intent.
    num_replicas: replicas,
    max_age: nanos(60 * MINUTE),
    duplicate_window: nanos(2 * MINUTE),
  });
}

/** The EVENTS stream alone; whoever recreates it, the sequencer refills it from the log. */
export async function ensureEventsStream(jsm: JetStreamManager, t: Topology, replicas = streamReplicas()): Promise<void> {
  await upsertStream(jsm, {
    name: t.eventsStream,
    subjects: [`${t.prefix}.events.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_age: nanos(24 * 60 * MINUTE),
    duplicate_window: nanos(10 * MINUTE),
    allow_direct: true,
  });
}

/**
 * A world's projector consumer (the EVENTS stream must exist), made when missing: its events from
 * now on (what came before is caught up from the log by the member taking the world, which makes
 * this consumer before it catches up, so nothing falls between the two). An existing one carries on
 * from where the world's previous member left it.
 */
export async function ensureWorldProjectorConsumer(jsm: JetStreamManager, t: Topology, worldId: string): Promise<void> {
  const name = t.projectorConsumerOf(worldId);
  if (await consumerInfo(jsm, t.eventsStream, name)) return;
  await jsm.consumers.add(t.eventsStream, {
    durable_name: name,
    filter_subject: t.eventSubject(worldId),
    // One copy (see sequencerConsumerConfig): its state is a position the log can rebuild.
    num_replicas: 1,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: nanos(30_000),
    max_ack_pending: 20_000,
  });
}

/** A world's sequencer consumer, made when missing (the INTENTS stream must exist). */
export async function ensureWorldSequencerConsumer(jsm: JetStreamManager, t: Topology, worldId: string, maxInFlight: number): Promise<void> {
  await upsertConsumer(jsm, t.intentsStream, sequencerConsumerConfig(t, worldId, maxInFlight));
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

/**
 * When the stream was created and the sequence of its last message, or undefined when it does not
 * exist. A stream made again starts its sequence over; one seen through another replica after a
 * leader change (nats-server 2.9 may then report another creation time) carries its sequence on.
 */
export async function streamState(jsm: JetStreamManager, stream: string): Promise<{ created: string; lastSeq: number } | undefined> {
  try {
    const info = await jsm.streams.info(stream);
    return { created: info.created, lastSeq: info.state.last_seq };
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

function sequencerConsumerConfig(t: Topology, worldId: string, maxInFlight: number): ConsumerCfg & { durable_name: string } {
  return {
    durable_name: t.sequencerConsumerOf(worldId),
    // One world's intents: the work queue allows consumers whose filters do not overlap.
    filter_subject: t.intentSubject(worldId),
    // One copy in memory, whatever the stream's replicas: ten worlds' consumers as three-replica
    // raft groups each kept a three-node cluster that had lost a node electing for a minute. Its
    // state is only what was delivered and not acked; a consumer lost with its node is made again
    // by the world's owner, and the work queue delivers again whatever was not acked.
    num_replicas: 1,
    mem_storage: true,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // Short: intents a crashed sequencer held come back to its successor within seconds.
    // Redelivery is harmless (the sequencer answers a decided intent as a duplicate).
    ack_wait: nanos(5_000),
    // The world's intents delivered and not yet acked, at most; what waits beyond stays in the
    // stream, undelivered. It keeps an intent's time in the sequencer's hands under overload below
    // ack_wait: with 20,000 per world, ten worlds held 200,000 intents that took minutes to decide,
    // each was delivered again every 5 s, and the sequencer drowned in the copies (docs/reliability.md).
    max_ack_pending: maxInFlight,
  };
}

/**
 * Called by a sequencer once it owns a world: recreates the world's consumer so that every intent
 * still in the work queue (those the previous owner never acked) is delivered again first and in
 * stream order. Waiting for their redelivery instead would let newer intents of the same character
 * be decided before them, and the older ones would then look stale.
 */
export async function resetSequencerConsumer(jsm: JetStreamManager, t: Topology, worldId: string, maxInFlight: number): Promise<void> {
  await jsm.consumers.delete(t.intentsStream, t.sequencerConsumerOf(worldId)).catch((err) => {
    if (!isNotFound(err)) throw err;
  });
  await jsm.consumers.add(t.intentsStream, sequencerConsumerConfig(t, worldId, maxInFlight));
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
    // An update also scales the stream to `num_replicas` (JetStream moves its data to the new peers).
    await jsm.streams.update(cfg.name, mutable);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(cfg).catch((e: unknown) => {
      // Another process created it between our look and our add.
      if (!isNameInUse(e)) throw e;
    });
  }
}

async function upsertConsumer(jsm: JetStreamManager, stream: string, cfg: ConsumerCfg & { durable_name: string }): Promise<void> {
  try {
    await jsm.consumers.info(stream, cfg.durable_name);
    // Replicas and storage are not changed in place (a consumer made before keeps them until it is made again).
    const { durable_name: _d, deliver_policy: _p, ack_policy: _a, num_replicas: _n, mem_storage: _m, ...mutable } = cfg;
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
