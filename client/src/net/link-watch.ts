import type { PendingIntent } from '../store/state';
import { every, type Clock } from './clock';
import { assessLink, sameLink, type LinkFacts, type LinkHealth } from './link';

/** How often a live link is checked: a stall shows well inside two seconds. */
const LINK_CHECK_MS = 250;

/** What the pending intents say about acks owed: the oldest one on the wire, and how many. */
export function ackFacts(pending: readonly PendingIntent[]): Pick<LinkFacts, 'oldestUnackedAt' | 'unacked'> {
  let oldestUnackedAt: number | null = null;
  let unacked = 0;
  for (const p of pending) {
    if (!p.sent || p.appliedSeq !== undefined || p.sentAt === undefined) continue;
    unacked++;
    oldestUnackedAt = Math.min(oldestUnackedAt ?? Infinity, p.sentAt);
  }
  return { oldestUnackedAt, unacked };
}

/** Re-assesses the link on a timer while live and reports when what it shows changes. */
export class LinkWatch {
  private timer: { stop(): void } | null = null;
  private last: LinkHealth = { state: 'ok' };

  constructor(
    private readonly clock: Clock,
    private readonly facts: () => Omit<LinkFacts, 'now'>,
    private readonly onChange: (link: LinkHealth) => void,
  ) {}

  start(): void {
    this.stop();
    this.timer = every(this.clock, LINK_CHECK_MS, () => this.check());
  }

  /** Now, too (after an ack or a pong, so "unstable" clears at once). */
  check(): void {
    if (!this.timer) return;
    this.report(assessLink({ ...this.facts(), now: this.clock.now() }));
  }

  stop(): void {
    this.timer?.stop();
    this.timer = null;
    this.report({ state: 'ok' });
  }

  private report(link: LinkHealth): void {
    if (sameLink(link, this.last)) return;
    this.last = link;
    this.onChange(link);
  }
}
