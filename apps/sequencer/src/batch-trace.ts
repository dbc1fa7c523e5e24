import type { MsgHdrs } from '@nats-io/transport-node';
import { endSpan, inSpan, IntentEnvelope, Logger, Span, SpanKind, setOutcome, spanFromHeaders, startSpan } from '@tilemud/runtime';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Outcome } from './intents';

/** An intent taken into a batch: its decide span, a child of the gateway's publish (from the headers). */
export function traceDecide(headers: MsgHdrs | undefined, env: IntentEnvelope): Span {
  const span = spanFromHeaders('sequencer.decide', headers);
  span.setAttributes({ 'tilemud.world': env.worldId, 'tilemud.character': env.characterId, ...(env.kind === 'player' ? { 'tilemud.intent_seq': env.intentSeq } : {}) });
  return span;
}

/**
 * The group commit in traces. One `sequencer.append` span per batch, in a trace of its own (it has
 * no one parent: it carries many intents) with a LINK to every intent's decide span; the
 * PostgreSQL instrumentation's query span is its child. Each intent's trace gets a
 * `sequencer.commit` child of its decide span over the same time, linking back to the batch span:
 * every intent's trace shows its append, and no parent id is made up.
 */
export async function traceAppend(decided: readonly Span[], attrs: { events: number; rejections: number; worlds: readonly string[] }, append: () => Promise<void>): Promise<void> {
  const batch = startSpan('sequencer.append', ROOT_CONTEXT, {
    kind: SpanKind.CLIENT,
    links: decided.map((s) => ({ context: s.spanContext() })),
    attributes: {
      'tilemud.intents': decided.length,
      'tilemud.events': attrs.events,
      'tilemud.rejections': attrs.rejections,
      ...(attrs.worlds.length === 1 ? { 'tilemud.world': attrs.worlds[0]! } : {}),
    },
  });
  const commits = decided.map((s) =>
    startSpan('sequencer.commit', trace.setSpan(ROOT_CONTEXT, s), { links: [{ context: batch.spanContext() }], attributes: { 'tilemud.batch_intents': decided.length } }),
  );
  try {
    await inSpan(batch, append);
  } catch (err) {
    for (const s of [batch, ...commits]) endSpan(s, err);
    throw err;
  }
  for (const s of [batch, ...commits]) endSpan(s);
}

/** An intent answered: its outcome on its decide span, a debug line in its trace, the span ended. */
export function traceAnswer(span: Span, env: IntentEnvelope, outcome: Outcome, logger: Logger): void {
  setOutcome(span, outcome);
  inSpan(span, () =>
    logger.debug(
      {
        worldId: env.worldId,
        characterId: env.characterId,
        ...(env.kind === 'player' ? { intentSeq: env.intentSeq } : env.kind === 'system' ? { op: env.op } : { kind: env.kind }),
        outcome: outcome.status,
        ...(outcome.error ? { code: outcome.error.code } : {}),
      },
      'intent answered',
    ),
  );
  endSpan(span);
}

/** A batch that did not commit: its intents' decide spans end with the error (each is decided again). */
export function traceFailed(spans: readonly Span[], err: unknown): void {
  for (const s of spans) endSpan(s, err);
}
