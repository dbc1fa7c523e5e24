import { AuthResponseSchema } from '@tilemud/contracts';
import { api, TestClient } from '../support/client';
import { TestSystem } from '../support/system';
import { apiFrom, clientWithToken, expectRestError, ExtraGateway, joinAs, ledger, login, outputsOf, uniqueName } from './identity-helpers';
import { eventually } from '../support/eventually';

type Pair = { accessToken: string; refreshToken: string; player: { id: string; username: string } };

/** The answer of a sign-in or refresh, checked against the contract, its secrets noted. */
function pairOf(r: { status: number; body: unknown }, status = 200): Pair {
  expect({ status: r.status, body: r.status === status ? 'ok' : r.body }).toEqual({ status, body: 'ok' });
  const body = AuthResponseSchema.parse(r.body);
  expect(body.refreshToken).toEqual(expect.any(String));
  expect(body.refreshExpiresIn).toBeGreaterThan(0);
  ledger.add(body.accessToken, body.refreshToken);
  return body as Pair;
}

const refresh = (baseUrl: string, refreshToken: string) => api(baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken } });
const newGuest = async (baseUrl: string) => pairOf(await api(baseUrl, 'POST', '/api/auth/guest'), 201);
const ticketWith = (baseUrl: string, token: string) => api(baseUrl, 'POST', '/api/session/ticket', { token });

