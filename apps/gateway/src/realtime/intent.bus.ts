import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { jetstream, JetStreamClient, jetstreamManager, JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import { headers, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  AckEnvelope,
  ACKS_BATCHED,
  endSpan,
  ensureIntentsStream,
  HEADER_RESEND,
  isNoStream,
  injectTrace,
  IntentEnvelope,
  inSpan,
  Logger,
  setOutcome,
  SpanKind,
  startSpan,
  readAcks,
  Topology,
  tracer,
  IntervalStats,
} from '@tilemud/runtime';
import { context, trace, type SpanContext } from '@opentelemetry/api';
import { GATEWAY_ID, LOGGER, NATS, TOPOLOGY } from '../tokens';

export type AckHandler = (ack: AckEnvelope) => void;

/**
 * The gateway's side of the intent pipeline: publishes validated intents to JetStream
 * (msgID characterId:intentSeq for dedupe) and routes the sequencer's acks back to sessions.
 */
@Injectable()
export class IntentBus implements OnModuleInit, OnApplicationShutdown {
  private readonly js: JetStreamClient;
  private sub?: Subscription;
  private readonly sessions = new Map<string, AckHandler>();
  private readonly waiting = new Map<string, (ack: AckEnvelope) => void>();
  private readonly sentAt = new Map<string, number>();
  /** The publish span of each intent awaiting its ack: the ack's span continues that trace. */
  private readonly ackParents = new Map<string, SpanContext>();
  /** The INTENTS stream being made again (one attempt at a time, shared by every publish that found it gone). */
  private remaking?: Promise<void>;
  /** Fails each publish awaiting JetStream's answer (see `unlessDisconnected`). */
  private readonly inFlight = new Set<(err: Error) => void>();
  readonly stats = new IntervalStats();

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(TOPOLOGY) private readonly t: Topology,
    @Inject(GATEWAY_ID) readonly gatewayId: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.js = jetstream(nc);
  }

  onModuleInit(): void {
    this.sub = this.nc.subscribe(this.t.ackSubject(this.gatewayId), {
      callback: (err, msg) => {
        if (err) return;
        // One ack, or a batch of them (one group commit's answers to this gateway): both shapes are
        // read, whichever version the sequencer runs (docs/architecture.md, "Acks").
        let data: unknown;
        try {
          data = msg.json();
        } catch {
          data = undefined;
        }
        const { acks, malformed } = readAcks(data);
        if (malformed) this.logger.warn({ malformed }, 'malformed ack dropped');
        this.stats.count('ackMessages');
        for (const ack of acks) this.onAck(ack);
      },
    });
    void this.watchDisconnects();
  }

  /** A lost NATS connection fails every publish still waiting for JetStream's answer, at once. */
  private async watchDisconnects(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type !== 'disconnect' || !this.inFlight.size) continue;
      this.logger.warn({ publishes: this.inFlight.size }, 'NATS connection lost with publishes unanswered: they fail now');
      const lost = new Error('the NATS connection was lost before JetStream answered the publish');
      for (const fail of this.inFlight) fail(lost);
      this.inFlight.clear();
    }
  }

  /**
   * `publish`, or an error as soon as the connection is lost while it waits. nats.js keeps a
   * request whose connection went until its own timeout (5 s), even when its bytes were lost with
   * the socket; meanwhile the session's later frames wait behind it (they are handled one at a
   * time), so a NATS cut would leave them unanswered instead of refused at once (protocol: NATS
   * down, every intent answered UNAVAILABLE). A publish that did reach JetStream before the loss is
   * decided and acked all the same; the client's resend under the same intentSeq is answered as a
   * duplicate with its outcome.
   */
  private unlessDisconnected<T>(publish: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.inFlight.add(reject);
      publish.then(
        (v) => (this.inFlight.delete(reject), resolve(v)),
        (err: Error) => (this.inFlight.delete(reject), reject(err)),
      );
    });
  }

  private onAck(ack: AckEnvelope): void {
    if (ack.requestId) {
      const w = this.waiting.get(ack.requestId);
      if (w) {
        this.waiting.delete(ack.requestId);
        w(ack);
      }
      return;
    }
    const key = `${ack.sessionId}:${ack.intentSeq}`;
    const sent = this.sentAt.get(key);
    if (sent !== undefined) {
      this.sentAt.delete(key);
      this.stats.time('publishToAckMs', performance.now() - sent);
    }
    this.deliver(key, ack);
  }

  /** Late (after the sessions' leaves were confirmed at module destroy): acks are heard until then. */
  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }

  /** Hands an ack to its session inside a `gateway.ack` span carrying the outcome (in the intent's trace). */
  private deliver(key: string, ack: AckEnvelope): void {
    const parent = this.ackParents.get(key);
    this.ackParents.delete(key);
    const span = startSpan('gateway.ack', parent ? trace.setSpanContext(context.active(), parent) : context.active(), {
      kind: SpanKind.CONSUMER,
      attributes: { 'tilemud.world': ack.worldId, ...(ack.intentSeq !== undefined ? { 'tilemud.intent_seq': ack.intentSeq } : {}) },
    });
    setOutcome(span, ack);
    inSpan(span, () => {
      this.logger.debug({ sessionId: ack.sessionId, intentSeq: ack.intentSeq, status: ack.status, ...(ack.error ? { code: ack.error.code } : {}) }, 'intent acked');
      this.sessions.get(ack.sessionId)?.(ack);
    });
    span.end();
  }

  register(sessionId: string, handler: AckHandler): void {
    this.sessions.set(sessionId, handler);
  }

  unregister(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  /** Publishes a player's intent; its ack arrives later through the session's handler. */
  async publish(env: Extract<IntentEnvelope, { kind: 'player' }>): Promise<void> {
    // Under the active span (the session's `gateway.intent`): the JetStream publish of the intent.
    const span = tracer().startSpan('gateway.publish', { kind: SpanKind.PRODUCER, attributes: { 'tilemud.world': env.worldId, 'tilemud.intent_seq': env.intentSeq } });
    try {
      const h = headers();
      injectTrace(h, span);
      const subject = this.t.intentSubject(env.worldId);
      // acks: this gateway reads its answers batched; a sequencer from before batching ignores the field.
      const data = JSON.stringify({ ...env, acks: ACKS_BATCHED });
      const started = performance.now();
      this.sentAt.set(`${env.sessionId}:${env.intentSeq}`, started);
      if (this.sentAt.size > 100_000) this.sentAt.clear(); // acks that never came must not pile up
      if (this.ackParents.size > 100_000) this.ackParents.clear();
      this.ackParents.set(`${env.sessionId}:${env.intentSeq}`, span.spanContext());
      const pa = await this.jsPublish(subject, data, { msgID: `${env.characterId}:${env.intentSeq}`, headers: h });
      this.stats.time('jsPublishMs', performance.now() - started);
      if (pa.duplicate) {
        // JetStream already holds this intent. Send it on once more without a msgID so the sequencer,
        // the one place that knows outcomes, answers it as a duplicate with the original result.
        // Fresh headers: the first publish wrote its Nats-Msg-Id into `h`.
        const again = headers();
        injectTrace(again, span);
        again.set(HEADER_RESEND, '1');
        await this.jsPublish(subject, data, { headers: again });
      }
      endSpan(span);
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  }

  /** Publishes an enter or leave for a session and waits for the sequencer's answer. */
  async system(env: Omit<Extract<IntentEnvelope, { kind: 'system' }>, 'requestId' | 'gatewayId'>, timeoutMs: number): Promise<AckEnvelope> {
    const requestId = randomUUID();
    const full: IntentEnvelope = { ...env, requestId, gatewayId: this.gatewayId, acks: ACKS_BATCHED };
    const answer = new Promise<AckEnvelope>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new Error(`no answer to ${env.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(requestId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    answer.catch(() => undefined); // a publish failure below is the error the caller sees
    const h = headers();
    const span = tracer().startSpan(`gateway.${env.op}`, { kind: SpanKind.PRODUCER });
    injectTrace(h, span);
    try {
      await this.jsPublish(this.t.intentSubject(env.worldId), JSON.stringify(full), { msgID: `${env.op}:${requestId}`, headers: h });
    } catch (err) {
      this.waiting.delete(requestId);
      endSpan(span, err);
      throw err;
    } finally {
      if (span.isRecording()) endSpan(span);
    }
    return answer;
  }

  /**
   * A publish that finds no INTENTS stream (deleted under us: `503 no responders`) makes it again
   * and goes once more, so play carries on without waiting for a restart. The sequencer makes its
   * consumer again by itself.
   */
  private async jsPublish(subject: string, data: string, opts: Partial<JetStreamPublishOptions>): Promise<PubAck> {
    try {
      return await this.unlessDisconnected(this.js.publish(subject, data, opts));
    } catch (err) {
      if (!isNoStream(err)) throw err;
      this.remaking ??= jetstreamManager(this.nc)
        .then((jsm) => ensureIntentsStream(jsm, this.t))
        .then(() => this.logger.warn({ stream: this.t.intentsStream }, 'INTENTS stream was missing; made again'))
        .finally(() => (this.remaking = undefined));
      await this.remaking;
      return this.unlessDisconnected(this.js.publish(subject, data, opts));
    }
  }
}
