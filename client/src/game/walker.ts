import type { Direction } from '@tilemud/contracts';
import type { Clock } from '../net/clock';
import { MOVE_MIN_INTERVAL_MS } from '../net/intents';
import type { Step, Tile } from './path';

/** A key held this long starts repeating (a tap stays one step). */
export const HOLD_DELAY_MS = 200;
/** Key presses queued ahead at most; beyond that the oldest are dropped. */
const QUEUE_MAX = 16;
/** Refused or impossible steps on one walk before the walk is given up. */
export const WALK_GIVE_UP = 3;

export interface WalkerDeps {
  clock: Clock;
  /** Sends one move now; false when it cannot go yet (rate, too many in flight, not live). */
  send(d: Direction): boolean;
  /** Whether moves can be sent at all (live); when not, everything queued is dropped. */
  canMove(): boolean;
  /** The next step towards a tile, planned on the client's map. */
  plan(target: Tile): Step;
  /** A walk ended: arrived, or why not. */
  onWalkEnd?(outcome: 'arrived' | 'no_path' | 'cancelled'): void;
}

/**
 * Turns key presses, held keys, the direction pad and tap-to-move into moves at the allowed
 * rate: presses closer together than the rate are queued, not dropped; a held key repeats; a
 * walk to a tile is re-planned before every step, so it goes round what blocks it.
 */
export class Walker {
  private queue: Direction[] = [];
  private held: { d: Direction; since: number } | null = null;
  private target: Tile | null = null;
  private misses = 0;
  private timer: unknown = null;
  private lastSentAt = -Infinity;

  constructor(private readonly o: WalkerDeps) {}

  /** One step (a key press, a pad tap, a swipe): any walk stops. */
  press(d: Direction): void {
    this.endWalk('cancelled');
    this.queue.push(d);
    if (this.queue.length > QUEUE_MAX) this.queue.shift();
    this.pump();
  }

  /** A key or pad button went down: one step now, more while it stays down. */
  hold(d: Direction): void {
    this.held = { d, since: this.o.clock.now() };
    this.press(d);
  }

  release(d?: Direction): void {
    if (!d || this.held?.d === d) this.held = null;
  }

  walkTo(target: Tile): void {
    this.queue = [];
    this.held = null;
    this.target = target;
    this.misses = 0;
    this.pump();
  }

  /** A move of this walk was refused by the server: counts towards giving up. */
  refused(): void {
    if (this.target && ++this.misses >= WALK_GIVE_UP) this.endWalk('no_path');
  }

  get walking(): Tile | null {
    return this.target;
  }

  stop(): void {
    this.queue = [];
    this.held = null;
    this.endWalk('cancelled');
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private endWalk(outcome: 'arrived' | 'no_path' | 'cancelled'): void {
    if (!this.target) return;
    this.target = null;
    this.o.onWalkEnd?.(outcome);
  }

  /** Sends the next move if the rate allows, and comes back when the next one may go. */
  private pump(): void {
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
    if (!this.o.canMove()) {
      this.stop();
      return;
    }
    const now = this.o.clock.now();
    const wait = this.lastSentAt + MOVE_MIN_INTERVAL_MS - now;
    if (wait <= 0) {
      const next = this.next(now);
      if (next && this.o.send(next.d)) {
        this.lastSentAt = now;
        if (next.fromQueue) this.queue.shift();
      }
    }
    if (this.queue.length || this.target || this.held) {
      this.timer = this.o.clock.setTimeout(() => this.pump(), Math.max(wait, MOVE_MIN_INTERVAL_MS / 4));
    }
  }

  private next(now: number): { d: Direction; fromQueue: boolean } | null {
    if (this.queue.length) return { d: this.queue[0]!, fromQueue: true };
    if (this.target) {
      const step = this.o.plan(this.target);
      if (step.kind === 'step') return { d: step.direction, fromQueue: false };
      this.endWalk(step.kind);
      return null;
    }
    if (this.held && now - this.held.since >= HOLD_DELAY_MS) return { d: this.held.d, fromQueue: false };
    return null;
  }
}
