import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type Redis from 'ioredis';
import type { Pool } from 'pg';
import { jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { createPool, isNotFound, LogReader, Topology } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { CONFIG, NATS, REDIS, TOPOLOGY } from '../tokens';

type Dep = { status: 'up' | 'down'; latencyMs: number };

/**
 * `work`, or a rejection once `timeoutMs` have passed. When the timer fires, the verdict waits for
 * the event loop's next check phase (`setImmediate`): an answer that came while this process was
 * held up (a gateway starved of CPU, its loop late by more than the timeout) is taken in the poll
 * phase before it, rather than losing only because timers run first in a loop turn. Without this,
 * a busy gateway took its own lateness for PostgreSQL being down and refused every intent.
 */
export function withinTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => setImmediate(() => reject(new Error('timeout'))), timeoutMs)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** How long each probe (and each part of the pipeline's round) may take before it counts as not answering. */
const PROBE_TIMEOUT_MS = 1500;

async function probe(check: () => Promise<unknown>, timeoutMs = PROBE_TIMEOUT_MS): Promise<Dep> {
  const start = performance.now();
  try {
    await withinTimeout(check(), timeoutMs);
    return { status: 'up', latencyMs: Math.round((performance.now() - start) * 100) / 100 };
  } catch {
    return { status: 'down', latencyMs: Math.round(performance.now() - start) };
  }
}

/** What one round of probes found: the three services, and the pipeline's parts where they could be asked. */
export interface ProbeRound {
  dependencies: Record<'postgres' | 'redis' | 'nats', Dep>;
  sequencerOwned?: boolean;
  projectorOwned?: boolean;
  eventsStream?: boolean;
  intentsStream?: boolean;
  worlds?: { worldId: string; head: number; checkpoint: number }[];
}

/** Whether any process of the role holds a world lease now (libs/runtime/src/leases): none, and the role is down. */
const ROLES_HELD = `
  SELECT r.role, EXISTS (
    SELECT 1 FROM world_leases l WHERE l.role = $1 || ':' || r.role AND l.expires_at > clock_timestamp()
  ) AS held
  FROM unnest(ARRAY['sequencer', 'projector']) AS r(role)`;

/** The projector's checkpoint of each world it has seen. */
const CHECKPOINTS = `SELECT world_id, seq FROM projection_checkpoints WHERE projection = 'world_read_model'`;

/**
 * Real checks: a query, a PING and a NATS round trip; then, with PostgreSQL up, who holds the
 * sequencer's and projector's locks and how far the projector is behind; with NATS up, whether
 * the EVENTS and INTENTS streams exist. The queries run on a connection of their own: a busy main
 * pool (every connection taken, requests queued) is not PostgreSQL being down.
 */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private readonly pool: Pool;
  private jsm?: Promise<JetStreamManager>;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(TOPOLOGY) private readonly t: Topology,
  ) {
    this.pool = createPool(config.DATABASE_URL, 1, 1500);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  async probe(): Promise<ProbeRound> {
    const [postgres, redis, nats] = await Promise.all([probe(() => this.pool.query('SELECT 1')), probe(() => this.redis.ping()), probe(() => this.nc.rtt())]);
    const round: ProbeRound = { dependencies: { postgres, redis, nats } };
    await Promise.all([postgres.status === 'up' ? this.pipeline(round) : undefined, nats.status === 'up' ? this.streams(round) : undefined]);
    return round;
  }

  /** Unknown (left unset) when a query fails: the next round asks again. */
  private async pipeline(round: ProbeRound): Promise<void> {
    await withinTimeout(
      (async () => {
        const roles = await this.pool.query<{ role: string; held: boolean }>(ROLES_HELD, [this.config.NATS_PREFIX]);
        for (const r of roles.rows) round[r.role === 'sequencer' ? 'sequencerOwned' : 'projectorOwned'] = r.held;
        // Per world the projector has seen: the log's head (an index lookup each) and its checkpoint.
        const checkpoints = await this.pool.query<{ world_id: string; seq: string }>(CHECKPOINTS);
        const heads = await new LogReader(this.pool).heads(checkpoints.rows.map((c) => c.world_id));
        round.worlds = checkpoints.rows.map((c) => ({ worldId: c.world_id, head: heads.get(c.world_id) ?? 0, checkpoint: Number(c.seq) }));
      })(),
      PROBE_TIMEOUT_MS,
    ).catch(() => undefined);
  }

  private async streams(round: ProbeRound): Promise<void> {
    await withinTimeout(
      (async () => {
        this.jsm ??= jetstreamManager(this.nc);
        const jsm = await this.jsm.catch((err: Error) => ((this.jsm = undefined), Promise.reject(err)));
        const exists = (name: string) =>
          jsm.streams.info(name).then(
            () => true,
            (err: unknown) => (isNotFound(err) ? false : undefined),
          );
        [round.eventsStream, round.intentsStream] = await Promise.all([exists(this.t.eventsStream), exists(this.t.intentsStream)]);
      })(),
      PROBE_TIMEOUT_MS,
    ).catch(() => undefined);
  }
}
