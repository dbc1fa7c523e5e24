/** A pause for a reason the scenario itself gives (a cut's length, a window to outlast): say it where it is called. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits for a condition, never for a fixed time: polls `f` every 50 ms until it gives a value other
 * than `undefined` or `false`, and fails naming `what` once `ms` have passed (with `detail()`, if
 * given, to show what was there instead). The deadline is generous: it is only reached when the
 * condition will not hold, and with the CPUs busy everything takes longer.
 */
export async function eventually<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, ms: number, detail?: () => unknown): Promise<T> {
  for (const end = Date.now() + ms; ; await sleep(50)) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= end) break;
  }
  const d: unknown = await detail?.();
  const seen = detail ? `; instead: ${typeof d === 'string' ? d : JSON.stringify(d)}`.slice(0, 3000) : '';
  throw new Error(`timed out after ${ms} ms waiting for ${what}${seen}`);
}
