import type { SessionDeps, TerminationReason } from './session-deps';
import { leaveWorld } from './world-entry';

/** What becomes of a character once its session's socket is gone. */
export type ExitPlan = 'handed_over' | 'leave_now' | 'linger';

/**
 * Pure. Replaced: nothing (its successor has the character; should it never arrive, presence
 * expiry sends the leave). Logged out or idle: it leaves now. Otherwise (a dropped or timed-out
 * socket, a gateway shutting down) it stays for the resume window, so that a client coming back
 * on any gateway finds it where it was and the others see no leave and rejoin; then it leaves (a
 * leave naming this session changes nothing once a resumed session has the character).
 */
export function exitPlan(s: { replaced: boolean; ended?: TerminationReason; hasResumeToken: boolean }, resumeWindowMs: number): ExitPlan {
  if (s.replaced) return 'handed_over';
  if (s.ended === 'logout' || s.ended === 'idle_timeout' || resumeWindowMs === 0 || !s.hasResumeToken) return 'leave_now';
  return 'linger';
}

/** Sends the character's leave for this session; true once the world has applied it. */
export function sendLeave(d: SessionDeps, who: { worldId: string; characterId: string; name: string; sessionId: string }): Promise<boolean> {
  return leaveWorld(d.bus, who, 10_000)
    .then(() => true)
    .catch((err) => (d.logger.warn({ err: (err as Error).message }, 'leave not confirmed'), false));
}
