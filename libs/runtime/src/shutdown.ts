import type { Logger } from './logger';

/** True when `p` settles within `ms`; false when the time is up first (`p` is left to itself). */
export function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, ms))));
  const done = p.then(
    () => true,
    () => true,
  );
  return Promise.race([done, late]).finally(() => clearTimeout(timer));
}

/** What the steps leave of the deadline for the last log lines and the exit. */
const MARGIN_MS = 100;

export interface ShutdownStep {
  /** Said in the log when the step runs out of time. */
  name: string;
  run: () => Promise<unknown> | void;
  /** Most this step may take; it never gets more than what is left before the deadline. */
  maxMs?: number;
  /** Steps run by phase (0 first), then in the order added. */
  phase?: number;
}

/**
 * A process's way out on SIGINT or SIGTERM: steps in order, each bounded, under one hard deadline.
 * A step that overruns is left behind and the next one runs; at the deadline the process exits
 * whatever is still pending. A process that hangs on its way out would hold its role's lock (the
 * standby could not take over) and keep a supervisor waiting, so nothing here may wait unbounded.
 * Exiting releases what the steps did not: PostgreSQL ends a dead connection's advisory lock, and
 * JetStream redelivers what was not acked.
 */
export class Shutdown {
  private readonly steps: ShutdownStep[] = [];
  private started?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
    private readonly deadlineMs: number,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  /** True once a signal came: a start still under way should go no further. */
  get stopping(): boolean {
    return this.started !== undefined;
  }

  add(step: ShutdownStep): void {
    this.steps.push(step);
  }

  onSignals(signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): void {
    for (const s of signals) process.on(s, () => void this.run(s));
  }

  /** Runs once; a second signal while stopping changes nothing (the deadline still holds). */
  run(signal: string): Promise<void> {
    this.started ??= this.stop(signal);
    return this.started;
  }

  private async stop(signal: string): Promise<void> {
    const begun = Date.now();
    const end = begun + this.deadlineMs;
    this.logger.info({ signal, deadlineMs: this.deadlineMs }, `${this.name} stopping`);
    const deadline = setTimeout(() => {
      this.logger.error({ deadlineMs: this.deadlineMs }, `${this.name} did not stop within ${this.deadlineMs} ms; exiting anyway`);
      this.exit(1);
    }, this.deadlineMs);
    deadline.unref();
    const steps = this.steps.map((step, i) => ({ step, i })).sort((a, b) => (a.step.phase ?? 0) - (b.step.phase ?? 0) || a.i - b.i);
    for (const { step } of steps) {
      // The steps end a little before the deadline, so that the timer is only for a loop held up.
      const ms = Math.min(step.maxMs ?? Infinity, end - MARGIN_MS - Date.now());
      let done: boolean;
      try {
        done = await within(Promise.resolve(step.run()), ms);
      } catch {
        done = true; // it threw at once: nothing left to wait for
      }
      if (!done) this.logger.warn({ step: step.name, waitedMs: Math.round(ms) }, `${this.name} stopping: ${step.name} did not finish in time; going on`);
    }
    clearTimeout(deadline);
    this.logger.info({ ms: Date.now() - begun }, `${this.name} stopped`);
    this.exit(0);
  }
}
