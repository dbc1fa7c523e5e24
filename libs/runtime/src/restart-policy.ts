import { backoffDelay } from './backoff';

/**
 * When a supervisor (scripts/start.mjs) starts a dead app again: at once the first time, then
 * after exponentially longer waits while it keeps dying soon after each start, capped, and from
 * the beginning again once a start has stayed up for a healthy while. Pure: the supervisor keeps
 * the state and the clock.
 */
export interface RestartPolicy {
  /** Wait before the first restart after a healthy run. */
  initialMs: number;
  /** Longest wait between two restarts. */
  maxMs: number;
  /** Each quick death multiplies the wait by this. */
  factor: number;
  /** A run this long counts as healthy: the next death starts the backoff over. */
  healthyAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialMs: 500, maxMs: 30_000, factor: 2, healthyAfterMs: 60_000 };

/** Quick deaths in a row so far (0: the app has not died since its last healthy run). */
export interface RestartState {
  failures: number;
}

export interface RestartDecision {
  delayMs: number;
  /** The number of this restart within the current run of quick deaths (1 = first). */
  attempt: number;
  /** True when the run that just ended was healthy and the backoff started over. */
  reset: boolean;
  state: RestartState;
}

/** An app that ran for `ranMs` has died: how long to wait before starting it again. */
export function nextRestart(state: RestartState, ranMs: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const reset = ranMs >= policy.healthyAfterMs;
  const failures = reset ? 0 : state.failures;
  const delayMs = backoffDelay(policy, failures);
  return { delayMs, attempt: failures + 1, reset: reset && state.failures > 0, state: { failures: failures + 1 } };
}
