import { Injectable } from '@nestjs/common';
import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { CloseCode, HEALTH_CAUSES, HealthCause } from '@tilemud/contracts';
import { LATENCY_BUCKETS_S, meter } from '@tilemud/runtime';
import { DeltaWaits } from './delta-waits';
import { classifyAnswer, IntentType, PendingIntents } from './intent-slo';

/** What the observable gauges read when scraped; set once the services exist (see SessionGateway, DependencyMonitor). */
export interface GaugeSources {
  sessions(): { playing: number; lingering: number };
  maxQueuedBytes(): number;
}
export interface HealthSource {
  dependencies(): Record<'postgres' | 'redis' | 'nats', boolean>;
  status(): 'ok' | 'degraded' | 'unavailable';
  causes(): readonly HealthCause[];
}

export type InvalidFrameReason = 'json' | 'schema' | 'unknown_type' | 'too_large' | 'utf8';
export type LoginOutcome = 'success' | 'invalid_credentials' | 'rate_limited' | 'capacity' | 'error';
export type ResumeOutcome = 'replay' | 'snapshot' | 'refused';

/** Close codes named as themselves; any other a client sends is `other` (labels stay a bounded set). */
const KNOWN_CLOSE_CODES = new Set<number>([...Object.values(CloseCode), 1005, 1006, 1011]);

/**
 * Every instrument of the gateway (docs/operations.md lists them), made once here and injected
 * where something happens. Labels are bounded: types, outcomes, the contract's codes, world ids.
 */
@Injectable()
export class GatewayMetrics {
  private readonly m = meter();
  private readonly closed: Counter = this.m.createCounter('tilemud.gateway.connections.closed', { description: 'WebSocket connections closed, by close code' });
  private readonly resumes: Counter = this.m.createCounter('tilemud.gateway.resumes', { description: 'hellos with a resume token, by outcome' });
  private readonly intents: Counter = this.m.createCounter('tilemud.gateway.intents', { description: 'player intents answered, by type, outcome and error code' });
  private readonly ackDuration: Histogram = this.m.createHistogram('tilemud.gateway.intent.ack.duration_seconds', {
    unit: 's',
    description: 'intent received -> ack sent',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
  });
  private readonly deltaLatency: Histogram = this.m.createHistogram('tilemud.gateway.delta.latency_seconds', {
    unit: 's',
    description: "intent received -> the world's frame holding its change written to this gateway's sockets",
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
  });
  private readonly deltaWaits = new DeltaWaits();
  /**
   * Delta frames and bytes written, per world, as plain numbers: a frame written to each of
   * thousands of sockets would otherwise hash the same attributes thousands of times. The
   * counters (tilemud.gateway.delta.frames, .bytes) read them when collected.
   */
  private readonly deltaCounts = new Map<string, { frames: number; bytes: number; attributes: Attributes }>();
  private readonly mergedFrames: Counter = this.m.createCounter('tilemud.gateway.delta.merged_frames', { description: 'merged delta frames sent to slow clients' });
  private readonly rateLimited: Counter = this.m.createCounter('tilemud.gateway.rate_limit.hits', { description: 'requests or frames refused by a rate limit, by kind' });
  private readonly invalid: Counter = this.m.createCounter('tilemud.gateway.invalid_frames', { description: 'client frames refused as invalid, by reason' });
  private readonly logins: Counter = this.m.createCounter('tilemud.gateway.logins', { description: 'password logins, by outcome' });
  private readonly slo: Counter = this.m.createCounter('tilemud.slo.intents', { description: 'intents answered or timed out (the SLO denominator)' });
  private readonly sloGood: Counter = this.m.createCounter('tilemud.slo.intents.good', { description: 'intents answered applied, rejected or duplicate within 200 ms' });
  private readonly pending = new PendingIntents();
  private sources?: GaugeSources;
  private health?: HealthSource;

