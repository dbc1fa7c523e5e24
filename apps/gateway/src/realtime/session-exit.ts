import type { TicketClaims } from '../session/ticket.store';
import type { ClientSession } from './client-session';
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

/**
 * A session's character on its way out of the world, once the socket is gone (see `exitPlan`):
 * handed over, leaving now, or lingering for the resume window and leaving after it, unless a
 * logout or a newer session ends the wait first.
 */
export class WorldExit {
  /** Settles once the character's leave has been answered (or given up on). */
  leaving: Promise<void> = Promise.resolve();
  private lingerTimer?: NodeJS.Timeout;

  constructor(
    private readonly d: SessionDeps,
    private readonly s: ClientSession,
  ) {}

  /** The socket is gone; `replaced` / `ended` say how it went. */
  begin(claims: TicketClaims, how: { replaced: boolean; ended?: TerminationReason }): void {
    const token = this.s.resumeToken;
    const plan = exitPlan({ ...how, hasResumeToken: !!token }, this.d.config.RESUME_WINDOW_MS);
    if (plan !== 'linger') {
      if (token) void this.d.resume.revoke(claims.playerId, token);
      if (plan === 'handed_over') this.d.onLeft(this.s, false);
      else this.leaveNow(claims);
      return;
    }
    void this.d.resume.linger(token!, this.s.resumeRecord());
    this.d.onLinger(this.s);
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.leaveNow(claims);
    }, this.d.config.RESUME_WINDOW_MS);
    this.lingerTimer.unref();
  }

  /**
   * Ends the resume window early: the player logged out (the character leaves now and the token is
   * spent), or another session of the player has entered on this gateway (it has the character:
   * nothing to leave, only books to close).
   */
  end(claims: TicketClaims, why: 'logout' | 'handed_over'): void {
    if (!this.lingerTimer) return;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.s.resumeToken) void this.d.resume.revoke(claims.playerId, this.s.resumeToken);
    if (why === 'logout') this.leaveNow(claims);
    else this.d.onLeft(this.s, true);
  }

  /** The character leaves the world it is in, after any portal crossing under way has landed. */
  leaveNow(claims: TicketClaims): void {
    this.leaving = (async () => {
      if (this.s.switching) await this.s.switching;
      this.d.onLeft(this.s, await sendLeave(this.d, { worldId: this.s.worldId!, characterId: claims.characterId, name: claims.username, sessionId: this.s.id }));
    })();
  }
}
