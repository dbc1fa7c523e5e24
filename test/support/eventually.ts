import { sleep } from './client';

/**
 * Waits for a condition, never for a fixed time: polls `f` every 50 ms until it gives a value other
 * than `undefined` or `false`, and fails naming `what` once `ms` have passed.
 */
export async function eventually<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
