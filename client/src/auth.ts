import { AuthResponseSchema, type AuthResponse } from '@tilemud/contracts';

const KEY = 'tilemud.auth';

/** The sign-in of this tab (sessionStorage: a reload keeps it, another tab is another player). */
export function loadAuth(): AuthResponse | null {
  try {
    const raw = window.sessionStorage.getItem(KEY);
    const parsed = raw ? AuthResponseSchema.safeParse(JSON.parse(raw)) : null;
    return parsed?.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function saveAuth(auth: AuthResponse | null): void {
  try {
    if (auth) window.sessionStorage.setItem(KEY, JSON.stringify(auth));
    else window.sessionStorage.removeItem(KEY);
  } catch {
    /* private mode: this page only */
  }
}
