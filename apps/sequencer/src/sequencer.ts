import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decide, Handover, WorldDraft, WorldState } from '@tilemud/domain';
import { failpoint, IntentEnvelope, IntervalStats, Logger, OutcomeError, Span, spanFromHeaders, traceparentOf, Topology } from '@tilemud/runtime';
import { traceAnswer, traceAppend, traceFailed } from './batch-trace';
import type { EventLog, EventRow, RejectionRow, StoredOutcome } from './event-log';
import type { EventPublisher } from './event-publisher';
import type { Handovers } from './handovers';
import { ackFor, categoryOf, lookupFailed, Outcome, RETRYABLE_DOMAIN_CODES, toCommand, toStored, unstorable } from './intents';
import { Intake } from './intake';
import { commitIsolating, ContentRefusedError, isContentRefusal, PartResult } from './isolate';
import { OutcomeCache } from './outcome-cache';
import { isUnreachable } from './outage';
import { Refusals } from './refusals';
import { recordBatch, recordOutcome } from './sequencer-metrics';

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
  outcome?: Outcome;
  duplicate?: boolean;
}

/**
 * Owns worlds' sequences: decides intents against in-memory state, appends the batch's events to
 * PostgreSQL in one transaction, and only after that commit acks the gateways and publishes events.
 * Paused (the role's lock lost with PostgreSQL), it decides and appends nothing (see `Refusals`).
 */
export class Sequencer {
  private readonly worlds = new Map<string, World>();
  private lastIntentSeq = new Map<string, number>();
  private readonly outcomes = new OutcomeCache();
  private readonly queue: JsMsg[] = [];
  private readonly received = new WeakMap<JsMsg, number>();
  private readonly intake: Intake;
  /** Intents the log refused for their content: decided as this rejection, never again as themselves. */
  private readonly unstorable = new WeakMap<JsMsg, OutcomeError>();
  private draining = false;
  /** When the first intent of the batch in hand was received (undefined: no batch). */
  private batchSince?: number;
  private drained: Array<() => void> = [];
  private stale = false;
  /** The role's lock is not held (PostgreSQL unreachable, or another process owns the worlds). */
  private paused = false;
  /** Stopping: the batch in hand is the last (`handBack`). */
  private closing = false;
  private readonly refusals: Refusals;
  readonly stats = new IntervalStats();

  constructor(
    private readonly nc: NatsConnection,
    private readonly t: Topology,
    private readonly log: EventLog,
    private readonly publisher: EventPublisher,
    private readonly handovers: Handovers,
    private readonly logger: Logger,
    private readonly opts: SequencerOptions,
  ) {
    this.intake = new Intake((env, outcome) => this.reply(env, outcome), logger);
    this.refusals = new Refusals(
      (m) => this.parse(m),
      (env, outcome) => this.reply(env, outcome),
      logger,
    );
  }

  /** Stops deciding at once: from now on intents are answered without a decision (`Refusals.holdBack`). */
  pause(): void {
    this.paused = true;
  }

  /**
   * Holding the worlds again (or for the first time), still paused: forgets everything and reloads
   * it from the log, once the batch under way (if any) has finished. Another owner may have
   * appended meanwhile, and an append cut off by the outage may have committed after all.
   */
  async recover(): Promise<void> {
    await this.idle();
    this.worlds.clear();
    await this.reload();
  }

  resume(): void {
    this.paused = false;
    this.refusals.outage.over();
    if (this.queue.length && !this.draining) void this.drain();
  }

  /**
   * Shutdown: the batch in hand finishes (decided, appended, answered, acked) and nothing more is
   * taken; every intent received but not in it goes back to the work queue (nak), as does any that
   * still arrives. Resolves once nothing is in hand. Why back to the queue rather than refused
   * UNAVAILABLE: it stays in stream order for the next owner (a standby, or this app restarted),
   * which recreates the consumer and decides it exactly once, answering the gateway that waits on
   * it. A refusal would make the client resend it behind the player's later intents, which the next
   * owner may already have decided: it would then be stale, lost.
   */
  handBack(): Promise<void> {
    this.closing = true;
    this.returnQueued();
    return this.idle();
  }

  /** Gives back the intents received but not yet taken into a batch (the intake stopped). */
  returnQueued(): void {
    for (const m of this.queue.splice(0)) m.nak();
  }

