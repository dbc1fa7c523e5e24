import type { JsMsg } from '@nats-io/jetstream';
import { endSpan, EventEnvelope, EventEnvelopeSchema, IntervalStats, Logger, spanFromHeaders } from '@tilemud/runtime';
import type { Projector } from './projector';

/** How long an event waits before JetStream offers it again while the projector is paused. */
const HOLD_DELAY_MS = 2000;

/**
 * The projector's intake: events from the stream, folded in batches of up to `maxBatch`, each
 * acked only once its batch has committed. Paused (the role's lock is not held), it writes nothing
 * and naks what arrives for later; what it missed meanwhile is caught up from the log on resume,
 * and events redelivered after that are skipped by seq.
 */
export class ProjectionLoop {
  private readonly queue: JsMsg[] = [];
  private draining = false;
  private drained: Array<() => void> = [];
  private paused = false;
  private heldWhilePaused = 0;
  readonly stats = new IntervalStats();
  /** The last message of the batch being projected: the deltas it produces continue its trace. */
  traceSource?: JsMsg;

  constructor(
    private readonly projector: Projector,
    private readonly logger: Logger,
    private readonly maxBatch: number,
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
    for (const m of batch) {
      const parsed = EventEnvelopeSchema.safeParse(safeJson(m));
      if (parsed.success) events.push(parsed.data);
      else {
        this.logger.warn('poison event terminated');
        m.term();
      }
    }
    const span = spanFromHeaders('projector.project', batch[batch.length - 1]?.headers);
    span.setAttribute('tilemud.events', events.length);
    try {
      this.traceSource = batch[batch.length - 1];
      const started = performance.now();
      await this.projector.project(events);
      this.stats.time('projectMs', performance.now() - started);
      this.stats.count('batches');
      this.stats.count('events', events.length);
      batch.forEach((m) => m.ack());
      endSpan(span);
    } catch (err) {
      endSpan(span, err);
      // Not committed, or not surely: never acked. The stream offers it again, and the projector
      // reads its checkpoints before the next batch.
      this.logger.error({ err: (err as Error).message }, 'projection failed; will retry');
      batch.forEach((m) => m.nak(1000));
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      this.traceSource = undefined;
    }
  }
}

function safeJson(m: JsMsg): unknown {
  try {
    return m.json();
  } catch {
    return undefined;
  }
}
