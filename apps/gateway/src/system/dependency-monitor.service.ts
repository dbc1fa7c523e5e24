import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type Redis from 'ioredis';
import { ErrorBody, ErrorCode, EventDegraded, HealthCause, HealthResponse, makeError } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { LocalSessions } from '../realtime/local-sessions';
import { CONFIG, LOGGER, NATS, REDIS } from '../tokens';
import { ALL_UP, currentNotices, DEPENDENCIES, Dependency, DepStates, transitions } from './dependency-notices';
import { GatewayMetrics } from './gateway-metrics';
import { CheckpointProgress, evaluate, HealthThresholds, NOTICE_OF, notReady, stamp, statusOf } from './health-causes';
import { HealthService, ProbeRound } from './health.service';
import { SERVER_VERSION } from './version';

/**
 * Watches PostgreSQL, Redis, NATS and the pipeline (sequencer and projector ownership, the
 * streams, the projector's progress, this gateway's unanswered intents): a probe round every
 * DEPENDENCY_CHECK_INTERVAL_MS, and at once when a client library reports its connection lost or
 * back. Each change that hurts play is told to every socket (`event.degraded`), and a socket
 * opened meanwhile is told at connect. `/api/health` answers from the last round, so it is fast
 * and never disagrees with the notices.
 */
@Injectable()
export class DependencyMonitor implements OnModuleInit, OnModuleDestroy {
  private states: DepStates = { ...ALL_UP };
  private readonly downSince: Partial<Record<Dependency, number>> = {};
  private last?: HealthResponse;
  /** When the last round ended, and the connection generation it saw. */
  private lastAt = 0;
  private lastGeneration = -1;
  private causes: HealthCause[] = [];
  private progress: CheckpointProgress = new Map();
  private checking: Promise<HealthResponse> | null = null;
  /** Bumped by each connection event: a probe begun before one reports an older truth. */
  private generation = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly thresholds: HealthThresholds;

  constructor(
    private readonly health: HealthService,
    private readonly sessions: LocalSessions,
    private readonly metrics: GatewayMetrics,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.thresholds = {
      projectorLagEvents: config.PROJECTOR_LAG_THRESHOLD,
      projectorStallMs: config.PROJECTOR_STALL_MS,
      intentsUnansweredMs: config.INTENTS_UNANSWERED_MS,
    };
    metrics.observeHealth({
      dependencies: () => ({ postgres: this.states.postgres === 'up', redis: this.states.redis === 'up', nats: this.states.nats === 'up' }),
      status: () => statusOf(this.causes),
      causes: () => this.causes,
    });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.check(), this.config.DEPENDENCY_CHECK_INTERVAL_MS);
    this.timer.unref();
    // A connection lost or regained: the last round is old news until the next one.
    this.redis.on('close', () => (this.generation++, void this.check()));
    this.redis.on('ready', () => (this.generation++, void this.check()));
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

  /**
   * The last round's answer while it is fresh (a round ended within two intervals, and no
   * connection was lost or regained since) and ok: fast. Otherwise it waits for a round that
   * tells the truth (a few at most, one at a time however many ask): a probe hanging on a
   * dependency that does not answer, or a cause that may have cleared since (a sequencer that
   * just came back is not reported missing for another interval).
   */
  async current(): Promise<HealthResponse> {
    if (this.last?.status !== 'ok') await this.check();
    for (let i = 0; i < 3 && !this.fresh(); i++) await this.check();
    return this.last ?? this.check();
  }

  private fresh(): boolean {
    return !!this.last && this.lastGeneration === this.generation && Date.now() - this.lastAt < 2 * this.config.DEPENDENCY_CHECK_INTERVAL_MS;
  }

  /** Whether this gateway can serve players now (`/readyz`): PostgreSQL and NATS reachable. */
  async readiness(): Promise<HealthCause[]> {
    await this.current();
    return notReady(this.causes);
  }

  /** Runs a probe round now (one at a time, shared by concurrent callers) and tells any change. */
  check(): Promise<HealthResponse> {
    const generation = this.generation;
    this.checking ??= this.health
      .probe()
      .then((round) => {
        // Overtaken by a connection event while probing: the next round tells the truth.
        if (generation === this.generation) this.apply(round, generation);
        return this.last ?? this.respond(round);
      })
      .finally(() => (this.checking = null));
    return this.checking;
  }

  private apply(round: ProbeRound, generation: number): void {
    this.metrics.expireIntents(this.config.INTENT_ANSWER_TIMEOUT_MS);
    const d = round.dependencies;
    const now = Date.now();
    const { causes, progress } = evaluate(
      { ...round, postgres: d.postgres.status === 'up', redis: d.redis.status === 'up', nats: d.nats.status === 'up', oldestPendingIntentMs: this.metrics.oldestPendingIntentMs() },
      this.progress,
      this.thresholds,
      now,
    );
    this.progress = progress;
    const appeared = causes.filter((c) => !this.causes.some((p) => p.cause === c.cause));
    const gone = this.causes.filter((p) => !causes.some((c) => c.cause === p.cause));
    this.causes = stamp(causes, this.causes, now);
    for (const c of appeared) this.logger.warn({ cause: c.cause }, `health: ${c.message}`);
    for (const c of gone) this.logger.info({ cause: c.cause, sinceMs: now - Date.parse(c.since) }, 'health: cause cleared');
    this.last = this.respond(round);
    this.lastAt = Date.now();
    this.lastGeneration = generation;
    const next: DepStates = { ...ALL_UP };
    for (const c of causes) {
      const dep = NOTICE_OF[c.cause];
      if (dep) next[dep] = 'down';
    }
    this.observe(next);
  }

  private respond(round: ProbeRound): HealthResponse {
    return { status: statusOf(this.causes), serverVersion: SERVER_VERSION, dependencies: round.dependencies, causes: this.causes };
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
    const down = DEPENDENCIES.filter((d) => (d === 'postgres' || d === 'nats') && this.states[d] === 'down');
    const what = down.map((d) => (d === 'postgres' ? 'the event log (PostgreSQL)' : 'the message bus (NATS)')).join(' and ');
    return makeError(ErrorCode.UNAVAILABLE, `${what} is unreachable; retry the intent shortly`, { retryable: true, retryAfterMs: 1000, details: { dependencies: down } });
  }
}