  /** Resolves when no batch is being decided or appended. */
  idle(): Promise<void> {
    return this.draining ? new Promise((r) => this.drained.push(r)) : Promise.resolve();
  }

  /**
   * Rebuilds memory from the log: at start, after a pause, and after a failed append left memory
   * unsure. A failed append may in fact have committed (the connection died after COMMIT reached
   * the server): whatever the log holds past what memory knew of a world is published now, so no
   * committed event is left off the stream.
   */
  private async reload(): Promise<void> {
    const lastIntentSeq = await this.log.lastIntentSeqs();
    // Memory is dropped only once the log has answered: a reload that fails keeps what it knew.
    for (const [worldId, w] of this.worlds) await this.publishLanded(worldId, w.seq);
    this.worlds.clear();
    this.outcomes.clear();
    this.lastIntentSeq = lastIntentSeq;
    this.stale = false;
  }

  private async publishLanded(worldId: string, knownSeq: number): Promise<void> {
    for (let after = knownSeq; ; ) {
      const rows = await this.log.eventsAfter(worldId, after);
      if (!rows.length) return;
      this.logger.warn({ worldId, fromSeq: rows[0]!.seq, events: rows.length }, 'a failed append had committed; publishing its events');
      this.publisher.enqueue(rows);
      after = rows[rows.length - 1]!.seq;
    }
  }

  /** A world's state, folded from its log; a world whose log is empty is seeded first. */
  private async world(worldId: string): Promise<World | undefined> {
    let w = this.worlds.get(worldId);
    if (w) return w;
    w = await this.log.loadWorld(worldId);
    if (!w) return undefined;
    if (w.seq === 0) {
      const d = decide(w.state, { type: 'seed' });
      if (d.ok && d.events.length) {
        const rows = d.events.map((e, i) => ({ worldId, seq: i + 1, characterId: null, intentSeq: null, eventIndex: i, type: e.type, payload: e.data as Record<string, unknown>, recordedAt: new Date().toISOString(), traceId: null }));
        await this.log.append(rows, []);
        this.publisher.enqueue(rows);
        w = { state: new WorldDraft(w.state).apply(d.events).state, seq: rows.length };
      }
    }
    this.worlds.set(worldId, w);
    return w;
  }

  enqueue(msg: JsMsg): void {
    if (this.closing) return msg.nak();
    this.stats.time('storedToReceivedMs', Date.now() - Number(msg.timestampNanos / 1_000_000n));
    if (!this.intake.admit(msg)) return;
    this.received.set(msg, performance.now());
    this.queue.push(msg);
    if (!this.draining) void this.drain();
  }

  /** Each world's seq as this owner knows it (worlds it has loaded), for the log-head gauge. */
  heads(): Map<string, number> {
    return new Map([...this.worlds].map(([id, w]) => [id, w.seq]));
  }

