import type { MsgHdrs } from '@nats-io/transport-node';
import { contextFrom, HEADER_TRACE_LINKS, linksTo, Span, SpanKind, startSpan } from '@tilemud/runtime';
import type { Delta } from './delta';

/** A frame's span links at most this many traces (a merged frame may carry many intents). */
const MAX_LINKS = 128;

/** The trace context each projector delta arrived with: its `traceparent` and the events' apply spans. */
const traced = new WeakMap<Delta, { parent?: string; links: string[] }>();

export function noteTrace(d: Delta, headers: MsgHdrs | undefined): void {
  if (!headers?.has('traceparent')) return;
  const links = headers.has(HEADER_TRACE_LINKS) ? headers.get(HEADER_TRACE_LINKS).split(',') : [];
  traced.set(d, { parent: headers.get('traceparent'), links });
}

/**
 * One `gateway.fanout` span per frame sent to a world's sessions: under the projector's delta span
 * of its last part, LINKING the projector apply span of every event it carries, so each intent's
 * trace reaches the send that showed its effect. Parts that came without trace context add nothing.
 */
export function fanoutSpan(frame: Delta, parts: readonly Delta[], sessions: number): Span {
  const mine = parts.filter((p) => p.worldId === frame.worldId && p.seq > frame.prevSeq && p.seq <= frame.seq).map((p) => traced.get(p));
  const last = mine.filter((t) => t?.parent).pop();
  return startSpan('gateway.fanout', contextFrom(last?.parent), {
    kind: SpanKind.PRODUCER,
    links: linksTo(mine.flatMap((t) => t?.links ?? []).slice(-MAX_LINKS)),
    attributes: { 'tilemud.world': frame.worldId, 'tilemud.seq': frame.seq, 'tilemud.sessions': sessions },
  });
}
