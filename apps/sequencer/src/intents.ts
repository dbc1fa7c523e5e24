import { findIllFormed, findIllFormedDeep, stripBidiControls } from '@tilemud/contracts';
import { ACTIONS, type WorldCommand } from '@tilemud/domain';
import { IntentEnvelopeSchema, type AckEnvelope, type IntentEnvelope, type OutcomeError } from '@tilemud/runtime';
import type { StoredOutcome } from './event-log';

/** The acknowledgement fields that depend on the outcome. */
export type Outcome = Omit<AckEnvelope, 'sessionId' | 'characterId' | 'worldId'>;

/**
 * An intent as the domain sees it: time and ids stamped here, never inside the domain. Chat text
 * and names lose their bidirectional controls here, the one place every intent passes on its way
 * to the log (the gateway's parse removes them from chat too; an envelope put on the bus by other
 * means must not get them stored either).
 */
export function toCommand(env: IntentEnvelope, now: string): WorldCommand {
  switch (env.kind) {
    case 'system':
      return systemCommand(env);
    case 'handover':
      return { type: 'arrive', handover: env.handover };
    case 'player': {
      const i = env.intent;
      switch (i.type) {
        case 'move':
          return { type: 'move', characterId: env.characterId, direction: i.direction };
        case 'chat':
          return { type: 'chat', characterId: env.characterId, text: stripBidiControls(i.text), channel: i.channel, messageId: `${env.characterId}:${env.intentSeq}`, at: now };
        case 'action':
          return { type: 'action', characterId: env.characterId, payload: i.payload };
      }
    }
  }
}

function systemCommand(env: Extract<IntentEnvelope, { kind: 'system' }>): WorldCommand {
  switch (env.op) {
    case 'enter':
      return { type: 'enter', characterId: env.characterId, name: stripBidiControls(env.name), sessionId: env.sessionId ?? env.requestId, home: env.home ?? false };
    case 'away':
      return { type: 'away', characterId: env.characterId, sessionId: env.sessionId ?? env.requestId };
    case 'leave':
      return { type: 'leave', characterId: env.characterId, sessionId: env.sessionId };
  }
}

/** Who hears about an intent's outcome, or undefined for a hand-over (no gateway waits on it). */
export function ackFor(env: IntentEnvelope, outcome: Outcome): { gatewayId: string; ack: AckEnvelope } | undefined {
  if (env.kind === 'handover') return undefined;
  const ack: AckEnvelope = {
    sessionId: env.kind === 'player' ? env.sessionId : (env.sessionId ?? env.requestId),
    characterId: env.characterId,
    worldId: env.worldId,
    ...(env.kind === 'player' ? { intentSeq: env.intentSeq } : { requestId: env.requestId }),
    ...outcome,
  };
  return { gatewayId: env.gatewayId, ack };
}

export const unavailable = (message: string): OutcomeError => ({ code: 'UNAVAILABLE', category: 'unavailable', message, retryable: true });

/** A multi-step action whose append failed part way: nothing of it was kept. */
export const atomicRollback = (): OutcomeError => ({
  code: 'ACTION_ATOMIC_ROLLBACK',
  category: 'domain',
  message: 'the action could not be stored; nothing of it was kept. Retry it.',
  retryable: true,
  details: { cause: 'APPEND_FAILED' },
});

/** Retryable domain refusals: the world is in the middle of something that will finish by itself. */
export const RETRYABLE_DOMAIN_CODES = new Set(['CHARACTER_IN_TRANSIT']);

/**
 * An action of more steps than one (the domain's registry says which: a give): its failed append is
 * answered ACTION_ATOMIC_ROLLBACK (nothing of it kept).
 */
export function isMultiStep(env: IntentEnvelope): boolean {
  return env.kind === 'player' && env.intent.type === 'action' && ACTIONS.isMultiStep(env.intent.payload.action);
}

/**
 * A resend's original outcome could not be read after the batch committed: nothing may throw
 * there (the batch's other intents are already acked), so it is answered retryable, and its next
 * resend is answered with the original.
 */
export const lookupFailed: Outcome = { status: 'rejected', error: unavailable('the original outcome could not be read; retry the intent') };

export function toStored(o: Outcome): StoredOutcome {
  if (o.status === 'applied') return { status: 'applied', seq: o.seq!, ...(o.handover ? { handover: o.handover } : {}) };
  return { status: 'rejected', code: o.error!.code, message: o.error!.message, ...(o.error!.details ? { details: o.error!.details } : {}) };
}

/** The answer to a resend: its original outcome, or stale when it was never decided (skipped by the client). */
export function resendAnswer(original: StoredOutcome | undefined): Outcome {
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

/** What the sequencer makes of a message on the intents subject, before any batch sees it. */
export type Screened =
  | { ok: true; env: IntentEnvelope }
  /** Well addressed, but holding a string the log cannot store: answered alone, never decided. */
  | { ok: false; env: IntentEnvelope; error: OutcomeError }
  /** Not an intent anyone can be answered about: terminated and logged. */
  | { ok: false; env?: undefined; why: string };

/**
 * The gateway validates every client frame, but whatever is published on the intents subject (a
 * buggy or older gateway, a tool) is checked again here: a string the event log refuses (a lone
 * surrogate, NUL) would otherwise fail the group commit of every intent batched with it.
 */
export function screen(data: unknown): Screened {
  const parsed = IntentEnvelopeSchema.safeParse(data);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { ok: false, why: `not an intent envelope: ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid'}` };
  }
  const env = parsed.data;
  const bad = findIllFormedDeep(env);
  if (!bad) return { ok: true, env };
  const where = `${bad.path}: ${bad.reason} ${bad.codePoint} at index ${bad.index}`;
  // The answer goes to the subject and session the envelope names: only when those are sound.
  const address = [env.worldId, env.kind === 'handover' ? undefined : env.gatewayId, env.kind === 'player' ? env.sessionId : env.kind === 'system' ? (env.sessionId ?? env.requestId) : undefined];
  if (env.kind === 'handover' || address.some((a) => a !== undefined && findIllFormed(a) !== undefined)) return { ok: false, why: `unanswerable envelope with an ill-formed string (${where})` };
  return {
    ok: false,
    env,
    error: {
      code: 'SCHEMA_VALIDATION_FAILED',
      category: 'validation',
      message: `the intent holds a string that cannot be stored (${where})`,
      retryable: false,
      details: { path: bad.path, reason: bad.reason, codePoint: bad.codePoint, index: bad.index },
    },
  };
}

/**
 * The event log refused this intent for its content (it passed every check, yet PostgreSQL would
 * not store it): it never will, so it is refused for good, not UNAVAILABLE.
 */
export const unstorable = (sqlstate: string | undefined): OutcomeError => ({
  code: 'VALIDATION_FAILED',
  category: 'validation',
  message: 'the event log cannot store this intent; sending it again will not help',
  retryable: false,
  details: { cause: 'LOG_REFUSED', ...(sqlstate ? { sqlstate } : {}) },
});

/** The category a stored rejection had when it was first answered: the game's rules, or `unstorable`. */
export function categoryOf(code: string): string {
  return code === 'VALIDATION_FAILED' ? 'validation' : 'domain';
}
