import type { ResumeRecord } from '../session/resume.store';
import type { WindowEnd } from '../session/resume-window';
import type { TicketClaims } from '../session/ticket.store';
import type { SessionPorts, TerminationReason } from './session-ports';

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

/** A character in its world whose socket is gone. `worldId()` is read when the leave goes (a crossing may move it). */
export interface Exiting {
  claims: TicketClaims;
  worldId(): string;
  /** Set while the session is playing: the token a client may resume with. */
  resumeToken?: string | undefined;
  /** Why the server ended the session, when it did. */
  by?: TerminationReason | undefined;
  record(): ResumeRecord;
}

/** What the exit tells its session. */
export interface ExitHost {
  /** A portal crossing under way: the leave goes to the world it lands in. */
  switching(): Promise<void> | null;
  /** The resume window closed: the session is over. */
  windowClosed(): void;
  /** The character's leave was answered (`confirmed` when applied), or it was handed to a newer session. */
  left(confirmed: boolean): void;
}

/**
 * A session's character on its way out of the world, once the socket is gone (see `exitPlan`):
 * handed over, leaving now, or lingering for the resume window (ResumeWindow) and leaving after
 * it, unless a logout or a newer session ends the wait first.
 */
export class WorldExit {
  /** Settles once the character's leave has been answered (or given up on). */
  leaving: Promise<void> = Promise.resolve();

  constructor(
    private readonly p: Pick<SessionPorts, 'tokens' | 'world' | 'window'>,
    private readonly sessionId: string,
    private readonly host: ExitHost,
  ) {}

  /** True when the character lingers (the window is open); otherwise it is handed over or leaving. */
  begin(x: Exiting): boolean {
    const token = x.resumeToken;
    const plan = exitPlan({ replaced: x.by === 'replaced', ended: x.by, hasResumeToken: token !== undefined }, this.p.window.ms);
    if (plan === 'linger' && token !== undefined) {
      void this.p.tokens.linger(token, x.record());
      const who = { sessionId: this.sessionId, playerId: x.claims.playerId, issuedAt: x.claims.issuedAt };
      this.p.window.open(who, (why) => this.windowClosed(why, x, token));
      return true;
    }
    if (token !== undefined) void this.p.tokens.revoke(x.claims.playerId, token);
    if (plan === 'handed_over') this.host.left(false);
    else this.leaveNow(x);
    return false;
  }

  /**
   * The window ran out: the character leaves. Or it was ended early: the player logged out (the
   * character leaves now, the token is spent), or a newer session of the player has entered on
   * this gateway (it has the character: nothing to leave, only books to close).
   */
  private windowClosed(why: WindowEnd, x: Exiting, token: string): void {
    this.host.windowClosed();
    if (why !== 'expired') void this.p.tokens.revoke(x.claims.playerId, token);
    if (why === 'handed_over') this.host.left(true);
    else this.leaveNow(x);
  }

  /** The character leaves the world it is in, after any portal crossing under way has landed. */
  leaveNow(x: Pick<Exiting, 'claims' | 'worldId'>): void {
    this.leaving = (async () => {
      const crossing = this.host.switching();
      if (crossing) await crossing;
      const who = { worldId: x.worldId(), characterId: x.claims.characterId, name: x.claims.username, sessionId: this.sessionId };
      this.host.left(await this.p.world.leave(who));
    })();
  }
}
