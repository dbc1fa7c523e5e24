/** First reconnect delay; each failed attempt doubles it, up to RECONNECT_MAX_MS. */
const RECONNECT_BASE_MS = 1000;
export const RECONNECT_MAX_MS = 30_000;
/** Share of the delay that is random, so clients dropped together do not return together. */
const RECONNECT_JITTER = 0.25;

/**
 * Delay before reconnect attempt `attempt` (1-based): 1 s, 2 s, 4 s … 30 s, each within ±25 %
 * (never above the cap). `random` is a number in [0, 1).
 */
export function reconnectDelay(attempt: number, random: number): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = base * (1 - RECONNECT_JITTER + 2 * RECONNECT_JITTER * random);
  return Math.round(Math.min(RECONNECT_MAX_MS, jittered));
}
