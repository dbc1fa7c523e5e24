import type { JsMsg } from '@nats-io/jetstream';
import { EventEnvelope, EventEnvelopeSchema, IntervalStats, Logger } from '@tilemud/runtime';
import type { DeadLetters, Parked } from './dead-letters';
import type { Projector } from './projector';
import { ProjectionTrace } from './projection-trace';
import { CheckpointMovedError } from './read-model-store';

/** How long an event waits before JetStream offers it again while the projector is paused. */
const HOLD_DELAY_MS = 2000;
/** How long an event beyond this batch's reach in the log waits before it is offered again. */
const LATER_DELAY_MS = 500;

/**
 * The projector's intake: events from the stream, folded in batches of up to `maxBatch`, each
 * acked only once its batch has committed. Paused (PostgreSQL away), it writes nothing and naks
 * what arrives for later; what it missed meanwhile is caught up from the log when each world is
 * taken again, and events redelivered after that are skipped by seq. Events of several worlds
 * (each its own consumer) share the batches.
 */
export class ProjectionLoop {
  private readonly queue: JsMsg[] = [];
  private draining = false;
  private drained: Array<() => void> = [];
  private paused = false;
  private heldWhilePaused = 0;
  readonly stats = new IntervalStats();
  /** The spans of the batch being projected: the deltas it produces link its events' traces. */
  traceSource?: ProjectionTrace;

  constructor(
    private readonly projector: Projector,
    private readonly logger: Logger,
    private readonly maxBatch: number,
    private readonly deadLetters: DeadLetters,
    /** A batch found a world's checkpoint moved by another process: this one no longer holds it (world leases). */
    private readonly onWorldLost: (worldId: string) => void = () => undefined,
  ) {}

  enqueue(m: JsMsg): void {
    this.queue.push(m);
    if (!this.draining) void this.drain();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.heldWhilePaused) this.logger.info({ events: this.heldWhilePaused }, 'events held back while paused');
    this.heldWhilePaused = 0;
    if (this.queue.length && !this.draining) void this.drain();
  }

  /** Resolves when no batch is being projected. */
  idle(): Promise<void> {
    return this.draining ? new Promise((r) => this.drained.push(r)) : Promise.resolve();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        if (this.paused) this.holdBack(batch);
        else await this.projectBatch(batch);
      }
    } finally {
      this.draining = false;
      this.drained.splice(0).forEach((r) => r());
    }
  }

  private holdBack(batch: JsMsg[]): void {
    batch.forEach((m) => m.nak(HOLD_DELAY_MS));
    this.heldWhilePaused += batch.length;
  }

  private async projectBatch(batch: JsMsg[]): Promise<void> {
    const events: EventEnvelope[] = [];
    const carried: JsMsg[] = [];
    const poison: Parked[] = [];
    for (const m of batch) {
      const parsed = EventEnvelopeSchema.safeParse(safeJson(m));
      if (parsed.success) {
        events.push(parsed.data);
        carried.push(m);
      } else poison.push({ msg: m, reason: `malformed: ${describeIssue(m, parsed.error.issues[0])}` });
    }
    const spans = new ProjectionTrace(carried, events);
    try {
      this.traceSource = spans;
      const started = performance.now();
      const verdicts = await spans.run(() => this.projector.project(events));
      this.stats.time('projectMs', performance.now() - started);
      this.stats.count('batches');
      this.stats.count('events', events.length);
      const agreed: JsMsg[] = [];
      verdicts.forEach((v, i) => {
        const m = carried[i]!;
        if (v.kind === 'ok') agreed.push(m);
        else if (v.kind === 'later') m.nak(LATER_DELAY_MS);
        else poison.push({ msg: m, reason: v.reason, worldId: events[i]!.worldId, eventSeq: events[i]!.seq });
      });
      agreed.forEach((m) => m.ack());
      spans.finish(verdicts, this.logger);
      await this.settle(poison, agreed);
    } catch (err) {
      spans.fail(err);
      // Not committed, or not surely: never acked. The stream offers it again, and the projector
      // reads its checkpoints before the next batch.
      if (err instanceof CheckpointMovedError) {
        this.logger.warn({ worldId: err.worldId, err: err.message }, 'another projector applied the world: batch rolled back, world given up');
        this.onWorldLost(err.worldId);
      } else this.logger.error({ err: (err as Error).message }, 'projection failed; will retry');
      batch.forEach((m) => m.nak(1000));
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      this.traceSource = undefined;
    }
  }

  /**
   * Parks what will never apply and terminates it on the stream, so that neither this world's
   * later events nor other worlds' wait behind it. Stored first: while the store cannot be
   * written, the messages are offered again later rather than lost.
   */
  private async settle(poison: Parked[], agreed: JsMsg[]): Promise<void> {
    try {
      if (poison.length) {
        await this.deadLetters.park(poison);
        this.stats.count('deadLettered', poison.length);
      }
      poison.forEach((p) => p.msg.term(p.reason));
      await this.deadLetters.resolve(agreed);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, messages: poison.length }, 'dead letters could not be stored; offered again later');
      poison.forEach((p) => p.msg.nak(1000));
    }
  }
}

/** Where a malformed message went wrong, for the dead letter's reason. */
function describeIssue(m: JsMsg, issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (safeJson(m) === undefined) return 'not JSON';
  return issue ? `${issue.path.map(String).join('.') || '(message)'}: ${issue.message}` : 'invalid';
}

function safeJson(m: JsMsg): unknown {
  try {
    return m.json();
  } catch {
    return undefined;
  }
}