/** Refresh tokens: renewal past the access token's life, rotation, reuse, logout, guest upgrade. */
describe('identity: refresh tokens and guest upgrade', () => {
  const system = new TestSystem({ LOG_LEVEL: 'debug' });
  // Access tokens that die in 2 s, so a session outlives several of them.
  const shortLived = new ExtraGateway({ LOG_LEVEL: 'debug', ACCESS_TOKEN_TTL_S: '2' });
  const extras: ExtraGateway[] = [shortLived];

  beforeAll(async () => {
    await system.start();
    await shortLived.start();
  }, 60_000);

  afterAll(async () => {
    for (const g of extras) await g.app.stop();
    await system.stop();
  });

  /**
   * Bootstraps as a client does: an access token refused as expired (2 s go fast on a busy
   * machine) is renewed with the refresh token and the call made again.
   */
  async function bootstrapFresh(baseUrl: string, wsUrl: string, pair: Pair): Promise<{ client: TestClient; pair: Pair }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return { client: await clientWithToken(baseUrl, wsUrl, pair.accessToken), pair };
      } catch (err) {
        if (attempt >= 3 || !String(err).includes('AUTH_TOKEN_EXPIRED')) throw err;
        pair = pairOf(await refresh(baseUrl, pair.refreshToken));
      }
    }
  }

  it('a player signed in longer than its access token lives refreshes and reconnects without signing in again', async () => {
    const first = await newGuest(shortLived.baseUrl);
    expect(first).toMatchObject({ expiresIn: 2 });
    let { client: c, pair } = await bootstrapFresh(shortLived.baseUrl, shortLived.wsUrl, first);
    await joinAs(c);
    const characterId = c.characterId;
    // Wait (on the server's word, not a clock) until the access token is refused as expired.
    const expired = await eventually(
      'the 2 s access token to be refused',
      async () => {
        const r = await ticketWith(shortLived.baseUrl, pair.accessToken);
        return r.status === 401 ? r : undefined;
      },
      30_000,
    );
    expectRestError(expired, 401, 'AUTH_TOKEN_EXPIRED');
    c.drop();

    const renewed = pairOf(await refresh(shortLived.baseUrl, pair.refreshToken));
    expect(renewed.player).toEqual(first.player);
    expect(renewed.refreshToken).not.toBe(pair.refreshToken);
    expect(renewed.accessToken).not.toBe(pair.accessToken);
    ({ client: c, pair } = await bootstrapFresh(shortLived.baseUrl, shortLived.wsUrl, renewed));
    expect(c.characterId).toBe(characterId);
    await joinAs(c);
    expect(c.snapshot!.snapshot.characters.map((x) => x.id)).toContain(characterId);
    await c.close();
  });

  it('rotates at each refresh; a spent token coming back revokes its whole family, the newest token too', async () => {
    const r0 = await newGuest(system.baseUrl);
    const r1 = pairOf(await refresh(system.baseUrl, r0.refreshToken));
    const r2 = pairOf(await refresh(system.baseUrl, r1.refreshToken));
    expect(new Set([r0.refreshToken, r1.refreshToken, r2.refreshToken]).size).toBe(3);
    expect(r2.player).toEqual(r0.player);
    // Another player's family is untouched by this one's fate.
    const other = await newGuest(system.baseUrl);

    expectRestError(await refresh(system.baseUrl, r0.refreshToken), 401, 'AUTH_REFRESH_REUSED');
    const newest = await refresh(system.baseUrl, r2.refreshToken);
    expect(expectRestError(newest, 401, 'AUTH_INVALID_TOKEN').details).toEqual({ reason: 'revoked' });
    expectRestError(await refresh(system.baseUrl, r1.refreshToken), 401, 'AUTH_INVALID_TOKEN');
    pairOf(await refresh(system.baseUrl, other.refreshToken));
  });

  it('refuses an unknown or malformed refresh token with the contract shape', async () => {
    const unknown = await refresh(system.baseUrl, 'x'.repeat(43));
    expect(expectRestError(unknown, 401, 'AUTH_INVALID_TOKEN').details).toEqual({ reason: 'unknown' });
    expectRestError(await api(system.baseUrl, 'POST', '/api/auth/refresh', { body: {} }), 400, 'VALIDATION_FAILED');
    expectRestError(await api(system.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: 'a'.repeat(600) } }), 400, 'VALIDATION_FAILED');
    expectRestError(
      await api(system.baseUrl, 'POST', '/api/auth/refresh', { body: 'refreshToken=abc', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('logout revokes every refresh token of the player, of every sign-in', async () => {
    const username = uniqueName('out');
    const password = 'logout revokes all';
    ledger.add(password);
    const a = pairOf(await api(system.baseUrl, 'POST', '/api/auth/register', { body: { username, password } }), 201);
    const b = pairOf(await login(system.baseUrl, username, password));
    const a1 = pairOf(await refresh(system.baseUrl, a.refreshToken));
    expect((await api(system.baseUrl, 'POST', '/api/session/logout', { token: b.accessToken })).status).toBe(204);
    expectRestError(await refresh(system.baseUrl, a1.refreshToken), 401, 'AUTH_INVALID_TOKEN');
    expectRestError(await refresh(system.baseUrl, b.refreshToken), 401, 'AUTH_INVALID_TOKEN');
    // Signing in again works, and its refresh token does.
    pairOf(await refresh(system.baseUrl, pairOf(await login(system.baseUrl, username, password)).refreshToken));
  });

  it('a guest becomes an account: same player, character and inventory; then signs in by name to it', async () => {
    const g = await newGuest(system.baseUrl);
    const c = await joinAs(await clientWithToken(system.baseUrl, system.wsUrl, g.accessToken));
    const item = c.itemsByDistance()[0]!;
    expect(await c.walkTo(item.x, item.y)).toBe(true);
    expect((await c.intent('intent.action', { action: 'pickup', itemId: item.id })).status).toBe('applied');
    await c.close();

    const username = uniqueName('upg');
    const password = 'from guest to account';
    ledger.add(password);
    const up = pairOf(await api(system.baseUrl, 'POST', '/api/auth/upgrade', { token: g.accessToken, body: { username, password } }));
    expect(up.player).toEqual({ id: g.player.id, username });
    // The guest's refresh tokens are revoked: a copy of one must not reach the account.
    expectRestError(await refresh(system.baseUrl, g.refreshToken), 401, 'AUTH_INVALID_TOKEN');
    expectRestError(await api(system.baseUrl, 'POST', '/api/auth/upgrade', { token: up.accessToken, body: { username: uniqueName('twice'), password } }), 409, 'NOT_A_GUEST');

    const byName = pairOf(await login(system.baseUrl, username, password));
    expect(byName.player.id).toBe(g.player.id);
    const again = await clientWithToken(system.baseUrl, system.wsUrl, byName.accessToken);
    expect(again.characterId).toBe(c.characterId);
    expect(again.bootstrap!.character.inventory.map((i) => i.id)).toContain(item.id);
    await joinAs(again);
    await again.close();
  });

  it('an upgrade follows the rules of register: a taken name, a guest name, a bad body, no token', async () => {
    const taken = uniqueName('tak');
    pairOf(await api(system.baseUrl, 'POST', '/api/auth/register', { body: { username: taken, password: 'somebody has it' } }), 201);
    const g = await newGuest(system.baseUrl);
    const upgrade = (body: unknown, token = g.accessToken) => api(system.baseUrl, 'POST', '/api/auth/upgrade', { token, body });
    expectRestError(await upgrade({ username: taken.toUpperCase(), password: 'a good password' }), 409, 'USERNAME_TAKEN');
    expectRestError(await upgrade({ username: 'guest_abcdef01', password: 'a good password' }), 409, 'USERNAME_TAKEN');
    expectRestError(await upgrade({ username: 'no spaces allowed', password: 'a good password' }), 400, 'VALIDATION_FAILED');
    expectRestError(await upgrade({ username: uniqueName('ok'), password: 'a good password' }, ''), 401, 'AUTH_INVALID_TOKEN');
    // Still a guest after all that, with its refresh token alive.
    pairOf(await refresh(system.baseUrl, g.refreshToken));
  });

  it('limits refreshes per address (429 with retryAfterMs)', async () => {
    const limited = await new ExtraGateway({ RATE_LIMIT_REFRESH_ADDRESS: '2/60000' }).start();
    extras.push(limited);
    let pair = await newGuest(limited.baseUrl);
    const from = '127.0.0.61';
    for (let i = 0; i < 2; i++) {
      const r = await apiFrom(from, limited.baseUrl, 'POST', '/api/auth/refresh', { refreshToken: pair.refreshToken });
      pair = pairOf(r);
    }
    const refused = await apiFrom(from, limited.baseUrl, 'POST', '/api/auth/refresh', { refreshToken: pair.refreshToken });
    expect(expectRestError(refused, 429, 'RATE_LIMITED').retryAfterMs).toBeGreaterThan(0);
    // Refused before it was looked at: the token is not spent.
    pairOf(await refresh(limited.baseUrl, pair.refreshToken));
  });

  it('no token or password reached any log', () => {
    expect(ledger.leaks(outputsOf(system, extras))).toEqual([]);
  });
});
