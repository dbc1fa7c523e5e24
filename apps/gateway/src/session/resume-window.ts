import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { CONFIG } from '../tokens';

/** Why a resume window closed: it ran out, the player logged out, or a newer session of the player took the character here. */
export type WindowEnd = 'expired' | 'logout' | 'handed_over';

/** A session whose socket is gone and whose character waits in its world for the client to come back. */
export interface Lingerer {
  sessionId: string;
  playerId: string;
  /** When its ticket was issued (a logout voids what was issued before it). */
  issuedAt: number;
}

interface Entry extends Lingerer {
  /** When the socket went (epoch ms): presence dates the character's entry from it. */
  since: number;
  /** Pending while the window runs; cleared once it has closed (the character is then on its way out). */
  timer: NodeJS.Timeout | undefined;
  onEnd: (why: WindowEnd) => void;
}

/**
 * The one owner of every resume window on this gateway, as a Colyseus room owns its
 * allowReconnection: which sessions linger, since when, and the timer that ends each window.
 * A window closes once (it runs out, or a logout or a newer session ends it early); its entry
 * stays until the character's leave has been answered (`release`), so that presence keeps the
 * character listed as away, not live, meanwhile.
 */
@Injectable()
export class ResumeWindow {
  private readonly entries = new Map<string, Entry>();
  readonly ms: number;

  constructor(@Inject(CONFIG) config: Pick<GatewayConfig, 'RESUME_WINDOW_MS'>) {
    this.ms = config.RESUME_WINDOW_MS;
  }

  /** The socket went: the character stays for the window; `onEnd` is told once how the window closed. */
  open(who: Lingerer, onEnd: (why: WindowEnd) => void): void {
    const timer = setTimeout(() => this.close(who.sessionId, 'expired'), this.ms);
    timer.unref();
    this.entries.set(who.sessionId, { ...who, since: Date.now(), timer, onEnd });
  }

  /** Ends a window early; nothing when it has already closed. */
  end(sessionId: string, why: 'logout' | 'handed_over'): void {
    this.close(sessionId, why);
  }

  private close(sessionId: string, why: WindowEnd): void {
    const e = this.entries.get(sessionId);
    if (!e?.timer) return;
    clearTimeout(e.timer);
    e.timer = undefined;
    e.onEnd(why);
  }

  /** The character is out of its world (or handed over): the session's books are closed. */
  release(sessionId: string): void {
    const e = this.entries.get(sessionId);
    if (e?.timer) clearTimeout(e.timer);
    this.entries.delete(sessionId);
  }

  /** When the session's socket went, while it lingers (or is leaving after its window). */
  since(sessionId: string): number | undefined {
    return this.entries.get(sessionId)?.since;
  }

  /** The player's sessions lingering here (including those whose window has closed but whose leave is not yet answered). */
  of(playerId: string): Lingerer[] {
    return [...this.entries.values()].filter((e) => e.playerId === playerId).map(({ sessionId, playerId: p, issuedAt }) => ({ sessionId, playerId: p, issuedAt }));
  }

  get count(): number {
    return this.entries.size;
  }
}
