import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decide, WorldCommand, WorldDraft, WorldState } from '@tilemud/domain';
import {
  AckEnvelope,
  endSpan,
  failpoint,
  IntentEnvelope,
  IntentEnvelopeSchema,
  Logger,
  OutcomeError,
  Span,
  spanFromHeaders,
  Topology,
  IntervalStats,
} from '@tilemud/runtime';
import type { EventLog, EventRow, RejectionRow, StoredOutcome } from './event-log';
import type { EventPublisher } from './event-publisher';
import { OutcomeCache } from './outcome-cache';

export interface SequencerOptions {
  /** Most intents decided and committed in one transaction. A batch never waits to fill. */
  maxBatch: number;
  failpoint?: string;
}

interface World {
  state: WorldState;
  seq: number;
}

interface Decided {
  msg: JsMsg;
  env: IntentEnvelope;
  span: Span;
  /** Filled after commit for resends whose original may be in this very batch. */
  ack?: Omit<AckEnvelope, 'sessionId' | 'characterId' | 'worldId'>;
  duplicate?: boolean;
}

const unavailable = (message: string): OutcomeError => ({ code: 'UNAVAILABLE', category: 'unavailable', message, retryable: true });

/**
 * Owns worlds' sequences: decides intents against in-memory state, appends the batch's events to
 * PostgreSQL in one transaction, and only after that commit acks the gateways and publishes events.
 */
