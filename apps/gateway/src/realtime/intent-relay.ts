import { ErrorCode, makeError, ServerMessage } from '@tilemud/contracts';
import { ClientIntent, contextFrom, inSpan, setOutcome, SpanKind, startSpan } from '@tilemud/runtime';
import type { SessionDeps } from './session-deps';
import type { LimitedIntent, SessionRules } from './session-rules';

/**
 * Hands one intent to the pipeline, stamped with the session's own character and world (whatever
 * the frame named), once the character's rate limit allows it. Returns what to tell the client
 * when it was not handed on (and whether that counts against the client, as a limited frame
 * does); otherwise the sequencer's ack answers it later.
 */
export async function relayIntent(
  d: SessionDeps,
  rules: SessionRules,
  who: { sessionId: string; characterId: string; worldId: string },
  kind: LimitedIntent,
  intentSeq: number,
  intent: ClientIntent,
  traceparent?: string,
): Promise<{ message: ServerMessage; strike: boolean } | null> {
  // The intent's trace: the client's (its W3C traceparent, checked by the schema), or one begun here.
  const span = startSpan('gateway.intent', contextFrom(traceparent), {
    kind: SpanKind.SERVER,
    attributes: { 'tilemud.world': who.worldId, 'tilemud.intent_seq': intentSeq, 'tilemud.intent': kind, 'tilemud.client_trace': traceparent !== undefined },
  });
  return inSpan(span, async () => {
    d.logger.debug({ sessionId: who.sessionId, characterId: who.characterId, intentSeq, kind }, 'intent received');
    try {
      const refused = await relay(d, rules, who, kind, intentSeq, intent);
      if (refused && 'error' in refused.message && refused.message.error) setOutcome(span, { status: 'rejected', error: refused.message.error });
      return refused;
    } finally {
      span.end();
    }
  });
}

async function relay(
  d: SessionDeps,
  rules: SessionRules,
  who: { sessionId: string; characterId: string; worldId: string },
  kind: LimitedIntent,
  intentSeq: number,
  intent: ClientIntent,
): Promise<{ message: ServerMessage; strike: boolean } | null> {
  const limited = await rules.admit(kind, who.characterId); // counts as activity (idle clock) either way
  if (limited) {
    d.metrics.rateLimit(kind);
    return { message: { type: 'event.error', intentSeq, error: limited }, strike: true };
  }
  // PostgreSQL or NATS down: refused at once (retryable) rather than left to time out.
  const down = d.health.refusal();
  if (down) return { message: { type: 'event.ack', intentSeq, status: 'rejected', error: down }, strike: false };
  try {
    await d.bus.publish({ kind: 'player', worldId: who.worldId, characterId: who.characterId, intentSeq, intent, gatewayId: d.bus.gatewayId, sessionId: who.sessionId, receivedAt: Date.now() });
    return null;
  } catch (err) {
    d.logger.warn({ err: (err as Error).message }, 'intent publish failed');
    const error = makeError(ErrorCode.UNAVAILABLE, 'the intent could not be queued; retry it');
    return { message: { type: 'event.ack', intentSeq, status: 'rejected', error }, strike: false };
  }
}
