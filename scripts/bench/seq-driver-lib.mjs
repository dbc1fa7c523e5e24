// The pure parts of the sequencer-only driver (seq-driver.mjs): the envelopes it publishes, how
// many intents are due at a moment of a step, and the figures of a step. No I/O.

export const DIRECTIONS = ['north', 'south', 'east', 'west'];

/** The gateway id the driver's answers come to (`<prefix>.acks.<id>`). */
export const DRIVER_GATEWAY = 'bench-seqsat';

/** A player's enter (or leave) of its world, as a gateway sends it (wire.ts, kind 'system'). */
export function systemEnvelope(player, op, requestId) {
  return {
    kind: 'system',
    worldId: player.worldId,
    characterId: player.characterId,
    op,
    name: player.name,
    sessionId: player.sessionId,
    home: op === 'enter' ? true : undefined,
    requestId,
    gatewayId: DRIVER_GATEWAY,
    acks: 'batch',
  };
}

/** A move, as a gateway sends a player's intent (wire.ts, kind 'player'). */
export function moveEnvelope(player, intentSeq, direction, now) {
  return {
    kind: 'player',
    worldId: player.worldId,
    characterId: player.characterId,
    intentSeq,
    intent: { type: 'move', direction },
    gatewayId: DRIVER_GATEWAY,
    sessionId: player.sessionId,
    receivedAt: now,
    acks: 'batch',
  };
}

/** The answers in one ack message: a batch (`{acks: [...]}`) or a single ack. */
export function answersOf(body) {
  return Array.isArray(body?.acks) ? body.acks : body ? [body] : [];
}

/** Intents due by `elapsedMs` into a step offered at `perSec`, minus those already sent. */
export function dueNow(perSec, elapsedMs, sent) {
  return Math.max(0, Math.floor((perSec * elapsedMs) / 1000) - sent);
}

/** p-th percentile of sorted numbers (nearest rank); null when empty. */
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * A step's figures. `latencies`: ms from publish to answer of the step's intents that were
 * answered; `ackedInWindow`: answers (to any step) that arrived during the drive.
 */
export function stepFigures({ offered, durationS, sent, latencies, ackedInWindow, byStatus, byCode, loopDelayP99Ms }) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (x) => (x === null ? null : Math.round(x * 100) / 100);
  return {
    offeredPerSec: offered,
    sentPerSec: round(sent / durationS),
    acksPerSec: round(ackedInWindow / durationS),
    sent,
    answered: latencies.length,
    unanswered: sent - latencies.length,
    ackMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? null) },
    byStatus,
    byCode,
    driverLoopDelayP99Ms: round(loopDelayP99Ms),
    // The driver could not offer the load (it sent under 95 % of it, or its own loop ran late).
    harnessSaturated: sent < 0.95 * offered * durationS || loopDelayP99Ms > 50,
  };
}
