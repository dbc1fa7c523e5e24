import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type Redis from 'ioredis';
import { ErrorBody, ErrorCode, EventDegraded, HealthResponse, makeError } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { LocalSessions } from '../realtime/local-sessions';
import { CONFIG, LOGGER, NATS, REDIS } from '../tokens';
import { currentNotices, DEPENDENCIES, Dependency, DepStates, transitions } from './dependency-notices';
import { HealthService } from './health.service';

/**
 * Watches PostgreSQL, Redis and NATS: a probe every DEPENDENCY_CHECK_INTERVAL_MS, and at once
 * when a client library reports its connection lost or back. Each change of health is told to
 * every socket (`event.degraded`), and a socket opened while something is down is told at
 * connect. `/api/health` reads through the same checks, so it never disagrees with the notices.
 */
@Injectable()
export class DependencyMonitor implements OnModuleInit, OnModuleDestroy {
  private states: DepStates = { postgres: 'up', redis: 'up', nats: 'up' };
  private readonly downSince: Partial<Record<Dependency, number>> = {};
  private checking: Promise<HealthResponse> | null = null;
  /** Bumped by each connection event: a probe begun before one reports an older truth. */
  private generation = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly health: HealthService,
    private readonly sessions: LocalSessions,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.check(), this.config.DEPENDENCY_CHECK_INTERVAL_MS);
    this.timer.unref();
    this.redis.on('close', () => void this.check());
    this.redis.on('ready', () => void this.check());
    void this.watchNats();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** NATS tells of a lost connection before any probe would time out. */
  private async watchNats(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (this.stopped) return;
      if (s.type === 'disconnect') {
        this.generation++;
        this.observe({ ...this.states, nats: 'down' });
      }
      if (s.type === 'reconnect') {
        this.generation++;
        void this.check();
      }
    }
  }

  /** Probes all three now (one probe at a time, shared by concurrent callers) and tells any change. */
  check(): Promise<HealthResponse> {
    const generation = this.generation;
    this.checking ??= this.health
      .check()
      .then((r) => {
        // Overtaken by a connection event while probing: the next probe tells the truth.
        if (generation === this.generation) this.observe({ postgres: r.dependencies.postgres.status, redis: r.dependencies.redis.status, nats: r.dependencies.nats.status });
        return r;
      })
      .finally(() => (this.checking = null));
    return this.checking;
  }

  private observe(next: DepStates): void {
    const changes = transitions(this.states, next);
    this.states = next;
    const now = Date.now();
    for (const n of changes) {
      if (n.status === 'recovered') {
        const downMs = now - (this.downSince[n.dependency] ?? now);
        delete this.downSince[n.dependency];
        this.logger.info({ dependency: n.dependency, downMs }, 'dependency recovered');
      } else {
        this.downSince[n.dependency] = now;
        this.logger.warn({ dependency: n.dependency, status: n.status }, 'dependency down');
      }
      this.broadcast(n);
    }
  }

  private broadcast(n: EventDegraded): void {
    for (const s of this.sessions.list()) s.send(n);
  }

  /** What a socket opened now is told: one notice per dependency down. */
  notices(): EventDegraded[] {
    return currentNotices(this.states);
  }

  /**
   * Why an intent cannot be taken now, if it cannot: without PostgreSQL nothing can be appended
   * (so nothing may be acked applied), without NATS nothing reaches the sequencer. Retryable.
   */
  refusal(): ErrorBody | undefined {
    if (this.states.postgres === 'up' && this.states.nats === 'up') return undefined; // every intent asks
    const down = DEPENDENCIES.filter((d) => d !== 'redis' && this.states[d] === 'down');
    if (!down.length) return undefined;
    const what = down.map((d) => (d === 'postgres' ? 'the event log (PostgreSQL)' : 'the message bus (NATS)')).join(' and ');
    return makeError(ErrorCode.UNAVAILABLE, `${what} is unreachable; retry the intent shortly`, { retryable: true, retryAfterMs: 1000, details: { dependencies: down } });
  }
}