  constructor() {
    // Series that exist from the start (at 0): a rate or an alert on them works before the first event.
    for (const outcome of ['replay', 'snapshot', 'refused']) this.resumes.add(0, { outcome });
    for (const outcome of ['success', 'invalid_credentials', 'rate_limited', 'capacity', 'error']) this.logins.add(0, { outcome });
    this.mergedFrames.add(0);
    this.slo.add(0);
    this.sloGood.add(0);
    const deltaFrames = this.m.createObservableCounter('tilemud.gateway.delta.frames', { description: 'delta frames written to sockets' });
    const deltaBytes = this.m.createObservableCounter('tilemud.gateway.delta.bytes', { description: 'bytes of delta frames written to sockets' });
    this.m.addBatchObservableCallback(
      (r) => {
        for (const c of this.deltaCounts.values()) {
          r.observe(deltaFrames, c.frames, c.attributes);
          r.observe(deltaBytes, c.bytes, c.attributes);
        }
      },
      [deltaFrames, deltaBytes],
    );
    const sessions = this.m.createObservableGauge('tilemud.gateway.sessions', { description: 'sessions on this gateway: playing (socket open) or lingering (resume window)' });
    const queue = this.m.createObservableGauge('tilemud.gateway.send_queue.max_bytes', { unit: 'By', description: 'largest number of bytes queued unsent on one socket now' });
    const up = this.m.createObservableGauge('tilemud.dependency.up', { description: '1 when the dependency answered the last probe' });
    const status = this.m.createObservableGauge('tilemud.health.status', { description: '1 for the current health status' });
    const cause = this.m.createObservableGauge('tilemud.health.cause', { description: '1 while the cause is active' });
    this.m.addBatchObservableCallback(
      (r) => {
        const s = this.sources?.sessions() ?? { playing: 0, lingering: 0 };
        r.observe(sessions, s.playing, { state: 'playing' });
        r.observe(sessions, s.lingering, { state: 'lingering' });
        r.observe(queue, this.sources?.maxQueuedBytes() ?? 0);
        if (!this.health) return;
        for (const [d, isUp] of Object.entries(this.health.dependencies())) r.observe(up, isUp ? 1 : 0, { dependency: d });
        const current = this.health.status();
        for (const st of ['ok', 'degraded', 'unavailable'] as const) r.observe(status, st === current ? 1 : 0, { status: st });
        const active = new Set(this.health.causes().map((c) => c.cause));
        for (const c of HEALTH_CAUSES) r.observe(cause, active.has(c) ? 1 : 0, { cause: c });
      },
      [sessions, queue, up, status, cause],
    );
  }

  observeSessions(sources: GaugeSources): void {
    this.sources = sources;
  }

  observeHealth(health: HealthSource): void {
    this.health = health;
  }

  connectionClosed(code: number): void {
    this.closed.add(1, { code: KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other' });
  }

  resume(outcome: ResumeOutcome): void {
    this.resumes.add(1, { outcome });
  }

  /** An intent was taken from the client: its answer is timed from now. */
  intentReceived(sessionId: string, intentSeq: number, type: IntentType): void {
    this.pending.begin(sessionId, intentSeq, type, performance.now());
  }

  /** The client was sent the intent's answer (the sequencer's ack, or the gateway's refusal). */
  intentAnswered(sessionId: string, intentSeq: number, status: 'applied' | 'rejected' | 'duplicate', code?: string, applied?: { world: string; seq: number }): void {
    const now = performance.now();
    const p = this.pending.end(sessionId, intentSeq, now);
    if (!p) return;
    if (status === 'applied' && applied) {
      const ms = this.deltaWaits.applied(applied.world, applied.seq, now - p.elapsedMs, now);
      if (ms !== undefined) this.deltaLatency.record(ms / 1000);
    }
    const c = classifyAnswer({ status, code }, p.elapsedMs);
    this.intents.add(1, { type: p.type, outcome: c.outcome, code: c.code });
    this.ackDuration.record(p.elapsedMs / 1000, { type: p.type });
    if (!c.slo) return;
    this.slo.add(1);
    if (c.good) this.sloGood.add(1);
  }

  /** The session is gone: acks for it can no longer be sent, so its pending intents are not counted. */
  sessionClosed(sessionId: string): void {
    this.pending.dropSession(sessionId);
  }

  /** Counts intents unanswered after `timeoutMs` as errors (and against the SLO). */
  expireIntents(timeoutMs: number): void {
    for (const type of this.pending.expire(performance.now(), timeoutMs)) {
      const c = classifyAnswer({ status: 'timeout' }, timeoutMs);
      this.intents.add(1, { type, outcome: c.outcome, code: c.code });
      this.slo.add(1);
    }
  }

  oldestPendingIntentMs(): number {
    return this.pending.oldestAgeMs(performance.now());
  }

  /** A frame of `world` reaching `toSeq` was written to the world's sockets on this gateway. */
  worldFrameSent(world: string, toSeq: number): void {
    for (const ms of this.deltaWaits.fanned(world, toSeq, performance.now())) this.deltaLatency.record(ms / 1000);
  }

  deltaSent(world: string, bytes: number, merged = false): void {
    let c = this.deltaCounts.get(world);
    if (!c) this.deltaCounts.set(world, (c = { frames: 0, bytes: 0, attributes: { world } }));
    c.frames++;
    c.bytes += bytes;
    if (merged) this.mergedFrames.add(1);
  }

  rateLimit(kind: string): void {
    this.rateLimited.add(1, { kind });
  }

  invalidFrame(reason: InvalidFrameReason): void {
    this.invalid.add(1, { reason });
  }

  login(outcome: LoginOutcome): void {
    this.logins.add(1, { outcome });
  }
}