  /** How long the oldest intent in hand (in a batch or queued) has waited: /readyz's "draining". */
  waitingMs(now = performance.now()): number {
    const first = this.batchSince ?? (this.queue[0] && this.received.get(this.queue[0]));
    return first === undefined ? 0 : now - first;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length && !this.closing) {
        const batch = this.queue.splice(0, this.opts.maxBatch);
        this.batchSince = this.received.get(batch[0]!);
        await this.process(batch);
      }
    } finally {
      this.batchSince = undefined;
      this.draining = false;
      this.drained.splice(0).forEach((r) => r());
    }
  }

  private async process(msgs: JsMsg[]): Promise<void> {
    if (this.paused) return this.refusals.holdBack(msgs);
    try {
      // An intent whose content the log refuses is found and refused alone; memory needs no reload.
      await commitIsolating(msgs, (part) => this.tryBatch(part), (m, why) => this.refuseAlone(m, why));
      this.refusals.outage.over();
    } catch (err) {
      // Group commit failed otherwise: memory may be ahead of the log. Reload, then retry each intent
      // alone; an intent that still fails is refused. Unless PostgreSQL itself is away: every intent
      // would fail alike, so the batch is answered at once.
      this.stale = true;
      // Parts committed before the failure (while isolating) are answered already.
      const pending = this.intake.unanswered(msgs);
      if (isUnreachable(err)) return this.unreachable(pending, err as Error);
      this.logger.error({ err: (err as Error).message, batch: pending.length }, 'append failed');
      if (pending.length === 1) return this.refusals.refuse(pending[0]!, err as Error);
      for (const [i, m] of pending.entries()) {
        try {
          await commitIsolating([m], (part) => this.tryBatch(part), (x, why) => this.refuseAlone(x, why));
        } catch (e) {
          this.stale = true;
          if (isUnreachable(e)) return this.unreachable(pending.slice(i), e as Error);
          this.refusals.refuse(m, e as Error);
        }
      }
    }
  }

  /** Decides and appends a part of a batch; `ok: false` when the log refused its content (nothing committed). */
  private async tryBatch(msgs: readonly JsMsg[]): Promise<PartResult<ContentRefusedError>> {
    try {
      await this.processBatch(msgs);
      return { ok: true };
    } catch (err) {
      if (!(err instanceof ContentRefusedError)) throw err;
      if (msgs.length > 1) this.logger.warn({ sqlstate: err.sqlstate, err: err.pgError.message, batch: msgs.length }, 'the event log refused a batch for its content; isolating the intent');
      return { ok: false, reason: err };
    }
  }

  /**
   * The one intent the log will not store: refused for good (a rejection of its own, recorded so a
   * resend gets the same answer), never UNAVAILABLE, which would have its client send it forever.
   */
  private async refuseAlone(msg: JsMsg, why: ContentRefusedError): Promise<void> {
    const env = this.parse(msg)!;
    this.logger.error({ sqlstate: why.sqlstate, err: why.pgError.message, kind: env.kind, characterId: env.characterId, ...(env.kind === 'player' ? { intentSeq: env.intentSeq } : {}) }, 'intent refused alone: the event log will not store it');
    if (env.kind === 'handover') return msg.term(); // it would fail the same way on every redelivery
    const error = unstorable(why.sqlstate);
    this.unstorable.set(msg, error);
    const recorded = await this.tryBatch([msg]);
    if (recorded.ok) return;
    this.reply(env, { status: 'rejected', error });
    this.intake.answered(msg);
    msg.term();
  }

  /** PostgreSQL itself failed, not an intent: answer the rest of the batch at once, then wait a little. */
  private async unreachable(msgs: JsMsg[], err: Error): Promise<void> {
    this.refusals.holdBack(msgs, err);
    await this.refusals.outage.backoff();
  }

  private async processBatch(msgs: readonly JsMsg[]): Promise<void> {
    if (this.stale) await this.reload();
    const now = new Date().toISOString();
    // One draft per world per batch: decisions see the batch's earlier events; a failed commit drops it.
    const working = new Map<string, { draft: WorldDraft; seq: number }>();
    const batchLast = new Map<string, number>();
    const events: EventRow[] = [];
    const rejections: RejectionRow[] = [];
    const decided: Decided[] = [];
    const departures: Handover[] = [];

    for (const msg of msgs) {
      const env = this.parse(msg);
      if (!env) continue;
      const span = spanFromHeaders('sequencer.decide', msg.headers);
      span.setAttributes({ 'tilemud.world': env.worldId, 'tilemud.character': env.characterId, ...(env.kind === 'player' ? { 'tilemud.intent_seq': env.intentSeq } : {}) });
      const committed = await this.world(env.worldId);
      if (!committed) {
        decided.push({ msg, env, span, outcome: { status: 'rejected', error: { code: 'WORLD_NOT_FOUND', category: 'not_found', message: `no world ${env.worldId}`, retryable: false } } });
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
      const refusal = this.unstorable.get(msg);
      if (refusal) {
        if (env.kind === 'player') rejections.push({ characterId: env.characterId, intentSeq: env.intentSeq, worldId: env.worldId, code: refusal.code, message: refusal.message, details: refusal.details ?? null, recordedAt: now });
        decided.push({ msg, env, span, outcome: { status: 'rejected', error: refusal } });
        continue;
      }
      const decision = decide(w.draft.state, toCommand(env, now));
      const traceId = span.spanContext().traceId;
      const traceparent = traceparentOf(span);
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
        const departed = decision.events.find((e) => e.type === 'character.departed');
        if (departed?.type === 'character.departed') departures.push(departed.data);
        decided.push({ msg, env, span, outcome: { status: 'applied', seq: w.seq, ...(departed?.type === 'character.departed' ? { handover: { toWorldId: departed.data.toWorldId } } : {}) } });
      } else {
        const r = decision.rejection;
        if (env.kind === 'player') {
          rejections.push({ characterId: env.characterId, intentSeq: env.intentSeq, worldId: env.worldId, code: r.code, message: r.message, details: r.details ?? null, recordedAt: now });
        }
        const retryable = RETRYABLE_DOMAIN_CODES.has(r.code);
        decided.push({ msg, env, span, outcome: { status: 'rejected', error: { code: r.code, category: 'domain', message: r.message, retryable, ...(r.details ? { details: r.details } : {}) } } });
      }
    }

    const appendStart = performance.now();
    const append = () => this.log.append(events, rejections);
    await traceAppend(decided.map((d) => d.span), { events: events.length, rejections: rejections.length, worlds: [...working.keys()] }, append).catch((err: Error) => {
      traceFailed(decided.map((d) => d.span), err);
      throw isContentRefusal(err) ? new ContentRefusedError(err) : err;
    });
    failpoint(this.opts.failpoint, 'sequencer.after_commit', decided.map((d) => d.env.characterId));
    this.recordStats(msgs, events.length, appendStart);

    // Committed: memory follows the log, then the gateways hear of it, then the world does.
    for (const [id, w] of working) this.worlds.set(id, { state: w.draft.state, seq: w.seq });
    for (const [c, s] of batchLast) this.lastIntentSeq.set(c, s);
    for (const d of decided) {
      if (d.env.kind === 'player' && !d.duplicate && d.outcome) this.outcomes.set(d.env.characterId, d.env.intentSeq, toStored(d.outcome));
    }
    for (const d of decided) {
      if (d.duplicate && d.env.kind === 'player') d.outcome = await this.duplicateOutcome(d.env.characterId, d.env.intentSeq).catch(() => lookupFailed);
      this.reply(d.env, d.outcome!);
      d.msg.ack();
      this.intake.answered(d.msg);
      traceAnswer(d.span, d.env, d.outcome!, this.logger);
    }
    this.publisher.enqueue(events);
    failpoint(this.opts.failpoint, 'sequencer.before_handover');
    this.handovers.sendSoon(departures);
  }

  private recordStats(msgs: readonly JsMsg[], events: number, appendStart: number): void {
    const committedAt = performance.now();
    this.stats.time('appendMs', committedAt - appendStart);
    this.stats.count('batches');
    this.stats.count('intents', msgs.length);
    this.stats.count('events', events);
    for (const m of msgs) this.stats.time('receivedToCommitMs', committedAt - (this.received.get(m) ?? committedAt));
    recordBatch(msgs.length, (committedAt - appendStart) / 1e3, msgs.map((m) => (committedAt - (this.received.get(m) ?? committedAt)) / 1e3));
  }

  private async duplicateOutcome(characterId: string, intentSeq: number): Promise<Outcome> {
    const original: StoredOutcome | undefined = this.outcomes.get(characterId, intentSeq) ?? (await this.log.outcome(characterId, intentSeq));
    if (!original) {
      // Below the last decided intentSeq but never seen: skipped by the client. It can never apply now.
      return { status: 'duplicate', originalStatus: 'rejected', error: { code: 'INTENT_SEQ_STALE', category: 'conflict', message: 'intentSeq is not above the last accepted one', retryable: false } };
    }
    if (original.status === 'applied') return { status: 'duplicate', seq: original.seq, originalStatus: 'applied', ...(original.handover ? { handover: original.handover } : {}) };
    return {
      status: 'duplicate',
      originalStatus: 'rejected',
      error: { code: original.code, category: categoryOf(original.code), message: original.message, retryable: false, ...(original.details ? { details: original.details } : {}) },
    };
  }

  private parse(msg: JsMsg): IntentEnvelope | undefined {
    return this.intake.envelope(msg);
  }

  private reply(env: IntentEnvelope, outcome: Outcome): void {
    recordOutcome(env, outcome);
    const out = ackFor(env, outcome);
    if (out) this.nc.publish(this.t.ackSubject(out.gatewayId), JSON.stringify(out.ack));
  }
}

