/** Time and timers, passed in so the connection runs on fake time in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A repeating timer on a Clock; `stop` is safe to call twice. */
export function every(clock: Clock, ms: number, fn: () => void): { stop(): void } {
  let handle: unknown;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    handle = clock.setTimeout(tick, ms);
    fn();
  };
  handle = clock.setTimeout(tick, ms);
  return {
    stop() {
      stopped = true;
      clock.clearTimeout(handle);
    },
  };
}
