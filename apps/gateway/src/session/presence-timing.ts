/**
 * Pure: when a presence entry counts as lost. Every entry in a world's presence set is scored by
 * its deadline (epoch ms), not by when it was last seen, so that whoever reaps it (any gateway,
 * or the next one to start) needs to know nothing about the session but the score.
 *
 * - A live session's entry is re-dated at each beat of its gateway. Should the gateway die, its
 *   sockets drop with it, at most one interval after the last beat, and the players' resume window
 *   starts then: the deadline is the beat plus one interval plus the window (at least three
 *   intervals, so that a late beat never loses a live session when there is no window).
 * - A lingering session's entry (its socket gone, its character waiting out the resume window) is
 *   dated once, when the socket went: the window, plus half an interval in which the owning
 *   gateway's own timer normally sends the leave first. It is never pushed back by later beats, so
 *   a gateway that dies holding it leaves nothing that outlives the window.
 *
 * The reaper wakes at the earliest deadline, so a character whose session ended leaves within the
 * resume window plus one interval, whatever became of its gateway.
 */
export interface PresenceTiming {
  intervalMs: number;
  resumeWindowMs: number;
}

/** Heartbeats a live gateway may miss before its sessions are shown away (it is presumed dead). */
export const MISSED_BEATS_AWAY = 2;

export function liveGraceMs(t: PresenceTiming): number {
  return Math.max(t.resumeWindowMs + t.intervalMs, 3 * t.intervalMs);
}

/** The deadline a live session's entry gets at a beat at `beatAt`. */
export function liveDeadline(beatAt: number, t: PresenceTiming): number {
  return beatAt + liveGraceMs(t);
}

/** The deadline of a lingering session's entry whose socket went at `since`. */
export function lingerDeadline(since: number, t: PresenceTiming): number {
  return since + t.resumeWindowMs + Math.floor(t.intervalMs / 2);
}

/**
 * A live entry (not marked away) whose gateway has missed MISSED_BEATS_AWAY beats by `now`: its
 * players' sockets are gone with it, so they are shown away until they resume or the deadline.
 */
export function missedBeats(deadline: number, now: number, t: PresenceTiming): boolean {
  const lastBeat = deadline - liveGraceMs(t);
  return now >= lastBeat + MISSED_BEATS_AWAY * t.intervalMs && now < deadline;
}

/** A presence set member: who, which session, and whether its character has been shown away. */
export interface PresenceEntry {
  characterId: string;
  sessionId: string;
  name: string;
  away?: true;
}

/** The member string; the same entry always gives the same string (ZREM finds it). */
export function encodeEntry(e: PresenceEntry): string {
  return JSON.stringify(e.away ? { characterId: e.characterId, sessionId: e.sessionId, name: e.name, away: true } : { characterId: e.characterId, sessionId: e.sessionId, name: e.name });
}

export function decodeEntry(member: string): PresenceEntry | undefined {
  try {
    const e = JSON.parse(member) as Partial<PresenceEntry>;
    if (typeof e.characterId !== 'string' || typeof e.sessionId !== 'string' || typeof e.name !== 'string') return undefined;
    return { characterId: e.characterId, sessionId: e.sessionId, name: e.name, ...(e.away === true ? { away: true as const } : {}) };
  } catch {
    return undefined;
  }
}
