import { ErrorBody, ErrorCode, makeError, ServerMessage } from '@tilemud/contracts';
import { ClientIntent, contextFrom, inSpan, Logger, setOutcome, SpanKind, startSpan } from '@tilemud/runtime';
import type { GatewayMetrics } from '../system/gateway-metrics';
import type { IntentBus } from './intent.bus';

/** Where an intent goes: the bus, unless a dependency it needs is down (then it is refused at once). */
export interface RelayPorts {
  bus: Pick<IntentBus, 'publish' | 'gatewayId'>;
  health: { refusal(): ErrorBody | undefined };
  metrics: Pick<GatewayMetrics, 'rateLimit'>;
  logger: Logger;
}

/** What the client is told when its intent was not handed on; `strike`: it counts against the client. */
export interface Refused {
  message: ServerMessage;
  strike: boolean;
}

/** Who an intent is from, as the session knows it (never as the frame says). */
export interface Sender {
  sessionId: string;
  characterId: string;
  worldId: string;
}
import type { LimitedIntent, SessionRules } from './session-rules';

type Admission = Pick<SessionRules, 'admit'>;

/**
 * Hands one intent to the pipeline, stamped with the session's own character and world (whatever
 * the frame named), once the character's rate limit allows it. Returns what to tell the client
 * when it was not handed on (and whether that counts against the client, as a limited frame
 * does); otherwise the sequencer's ack answers it later.
 */
export async function relayIntent(d: RelayPorts, rules: Admission, who: Sender, kind: LimitedIntent, intentSeq: number, intent: ClientIntent, traceparent?: string): Promise<Refused | null> {
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

async function relay(d: RelayPorts, rules: Admission, who: Sender, kind: LimitedIntent, intentSeq: number, intent: ClientIntent): Promise<Refused | null> {
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
