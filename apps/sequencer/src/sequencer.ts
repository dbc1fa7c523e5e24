import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { failpoint, IntentEnvelope, IntervalStats, isLeaseLost, Logger, Span, traceparentOf, Topology } from '@tilemud/runtime';
import { LeaseGuard, LeasePort } from './lease-guard';
import { BatchIntent, decideBatch } from './batch-decision';
import { BatchQueue } from './batch-queue';
import { traceAnswer, traceAppend, traceDecide, traceFailed } from './batch-trace';
import type { EventLog } from './event-log';
import type { EventPublisher } from './event-publisher';
import type { Handovers } from './handovers';
import { AckSender, Answer } from './acks';
import { ContentRefusals } from './content-refusals';
import { Intake } from './intake';
import { ContentRefusedError, isContentRefusal } from './isolate';
import { isUnreachable } from './outage';
import { Refusals } from './refusals';
import { recordCommit } from './sequencer-metrics';
import { WorldMemory } from './world-memory';

export type { LeasePort };

export interface SequencerOptions {
  /** Most intents decided and committed in one transaction. A batch never waits to fill. */
  maxBatch: number;
  failpoint?: string;
  /** A world's state is stored every this many events (SNAPSHOT_EVERY). */
  snapshotEvery?: number;
  /** This process's world leases; absent, it decides every world unfenced (unit tests). */
  leases?: LeasePort;
}

/**
 * Owns worlds' sequences: decides intents against in-memory state (`decideBatch`, pure), appends the
 * batch's events to PostgreSQL in one transaction, and only after that commit acks the gateways and
 * publishes events. This class is the I/O around the decision: the queue, the append, the answers.
 * Paused (the role's lock lost with PostgreSQL), it decides and appends nothing (see `Refusals`).
 */
export class Sequencer {
  private readonly memory: WorldMemory;
  private readonly queue: BatchQueue<JsMsg>;
  private readonly intake: Intake;
  /** The role's lock is not held (PostgreSQL unreachable, or another process owns the worlds). */
  private paused = false;
  private readonly refusals: Refusals;
  private readonly guard: LeaseGuard;
  readonly stats = new IntervalStats();
  private readonly content: ContentRefusals;
  private readonly acks: AckSender;

