import type { JsMsg } from '@nats-io/jetstream';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { contextFrom, endSpan, EventEnvelope, HEADER_TRACE_ID, inSpan, linksTo, Logger, Span, SpanKind, startSpan, traceparentOf } from '@tilemud/runtime';
import type { Verdict } from './log-check';

/** A frame carries at most this many links: the header stays small whatever the batch size. */
const MAX_FRAME_LINKS = 128;

const OUTCOME: Record<Verdict['kind'], string> = { ok: 'applied', park: 'parked', later: 'later' };

/**
 * A projector batch in traces: one `projector.batch` span (a trace of its own, LINKING every event
 * it carries; the read-model queries are its children), and one `projector.apply` span per event
 * continuing the trace stored with the event (its `traceparent` header: the intent's decide span).
 */
export class ProjectionTrace {
  readonly batch: Span;
  /** Per event of the batch, in order (an event redelivered twice into one batch has two). */
  private readonly applied: Span[] = [];

  constructor(
    carried: readonly JsMsg[],
    private readonly events: readonly EventEnvelope[],
  ) {
    const parents = carried.map((m) => (m.headers?.has('traceparent') ? m.headers.get('traceparent') : undefined));
    this.batch = startSpan('projector.batch', ROOT_CONTEXT, {
      kind: SpanKind.CONSUMER,
      links: linksTo(parents),
      attributes: { 'tilemud.events': events.length },
    });
    events.forEach((e, i) => {
      this.applied[i] = startSpan('projector.apply', contextFrom(parents[i]), {
        kind: SpanKind.CONSUMER,
        links: [{ context: this.batch.spanContext() }],
        attributes: { 'tilemud.world': e.worldId, 'tilemud.seq': e.seq, 'tilemud.event_type': e.type },
      });
      // Republished from the log: a trace of its own that names the intent's trace.
      const stored = parents[i] ? undefined : carried[i]?.headers?.has(HEADER_TRACE_ID) ? carried[i].headers.get(HEADER_TRACE_ID) : undefined;
      if (stored) this.applied[i].setAttribute('tilemud.intent_trace_id', stored);
    });
  }

  /** Runs the batch's work with its span active. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return inSpan(this.batch, fn);
  }

  /** The traceparents of the apply spans of a world's events in (fromSeq, toSeq]: what a delta frame links. */
  frameLinks(worldId: string, fromSeq: number, toSeq: number): string[] {
    const out = this.events.flatMap((e, i) => (e.worldId === worldId && e.seq > fromSeq && e.seq <= toSeq ? [traceparentOf(this.applied[i]!)] : []));
    return [...new Set(out)].slice(-MAX_FRAME_LINKS);
  }

  /** Each event's outcome on its span and a debug line in its trace; every span ended. */
  finish(verdicts: readonly Verdict[], logger: Logger): void {
    this.events.forEach((e, i) => {
      const span = this.applied[i];
      const v = verdicts[i];
      if (!span || !v) return;
      span.setAttribute('tilemud.outcome', OUTCOME[v.kind]);
      inSpan(span, () => logger.debug({ worldId: e.worldId, seq: e.seq, outcome: OUTCOME[v.kind] }, 'event projected'));
      endSpan(span);
    });
    endSpan(this.batch);
  }

  /** Not committed: every span ends with the error (the events are offered again). */
  fail(err: unknown): void {
    for (const s of [...this.applied, this.batch]) endSpan(s, err);
  }
}
