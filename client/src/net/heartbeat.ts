import type { Clock } from './clock';
import { every } from './clock';

/** Application pings while live: the round-trip time, and a socket that went silent. */
export class Heartbeat {
  private timer: { stop(): void } | null = null;
  private waitingSince: number | null = null;
  rttMs: number | null = null;

  /** When the ping still without a pong was sent; null when none is owed. */
  get pingSentAt(): number | null {
    return this.timer ? this.waitingSince : null;
  }

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly ping: (ts: number) => void,
    /** No pong for two intervals: the socket is dead even if the browser has not noticed. */
    private readonly onSilent: () => void,
  ) {}

  start(): void {
    this.stop();
    this.waitingSince = null;
    this.timer = every(this.clock, this.intervalMs, () => this.tick());
    this.tick();
  }

  private tick(): void {
    const now = this.clock.now();
    if (this.waitingSince !== null && now - this.waitingSince >= 2 * this.intervalMs) {
      this.stop();
      this.onSilent();
      return;
    }
    if (this.waitingSince === null) this.waitingSince = now;
    this.ping(now);
  }

  pong(ts: number): void {
    this.rttMs = Math.max(0, this.clock.now() - ts);
    this.waitingSince = null;
  }

  stop(): void {
    this.timer?.stop();
    this.timer = null;
  }
}
