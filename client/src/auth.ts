import { ApiRoute, AuthResponseSchema, type AuthResponse } from '@tilemud/contracts';
import { z } from 'zod';
import { request } from './api/http';
import { TokenKeeper, type AuthStore, type StoredAuth } from './api/token-keeper';

/**
 * localStorage: the refresh token must outlive the tab and the browser, or a guest loses its
 * character when the page closes. Every tab of the origin is therefore the same player.
 */
const KEY = 'tilemud.auth.v2';
/** Where a sign-in was kept before refresh tokens (this tab only); read once, then moved. */
const OLD_KEY = 'tilemud.auth';

const StoredSchema = z.object({ auth: AuthResponseSchema, obtainedAt: z.number() });

function read(storage: () => Storage, key: string): unknown {
  try {
    const raw = storage().getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

const browserAuthStore: AuthStore = {
  load(): StoredAuth | null {
    const kept = StoredSchema.safeParse(read(() => window.localStorage, KEY));
    if (kept.success) return kept.data;
    // Its age is unknown: counted as old, so it is refreshed (or found expired) at once.
    const old = AuthResponseSchema.safeParse(read(() => window.sessionStorage, OLD_KEY));
    return old.success ? { auth: old.data, obtainedAt: 0 } : null;
  },
  save(s: StoredAuth | null): void {
    try {
      if (s) window.localStorage.setItem(KEY, JSON.stringify(s));
      else window.localStorage.removeItem(KEY);
      window.sessionStorage.removeItem(OLD_KEY);
    } catch {
      /* private mode: this page only */
    }
  },
};

/** Web Locks, where the browser has them: one tab at a time spends the shared refresh token. */
function acrossTabs<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? (locks.request('tilemud.auth.refresh', fn) as Promise<T>) : fn();
}

/** This page's sign-in; the REST calls (api/endpoints.ts) take their tokens from it. */
export const session = new TokenKeeper({
  store: browserAuthStore,
  refresh: (refreshToken) => request((input, init) => fetch(input, init), 'POST', ApiRoute.REFRESH, { schema: AuthResponseSchema, body: { refreshToken } }).then((r) => r.body!),
  exclusive: acrossTabs,
});

export function loadAuth(): AuthResponse | null {
  return session.current();
}

export function saveAuth(auth: AuthResponse | null): void {
  session.set(auth);
}
