/**
 * Whether a live socket is actually answering. A socket can stay "open" for many seconds after
 * the network went away (the browser only notices at TCP timeouts), so the client watches what
 * it is owed: acks for intents on the wire, and the pong for its last ping. Anything owed for
 * longer than UNSTABLE_AFTER_MS makes the link "unstable" at once; the RTT measured before is
 * then stale. Pure: the connection feeds it what it knows and the time.
 */

/** An intent or ping unanswered this long is a stall, not a slow round trip. */
export const UNSTABLE_AFTER_MS = 1500;

export interface LinkFacts {
  now: number;
  /** When the oldest intent on the wire without an ack was sent, and how many there are. */
  oldestUnackedAt: number | null;
  unacked: number;
  /** When the unanswered ping was sent; null when every ping has had its pong. */
  pingSentAt: number | null;
  /** The last round trip measured, and when. */
  rttMs: number | null;
}

export type LinkHealth =
  | { state: 'ok' }
  | {
      state: 'unstable';
      /** Local time since when something has been owed. */
      since: number;
      /** Intents on the wire without an ack, counting those not yet overdue. */
      unacked: number;
      /** A ping is overdue. */
      pingOverdue: boolean;
    };

export function assessLink(f: LinkFacts, afterMs = UNSTABLE_AFTER_MS): LinkHealth {
  const ackOverdue = f.oldestUnackedAt !== null && f.unacked > 0 && f.now - f.oldestUnackedAt >= afterMs;
  const pingOverdue = f.pingSentAt !== null && f.now - f.pingSentAt >= afterMs;
  if (!ackOverdue && !pingOverdue) return { state: 'ok' };
  const since = Math.min(ackOverdue ? f.oldestUnackedAt! : Infinity, pingOverdue ? f.pingSentAt! : Infinity);
  return { state: 'unstable', since, unacked: f.unacked, pingOverdue };
}

/** Whether two assessments would show the same thing (so the view is not churned every tick). */
export function sameLink(a: LinkHealth, b: LinkHealth): boolean {
  if (a.state !== b.state) return false;
  if (a.state === 'ok' || b.state === 'ok') return true;
  return a.since === b.since && a.unacked === b.unacked && a.pingOverdue === b.pingOverdue;
}

/** What the client is waiting for, in words: "2 moves and 1 message", "the reply to a ping". */
export function waitingFor(kinds: readonly string[], pingOverdue: boolean): string {
  const count = new Map<string, number>();
  for (const k of kinds) count.set(k, (count.get(k) ?? 0) + 1);
  const parts = [...count].map(([k, n]) => `${n} ${n === 1 ? k : (PLURAL[k] ?? `${k}s`)}`);
  if (pingOverdue) parts.push('a ping');
  if (!parts.length) return 'the server';
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
const PLURAL: Record<string, string> = { move: 'moves', message: 'messages', action: 'actions' };

/** The round-trip time as the status shows it: stale when a stall makes the last reading meaningless. */
export function rttLabel(rttMs: number | null, link: LinkHealth): string | null {
  if (rttMs === null) return null;
  return link.state === 'unstable' ? `last ${rttMs} ms, stale` : `${rttMs} ms`;
}
