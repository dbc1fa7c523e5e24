import type { AuthResponse } from '@tilemud/contracts';
import { HttpError } from './http';

/** A sign-in as kept: the answer, and when it arrived (its lifetimes count from then). */
export interface StoredAuth {
  auth: AuthResponse;
  /** Epoch ms. */
  obtainedAt: number;
}

export interface AuthStore {
  load(): StoredAuth | null;
  save(s: StoredAuth | null): void;
}

export interface TokenKeeperDeps {
  /** `POST /api/auth/refresh`. */
  refresh(refreshToken: string): Promise<AuthResponse>;
  store: AuthStore;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  /** Runs `fn` alone among this origin's tabs (they share the store, so one refresh token). */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** A network failure or a refusal to wait out: try again after this long. */
const RETRY_MS = 10_000;

/** Refresh this long before the access token expires: a fifth of its life, at most a minute. */
const refreshMargin = (lifetimeMs: number) => Math.min(60_000, lifetimeMs / 5);

/**
 * Keeps the sign-in alive: swaps the access token for a new pair before it expires (a timer) and
 * whenever a call finds it expired, one refresh at a time (a refresh token is single use: two
 * exchanges of one would look like a stolen copy and sign the player out). A refresh the server
 * refuses (auth) ends the sign-in; one that could not be made leaves it for a later try.
 */
export class TokenKeeper {
  private held: StoredAuth | null;
  private inflight?: Promise<AuthResponse>;
  private timer?: unknown;
  /** Every access token this sign-in has had, so that calls made with an older one use the newest. */
  private readonly mine = new Set<string>();
  private readonly listeners = new Set<(auth: AuthResponse | null) => void>();
  private readonly now: () => number;

  constructor(private readonly deps: TokenKeeperDeps) {
    this.now = deps.now ?? Date.now;
    this.held = deps.store.load();
    if (this.held) this.adopt(this.held, false);
  }

  current(): AuthResponse | null {
    return this.held?.auth ?? null;
  }

  /**
   * A new sign-in (or null: signed out). A new pair of the same player (a guest upgraded to an
   * account) keeps the older access tokens as its own, so calls made with them still go.
   */
  set(auth: AuthResponse | null): void {
    if (!auth || auth.player.id !== this.held?.auth.player.id) this.mine.clear();
    if (!auth) {
      this.held = null;
      this.cancelTimer();
      this.deps.store.save(null);
      this.notify();
      return;
    }
    this.adopt({ auth, obtainedAt: this.now() }, true);
  }

  onChange(fn: (auth: AuthResponse | null) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** True for an access token of this sign-in, the current one or an older one. */
  owns(token: string): boolean {
    return this.mine.has(token);
  }

  /** The access token, if it is not about to expire (then `fresh()` gets one). */
  usable(): string | undefined {
    const h = this.held;
    if (!h) return undefined;
    const lifetime = h.auth.expiresIn * 1000;
    return !h.auth.refreshToken || this.now() < h.obtainedAt + lifetime - refreshMargin(lifetime) ? h.auth.accessToken : undefined;
  }

  /** An access token good for a while, refreshed first if need be. */
  async fresh(): Promise<string> {
    return this.usable() ?? (await this.refresh()).accessToken;
  }

  /** Swaps the refresh token for a new pair; concurrent callers share one exchange. */
  refresh(): Promise<AuthResponse> {
    this.inflight ??= this.exchange().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async exchange(): Promise<AuthResponse> {
    const run = this.deps.exclusive ?? ((fn) => fn());
    return run(async () => {
      const mine = this.held;
      // Another tab may have exchanged it already: its pair is in the store, and ours is spent.
      const stored = this.deps.store.load();
      if (stored && mine && stored.auth.player.id === mine.auth.player.id && stored.auth.refreshToken !== mine.auth.refreshToken && stored.obtainedAt > mine.obtainedAt) {
        this.adopt(stored, false);
        return stored.auth;
      }
      const refreshToken = mine?.auth.refreshToken;
      if (!refreshToken) throw new HttpError(401, { code: 'AUTH_TOKEN_EXPIRED', category: 'auth', message: 'the sign-in has expired; sign in again', retryable: false });
      let next: AuthResponse;
      try {
        next = await this.deps.refresh(refreshToken);
      } catch (err) {
        if (err instanceof HttpError && err.body?.category === 'auth' && this.held === mine) this.set(null);
        else if (this.held === mine) this.schedule(err instanceof HttpError && err.body?.retryAfterMs ? err.body.retryAfterMs : RETRY_MS);
        throw err;
      }
      // Signed out or in as someone else meanwhile: this answer is for a sign-in that is gone.
      if (this.held !== mine) return next;
      this.adopt({ auth: next, obtainedAt: this.now() }, true);
      return next;
    });
  }

  private adopt(s: StoredAuth, save: boolean): void {
    this.held = s;
    this.mine.add(s.auth.accessToken);
    if (save) this.deps.store.save(s);
    const lifetime = s.auth.expiresIn * 1000;
    if (s.auth.refreshToken) this.schedule(Math.max(0, s.obtainedAt + lifetime - refreshMargin(lifetime) - this.now()));
    else this.cancelTimer();
    this.notify();
  }

  private schedule(ms: number): void {
    this.cancelTimer();
    const set = this.deps.setTimer ?? ((fn, t) => setTimeout(fn, t));
    this.timer = set(() => {
      this.timer = undefined;
      this.refresh().catch(() => undefined);
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    (this.deps.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>)))(this.timer);
    this.timer = undefined;
  }

  private notify(): void {
    const auth = this.current();
    for (const fn of this.listeners) fn(auth);
  }
}