export class Sequencer {
  private readonly worlds = new Map<string, World>();
  private lastIntentSeq = new Map<string, number>();
  private readonly outcomes = new OutcomeCache();
  private readonly queue: JsMsg[] = [];
  private readonly received = new WeakMap<JsMsg, number>();
  readonly stats = new IntervalStats();
  private draining = false;
  private stale = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly t: Topology,
    private readonly log: EventLog,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    private readonly opts: SequencerOptions,
  ) {}

  async start(): Promise<void> {
    await this.reload();
  }

  /** Rebuilds everything from the log: at start, and after a failed append left memory unsure. */
  private async reload(): Promise<void> {
    this.worlds.clear();
    this.outcomes.clear();
    this.lastIntentSeq = await this.log.lastIntentSeqs();
    this.stale = false;
  }

  private async world(worldId: string): Promise<World | undefined> {
    let w = this.worlds.get(worldId);
    if (!w) {
      w = await this.log.loadWorld(worldId);
      if (w) this.worlds.set(worldId, w);
    }
    return w;
  }

  worldSeq(worldId: string): number | undefined {
    return this.worlds.get(worldId)?.seq;
  }

  enqueue(msg: JsMsg): void {
    this.received.set(msg, performance.now());
    this.stats.time('storedToReceivedMs', Date.now() - Number(msg.timestampNanos / 1_000_000n));
    this.queue.push(msg);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length) await this.process(this.queue.splice(0, this.opts.maxBatch));
    } finally {
      this.draining = false;
    }
  }

  private async process(msgs: JsMsg[]): Promise<void> {
    try {
      await this.processBatch(msgs);
    } catch (err) {
      // Group commit failed: memory may be ahead of the log. Reload, then retry each intent alone so
      // one bad intent cannot refuse its neighbours; an intent that still fails is refused UNAVAILABLE.
      this.stale = true;
      this.logger.error({ err: (err as Error).message, batch: msgs.length }, 'append failed');
      if (msgs.length > 1) {
        for (const m of msgs) await this.process([m]);
        return;
      }
      await this.refuseUnavailable(msgs[0]!, err as Error);
    }
  }

  private async processBatch(msgs: JsMsg[]): Promise<void> {
    if (this.stale) await this.reload();
    const now = new Date().toISOString();
    // One draft per world per batch: decisions see the batch's earlier events; a failed commit drops it.
    const working = new Map<string, { draft: WorldDraft; seq: number }>();
    const batchLast = new Map<string, number>();
    const events: EventRow[] = [];
    const rejections: RejectionRow[] = [];
    const decided: Decided[] = [];

    for (const msg of msgs) {
      const env = this.parse(msg);
      if (!env) continue;
      const span = spanFromHeaders('sequencer.decide', msg.headers);
      span.setAttributes({ 'tilemud.world': env.worldId, 'tilemud.character': env.characterId });
      const committed = await this.world(env.worldId);
      if (!committed) {
        decided.push({ msg, env, span, ack: { status: 'rejected', error: { code: 'WORLD_NOT_FOUND', category: 'not_found', message: `no world ${env.worldId}`, retryable: false } } });
        continue;
      }
      const w = working.get(env.worldId) ?? { draft: new WorldDraft(committed.state), seq: committed.seq };
      working.set(env.worldId, w);

      if (env.kind === 'player') {
        const last = batchLast.get(env.characterId) ?? this.lastIntentSeq.get(env.characterId) ?? 0;
        if (env.intentSeq <= last) {
          decided.push({ msg, env, span, duplicate: true });
          continue;
        }
        batchLast.set(env.characterId, env.intentSeq);
      }
      const decision = decide(w.draft.state, this.toCommand(env, now));
      const traceId = span.spanContext().traceId;
      const traceparent = `00-${traceId}-${span.spanContext().spanId}-01`;
      if (decision.ok) {
        decision.events.forEach((e, i) =>
          events.push({
            worldId: env.worldId,
            seq: w.seq + i + 1,
            characterId: env.characterId,
            intentSeq: env.kind === 'player' ? env.intentSeq : null,
            eventIndex: i,
            type: e.type,
            payload: e.data as Record<string, unknown>,
            recordedAt: now,
            traceId,
            traceparent,
          }),
        );
        w.seq += decision.events.length;
        w.draft.apply(decision.events);
        decided.push({ msg, env, span, ack: { status: 'applied', seq: w.seq } });
      } else {
        const r = decision.rejection;
        if (env.kind === 'player') {
          rejections.push({ characterId: env.characterId, intentSeq: env.intentSeq, worldId: env.worldId, code: r.code, message: r.message, details: r.details ?? null, recordedAt: now });
        }
        decided.push({ msg, env, span, ack: { status: 'rejected', error: { code: r.code, category: 'domain', message: r.message, retryable: false, ...(r.details ? { details: r.details } : {}) } } });
      }
    }

    const appendStart = performance.now();
    await this.log.append(events, rejections);
    failpoint(this.opts.failpoint, 'sequencer.after_commit');
    const committedAt = performance.now();
    this.stats.time('appendMs', committedAt - appendStart);
    this.stats.count('batches');
    this.stats.count('intents', msgs.length);
    this.stats.count('events', events.length);
    for (const m of msgs) this.stats.time('receivedToCommitMs', committedAt - (this.received.get(m) ?? committedAt));

    // Committed: memory follows the log, then the gateways hear of it, then the world does.
    for (const [id, w] of working) this.worlds.set(id, { state: w.draft.state, seq: w.seq });
    for (const [c, s] of batchLast) this.lastIntentSeq.set(c, s);
    for (const d of decided) {
      if (d.env.kind !== 'player' || d.duplicate || !d.ack) continue;
      this.outcomes.set(d.env.characterId, d.env.intentSeq, d.ack.status === 'applied' ? { status: 'applied', seq: d.ack.seq! } : { status: 'rejected', code: d.ack.error!.code, message: d.ack.error!.message, ...(d.ack.error!.details ? { details: d.ack.error!.details } : {}) });
    }
    for (const d of decided) {
      if (d.duplicate && d.env.kind === 'player') d.ack = await this.duplicateAck(d.env.characterId, d.env.intentSeq);
      this.reply(d.env, d.ack!);
      d.msg.ack();
      endSpan(d.span);
    }
    this.publisher.enqueue(events);
  }

  private async duplicateAck(characterId: string, intentSeq: number): Promise<NonNullable<Decided['ack']>> {
    const original: StoredOutcome | undefined = this.outcomes.get(characterId, intentSeq) ?? (await this.log.outcome(characterId, intentSeq));
    if (!original) {
      // Below the last decided intentSeq but never seen: skipped by the client. It can never apply now.
      return { status: 'duplicate', error: { code: 'INTENT_SEQ_STALE', category: 'conflict', message: 'intentSeq is not above the last accepted one', retryable: false } };
    }
    if (original.status === 'applied') return { status: 'duplicate', seq: original.seq, originalStatus: 'applied' };
    return {
      status: 'duplicate',
      originalStatus: 'rejected',
      error: { code: original.code, category: 'domain', message: original.message, retryable: false, ...(original.details ? { details: original.details } : {}) },
    };
  }

  private parse(msg: JsMsg): IntentEnvelope | undefined {
    try {
      const parsed = IntentEnvelopeSchema.safeParse(msg.json());
      if (parsed.success) return parsed.data;
      this.logger.warn({ issues: parsed.error.issues.slice(0, 3) }, 'poison intent terminated');
    } catch {
      this.logger.warn('intent is not JSON; terminated');
    }
    msg.term();
    return undefined;
  }

  private toCommand(env: IntentEnvelope, now: string): WorldCommand {
    if (env.kind === 'system') {
      return env.op === 'enter'
        ? { type: 'enter', characterId: env.characterId, name: env.name, sessionId: env.sessionId ?? env.requestId }
        : { type: 'leave', characterId: env.characterId, sessionId: env.sessionId };
    }
    const i = env.intent;
    switch (i.type) {
      case 'move':
        return { type: 'move', characterId: env.characterId, direction: i.direction };
      case 'chat':
        return { type: 'chat', characterId: env.characterId, text: i.text, channel: i.channel, messageId: `${env.characterId}:${env.intentSeq}`, at: now };
    }
  }

  private async refuseUnavailable(msg: JsMsg, err: Error): Promise<void> {
    const env = this.parse(msg);
    if (!env) return;
    this.reply(env, { status: 'rejected', error: unavailable('the event log is unavailable; retry the intent') });
    // The intent was not decided: the client retries it under the same intentSeq.
    msg.ack();
    this.logger.warn({ err: err.message, characterId: env.characterId }, 'intent refused: append failed');
  }

  private reply(env: IntentEnvelope, ack: NonNullable<Decided['ack']>): void {
    const out: AckEnvelope = {
      sessionId: env.sessionId ?? (env.kind === 'system' ? env.requestId : ''),
      characterId: env.characterId,
      worldId: env.worldId,
      ...(env.kind === 'player' ? { intentSeq: env.intentSeq } : { requestId: env.requestId }),
      ...ack,
    };
    this.nc.publish(this.t.ackSubject(env.gatewayId), JSON.stringify(out));
  }
}
