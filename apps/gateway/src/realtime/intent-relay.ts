import { ErrorCode, makeError, ServerMessage } from '@tilemud/contracts';
import type { ClientIntent } from '@tilemud/runtime';
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
