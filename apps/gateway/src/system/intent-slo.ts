import { ErrorCode } from '@tilemud/contracts';

/** An intent answered applied, rejected or duplicate within this is good for the SLO. */
export const SLO_GOOD_WITHIN_MS = 200;

export type IntentType = 'move' | 'chat' | 'action';
type IntentOutcome = 'applied' | 'rejected' | 'duplicate' | 'error';

/** Codes that are the service failing, not the player's move being refused: `error`, and bad for the SLO. */
const SERVER_FAULTS = new Set<string>([ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL, ErrorCode.CAPACITY_EXCEEDED]);

export interface Classified {
  outcome: IntentOutcome;
  /** The contract's error code, "" when none (a bounded label). */
  code: string;
  /** Counts toward the SLO at all (a rate-limited intent is the client's doing: not counted). */
  slo: boolean;
  good: boolean;
}

/**
 * Pure: an intent's answer as operators count it. The sequencer's `rejected` (a wall, a stale seq)
 * is the game working; UNAVAILABLE, INTERNAL and CAPACITY_EXCEEDED are the service failing,
 * whatever status carried them; `timeout` is an intent never answered. Rate-limited intents are
 * counted but not part of the SLO: a flood must neither pad nor burn the error budget.
 */
export function classifyAnswer(answer: { status: 'applied' | 'rejected' | 'duplicate' | 'timeout'; code?: string | undefined }, elapsedMs: number): Classified {
  if (answer.status === 'timeout') return { outcome: 'error', code: 'TIMEOUT', slo: true, good: false };
  const code = answer.code ?? '';
  if (code === ErrorCode.RATE_LIMITED) return { outcome: 'rejected', code, slo: false, good: false };
  if (SERVER_FAULTS.has(code)) return { outcome: 'error', code, slo: true, good: false };
  return { outcome: answer.status, code, slo: true, good: elapsedMs <= SLO_GOOD_WITHIN_MS };
}

interface Pending {
  type: IntentType;
  at: number;
}

/**
 * The intents this gateway handed on and has not yet answered, by session and intentSeq: their
 * answer's latency, the age of the oldest (a health cause) and those never answered (timeouts).
 * A session that closes drops its own: an ack it can no longer receive is not the service's fault.
 */
export class PendingIntents {
  private readonly bySession = new Map<string, Map<number, Pending>>();

  begin(sessionId: string, intentSeq: number, type: IntentType, at: number): void {
    let m = this.bySession.get(sessionId);
    if (!m) this.bySession.set(sessionId, (m = new Map<number, Pending>()));
    m.set(intentSeq, { type, at });
  }

  /** The intent answered now: its type and how long it waited, if it was pending. */
  end(sessionId: string, intentSeq: number, now: number): { type: IntentType; elapsedMs: number } | undefined {
    const m = this.bySession.get(sessionId);
    const p = m?.get(intentSeq);
    if (!m || !p) return undefined;
    m.delete(intentSeq);
    if (!m.size) this.bySession.delete(sessionId);
    return { type: p.type, elapsedMs: now - p.at };
  }

  dropSession(sessionId: string): void {
    this.bySession.delete(sessionId);
  }

  /** Removes and returns the intents waiting longer than `timeoutMs`. */
  expire(now: number, timeoutMs: number): IntentType[] {
    const out: IntentType[] = [];
    for (const [sid, m] of this.bySession) {
      for (const [seq, p] of m) {
        if (now - p.at <= timeoutMs) continue;
        m.delete(seq);
        out.push(p.type);
      }
      if (!m.size) this.bySession.delete(sid);
    }
    return out;
  }

  oldestAgeMs(now: number): number {
    let oldest = now;
    for (const m of this.bySession.values()) for (const p of m.values()) oldest = Math.min(oldest, p.at);
    return now - oldest;
  }
}
