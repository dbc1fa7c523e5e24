import type { AuthResponse } from '@tilemud/contracts';
import { createApi } from './endpoints';
import { HttpError, NetworkError } from './http';
import { TokenKeeper, type StoredAuth } from './token-keeper';

const pair = (n: number, expiresIn = 900): AuthResponse => ({
  accessToken: `access-${n}`,
  tokenType: 'Bearer',
  expiresIn,
  player: { id: 'p1', username: 'guest_0001' },
  refreshToken: `refresh-${n}`,
  refreshExpiresIn: 30 * 86_400,
});
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
const expiredBody = { error: { code: 'AUTH_TOKEN_EXPIRED', category: 'auth', message: 'expired', retryable: false } };

/** A keeper on a hand-driven clock, timer and store, with a scripted refresh endpoint. */
function rig(answers: Array<AuthResponse | Error> = []) {
  let now = 1_000_000;
  let stored: StoredAuth | null = null;
  const timers: Array<{ fn: () => void; at: number }> = [];
  const refreshed: string[] = [];
  const keeper = new TokenKeeper({
    store: { load: () => stored, save: (s) => (stored = s) },
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { fn, at: now + ms };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => timers.splice(timers.indexOf(t as (typeof timers)[0]), 1),
    refresh: async (token) => {
      refreshed.push(token);
      const next = answers.shift();
      if (!next) throw new Error('no answer scripted');
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return {
    keeper,
    refreshed,
    timers,
    get stored() {
      return stored;
    },
    setStored: (s: StoredAuth | null) => (stored = s),
    advance: async (ms: number) => {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

describe('token keeper', () => {
  it('refreshes before the access token expires, and keeps the new pair', async () => {
    const r = rig([pair(1)]);
    r.keeper.set(pair(0));
    expect(r.keeper.usable()).toBe('access-0');
    await r.advance(839_000);
    expect(r.refreshed).toEqual([]);
    // A minute before the 15 minutes are up.
    await r.advance(1_000);
    expect(r.refreshed).toEqual(['refresh-0']);
    expect(r.keeper.current()?.accessToken).toBe('access-1');
    expect(r.stored?.auth.refreshToken).toBe('refresh-1');
    // The next one is planned the same way.
    expect(r.timers).toHaveLength(1);
  });

  it('a short-lived token is refreshed at four fifths of its life; a call then gets a fresh one first', async () => {
    const r = rig([pair(1, 2)]);
    r.keeper.set(pair(0, 2));
    r.timers.length = 0; // the timer did not run (a sleeping laptop): the call must notice itself
    await r.advance(1_700);
    expect(r.keeper.usable()).toBeUndefined();
    expect(await r.keeper.fresh()).toBe('access-1');
  });

  it('one refresh for many callers: a refresh token is single use', async () => {
    const r = rig([pair(1)]);
    r.keeper.set(pair(0));
    const all = await Promise.all([r.keeper.refresh(), r.keeper.refresh(), r.keeper.fresh()]);
    expect(r.refreshed).toEqual(['refresh-0']);
    expect(all.map((a) => (typeof a === 'string' ? a : a.accessToken))).toEqual(['access-1', 'access-1', 'access-0']);
  });

  it('a refresh the server refuses signs out; one that cannot be made is tried again later', async () => {
    const refused = new HttpError(401, { code: 'AUTH_REFRESH_REUSED', category: 'auth', message: 'reused', retryable: false });
    const r = rig([new NetworkError(new TypeError('fetch failed')), refused]);
    const seen: Array<AuthResponse | null> = [];
    r.keeper.onChange((a) => seen.push(a));
    r.keeper.set(pair(0));
    await r.advance(840_000);
    expect(r.refreshed).toEqual(['refresh-0']);
    expect(r.keeper.current()?.accessToken).toBe('access-0');
    await r.advance(10_000);
    expect(r.refreshed).toEqual(['refresh-0', 'refresh-0']);
    expect(r.keeper.current()).toBeNull();
    expect(r.stored).toBeNull();
    expect(seen.at(-1)).toBeNull();
  });

  it('adopts the pair another tab got rather than spending the same refresh token twice', async () => {
    const r = rig([]);
    r.keeper.set(pair(0));
    r.setStored({ auth: pair(7), obtainedAt: 1_000_500 });
    expect((await r.keeper.refresh()).accessToken).toBe('access-7');
    expect(r.refreshed).toEqual([]);
    expect(r.keeper.owns('access-0')).toBe(true);
  });
});

describe('REST calls with a token keeper', () => {
  it('on AUTH_TOKEN_EXPIRED refreshes once and makes the call again with the new token', async () => {
    const r = rig([pair(1)]);
    r.keeper.set(pair(0));
    const sent: string[] = [];
    const api = createApi(async (_url, init) => {
      const auth = (init?.headers as Record<string, string>).authorization!;
      sent.push(auth);
      return auth === 'Bearer access-1' ? json(200, { ticket: 'ticket-1', expiresIn: 60 }) : json(401, expiredBody);
    }, r.keeper);
    // Both calls meet the expired token; one refresh serves both.
    const [a, b] = await Promise.all([api.ticket('access-0'), api.ticket('access-0')]);
    expect([a.ticket, b.ticket]).toEqual(['ticket-1', 'ticket-1']);
    expect(r.refreshed).toEqual(['refresh-0']);
    expect(sent).toEqual(['Bearer access-0', 'Bearer access-0', 'Bearer access-1', 'Bearer access-1']);
    // A connection still holding the first token is given the newest one directly.
    await api.ticket('access-0');
    expect(sent.at(-1)).toBe('Bearer access-1');
  });

  it('on AUTH_INVALID_TOKEN (a key the server no longer has) tries the refresh token once too', async () => {
    const r = rig([pair(1)]);
    r.keeper.set(pair(0));
    const api = createApi(async (_url, init) => {
      const auth = (init?.headers as Record<string, string>).authorization!;
      return auth === 'Bearer access-1'
        ? json(200, { ticket: 'ticket-1', expiresIn: 60 })
        : json(401, { error: { code: 'AUTH_INVALID_TOKEN', category: 'auth', message: 'unknown key', retryable: false } });
    }, r.keeper);
    expect((await api.ticket('access-0')).ticket).toBe('ticket-1');
    expect(r.refreshed).toEqual(['refresh-0']);
  });

  it('gives up with the error when the refresh is refused, and leaves other tokens alone', async () => {
    const r = rig([new HttpError(401, { code: 'AUTH_INVALID_TOKEN', category: 'auth', message: 'revoked', retryable: false })]);
    r.keeper.set(pair(0));
    const sent: string[] = [];
    const api = createApi(async (_url, init) => {
      sent.push((init?.headers as Record<string, string>).authorization!);
      return json(401, expiredBody);
    }, r.keeper);
    await expect(api.ticket('access-0')).rejects.toMatchObject({ code: 'AUTH_INVALID_TOKEN' });
    expect(r.keeper.current()).toBeNull();
    await expect(api.ticket('someone-else')).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED' });
    expect(sent).toEqual(['Bearer access-0', 'Bearer someone-else']);
  });
});