  constructor(
    nc: NatsConnection,
    t: Topology,
    private readonly log: EventLog,
    private readonly publisher: EventPublisher,
    private readonly handovers: Handovers,
    private readonly logger: Logger,
    private readonly opts: SequencerOptions,
  ) {
    this.acks = new AckSender(nc, t, this.stats);
    const one = this.acks.one.bind(this.acks);
    this.memory = new WorldMemory(log, publisher, logger, opts.snapshotEvery, opts.leases && ((worlds) => opts.leases!.fence(worlds)));
    // Keyed by the intent's stream sequence and store time: a redelivery of an intent still queued
    // is not queued twice, and an intent of an INTENTS stream made again (its sequences start over)
    // is never taken for one of the old stream still queued.
    this.queue = new BatchQueue(
      opts.maxBatch,
      (batch) => this.process(batch),
      (m) => `${m.seq}/${m.info.timestampNanos}`,
    );
    this.intake = new Intake(one, logger);
    this.guard = new LeaseGuard(this.intake, opts.leases);
    this.content = new ContentRefusals((part) => this.processBatch(part), this.intake, one, logger);
    this.refusals = new Refusals(
      (m) => this.intake.envelope(m),
      (answers) => this.acks.send(answers),
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
    await this.memory.forget();
  }

  resume(): void {
    this.paused = false;
    this.refusals.outage.over();
    this.queue.kick();
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
    this.queue.close();
    this.returnQueued();
    return this.idle();
  }

  /** Gives back the intents received but not yet taken into a batch (the intake stopped: of one world, or all). */
  returnQueued(worldId?: string): void {
    const ofWorld = worldId === undefined ? undefined : (m: JsMsg) => this.intake.envelope(m)?.worldId === worldId;
    for (const m of this.queue.takeQueued(ofWorld)) {
      this.intake.answered(m);
      m.nak();
    }
  }

  /** Resolves when no batch is being decided or appended. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Resolves when the batch under way now (if any) is done: a world's intake closed, none of its intents is in hand after this. */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  /** A world this process no longer holds (or has just taken again): its memory goes, to be read from the log if it comes back. */
  dropWorld(worldId: string): void {
    this.memory.drop(worldId);
  }

  enqueue(msg: JsMsg): void {
    if (this.queue.closed) return msg.nak(); // stopping: the batch in hand is the last (`handBack`)
    // `info` is parsed from the reply subject once and kept (`timestampNanos` parses it again at each read).
    this.stats.time('storedToReceivedMs', Date.now() - msg.info.timestampNanos / 1_000_000);
    if (!this.intake.admit(msg)) return;
    if (this.queue.push(msg)) return;
    // A second delivery of an intent still queued (it waited past the consumer's ack_wait): the
    // queued one is decided and acked; this one is dropped, not decided twice. Under overload a
    // queue that took every redelivery grew without bound (gigabytes, every intent many times).
    this.intake.answered(msg);
    this.stats.count('redeliveriesDropped');
  }

  /** Each world's seq as this owner knows it (worlds it has loaded), for the log-head gauge. */
  heads(): Map<string, number> {
    return this.memory.heads();
  }

  /** How long the oldest intent in hand (in a batch or queued) has waited: /readyz's "draining". */
  waitingMs(now = performance.now()): number {
    return this.queue.waitingMs(now);
  }

  private async process(batch: JsMsg[]): Promise<void> {
    if (this.paused) return this.refusals.holdBack(batch);
    const msgs = this.guard.ofHeldWorlds(batch);
    if (!msgs.length) return;
    try {
      // An intent whose content the log refuses is found and refused alone; memory needs no reload.
      await this.content.commit(msgs);
      this.refusals.outage.over();
    } catch (err) {
      // Group commit failed otherwise: memory may be ahead of the log. Reload, then retry each intent
      // alone; an intent that still fails is refused. Unless PostgreSQL itself is away: every intent
      // would fail alike, so the batch is answered at once.
      this.memory.unsure();
      // Parts committed before the failure (while isolating) are answered already.
      const pending = this.intake.unanswered(msgs);
      if (isLeaseLost(err)) return this.guard.lost(pending);
      if (isUnreachable(err)) return this.unreachable(pending, err as Error);
      this.logger.error({ err: (err as Error).message, batch: pending.length }, 'append failed');
      if (pending.length === 1) return this.refusals.refuse(pending[0]!, err as Error);
      for (const [i, m] of pending.entries()) {
        try {
          await this.content.commit([m]);
        } catch (e) {
          this.memory.unsure();
          if (isLeaseLost(e)) return this.guard.lost(pending.slice(i));
          if (isUnreachable(e)) return this.unreachable(pending.slice(i), e as Error);
          this.refusals.refuse(m, e as Error);
        }
      }
    }
  }

  /** PostgreSQL itself failed, not an intent: answer the rest of the batch at once, then wait a little. */
  private async unreachable(msgs: JsMsg[], err: Error): Promise<void> {
    this.refusals.holdBack(msgs, err);
    await this.refusals.outage.backoff();
  }

  /** Decides a part of a batch (`decideBatch`), appends it in one transaction, then answers and publishes. */
  private async processBatch(msgs: readonly JsMsg[]): Promise<void> {
    await this.memory.ensureFresh();
    const now = new Date().toISOString();
    const taken = this.take(msgs);
    const spans = taken.map((t) => t.span);
    const lastIntentSeq = await this.memory.knowCharacters(taken.flatMap((t) => (t.env.kind === 'player' ? [t.env.characterId] : []))).catch((err: Error) => {
      traceFailed(spans, err);
      throw err;
    });
    const worlds = await this.memory.load(taken.map((t) => t.env.worldId)).catch((err: Error) => {
      traceFailed(spans, err);
      throw err;
    });
    const intents: BatchIntent[] = taken.map(({ msg, env, span }) => ({ env, refused: this.content.refusedAs(msg), traceId: span.spanContext().traceId, traceparent: traceparentOf(span) }));
    const d = decideBatch({ worlds, lastIntentSeq }, intents, now);

    const appendStart = performance.now();
    const fence = this.guard.fence(d);
    const append = () => this.log.append(d.events, d.rejections, fence);
    await traceAppend(spans, { events: d.events.length, rejections: d.rejections.length, worlds: [...d.worlds.keys()] }, append).catch((err: Error) => {
      traceFailed(spans, err);
      throw isContentRefusal(err) ? new ContentRefusedError(err) : err;
    });
    const characterIds = taken.map((t) => t.env.characterId);
    failpoint(this.opts.failpoint, 'sequencer.after_commit', characterIds);
    this.recordStats(msgs, d.events.length, appendStart);

    // Committed: memory follows the log, then the gateways hear of it (one message per gateway), then the world does.
    this.memory.committed(d, intents);
    const answers: Answer[] = [];
    for (const [i, { env }] of taken.entries()) {
      const v = d.verdicts[i]!;
      answers.push({ env, outcome: v.outcome ?? (await this.memory.resend(v.resend.characterId, v.resend.intentSeq)) });
    }
    this.acks.send(answers);
    for (const [i, { msg, env, span }] of taken.entries()) {
      msg.ack();
      this.intake.answered(msg);
      traceAnswer(span, env, answers[i]!.outcome, this.logger);
    }
    this.publisher.enqueue(d.events);
    failpoint(this.opts.failpoint, 'sequencer.before_handover');
    this.handovers.sendSoon(d.handovers);
  }

  /** The batch's intents still to answer, each with its decide span started. */
  private take(msgs: readonly JsMsg[]): Array<{ msg: JsMsg; env: IntentEnvelope; span: Span }> {
    return msgs.flatMap((msg) => {
      const env = this.intake.envelope(msg);
      return env ? [{ msg, env, span: traceDecide(msg.headers, env) }] : [];
    });
  }

  private recordStats(msgs: readonly JsMsg[], events: number, appendStart: number): void {
    const committedAt = performance.now();
    recordCommit(this.stats, { appendMs: committedAt - appendStart, events, waitedMs: msgs.map((m) => committedAt - (this.queue.receivedAt(m) ?? committedAt)) });
  }
}
