import { Backoff } from './backoff';
import type { Logger } from './logger';
import type { RolePhase } from './ops-server';
import type { Hold, Ownership } from './ownership';

export type Role = 'sequencer' | 'projector';

/** How a role's work goes off and on again around the lock; each app says what that means for it. */
export interface RoleControl {
  /**
   * The lock is not held: stop the role's work at once (no append, no decision, no read-model
   * write). `unreachable`: PostgreSQL could not be reached; `standby`: another process holds the
   * role now, so take no messages at all until `resume`. Called again when the reason changes.
   */
  pause(why: 'unreachable' | 'standby'): void;
  /**
   * Holding the lock, still paused: reload whatever memory may have got wrong while it was away
   * (and, at start, everything). Tried again with backoff while it throws and the lock is held.
   */
  recover(): Promise<void>;
  /** Recovered and still the owner: carry on. */
  resume(): void;
}

/**
 * Pauses the role when its lock's connection ends and resumes it once the lock is held again and
 * memory reloaded: a PostgreSQL outage is ridden out by the process instead of ending it. There is
 * still one writer per role: a process works only while it holds the lock and has recovered under
 * that very hold, and the log's primary key refuses an append that raced the pause.
 */
export class RoleKeeper {
  active = false;
  private stopped = false;

  constructor(
    private readonly role: Role,
    private readonly ownership: Ownership,
    private hold: Hold,
    private readonly logger: Logger,
    /** Where the role stands, for /readyz and `tilemud.role.held`. */
    private readonly onPhase: (p: RolePhase) => void,
  ) {}

  run(control: RoleControl): Promise<void> {
    return new Promise((started) => void this.keep(control, started));
  }

  stop(): void {
    this.stopped = true;
    this.active = false;
  }

  private async keep(control: RoleControl, started: () => void): Promise<void> {
    let pausedAt: number | undefined;
    for (;;) {
      if (await this.recover(control)) {
        if (pausedAt !== undefined) this.logger.info({ role: this.role, downMs: Date.now() - pausedAt }, `${this.role} resumed`);
        pausedAt = undefined;
        started();
        const err = await this.hold.lost;
        if (this.stopped) return;
        this.active = false;
        this.onPhase('unreachable');
        control.pause('unreachable');
        pausedAt = Date.now();
        this.logger.warn({ role: this.role, err: err.message }, `postgres unreachable: ${this.role} paused`);
      } else if (!this.stopped) this.onPhase('unreachable'); // the lock went while it recovered
      try {
        this.hold = await this.ownership.acquire({
          onStandby: () => {
            this.onPhase('standby');
            control.pause('standby');
          },
          // Once paused, that line said it all; a role lost before it first ran says so here.
          onUnreachable: (err, attempt) => {
            if (attempt === 1 && pausedAt === undefined) this.logger.warn({ err: err.message }, `postgres unreachable: waiting for it to take the ${this.role} role`);
          },
        });
      } catch {
        return; // released: the process is stopping
      }
    }
  }

  /** Recovers under the current hold, retrying while it fails; false when the lock went first. */
  private async recover(control: RoleControl): Promise<boolean> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 2000 });
    while (this.hold.held && !this.stopped) {
      this.onPhase('recovering');
      try {
        await control.recover();
        if (!this.hold.held || this.stopped) return false;
        this.active = true;
        this.onPhase('active');
        control.resume();
        return true;
      } catch (err) {
        this.logger.warn({ role: this.role, err: (err as Error).message, retryMs: backoff.delayMs }, `${this.role} recovery failed; retrying`);
        await backoff.wait();
      }
    }
    return false;
  }
}
