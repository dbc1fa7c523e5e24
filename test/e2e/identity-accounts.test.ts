import { SignJWT } from 'jose';
import type { TicketResponse, VersionResponse } from '@tilemud/contracts';
import { AuthResponseSchema, CharacterSchema } from '@tilemud/contracts';
import { WORLDS } from '@tilemud/domain';
import { api } from '../support/client';
import { runEnv, TestSystem } from '../support/system';
import { apiFrom, clientWithToken, expectRestError, guest, joinAs, ledger, login, outputsOf, register, uniqueName } from './identity-helpers';

const SECRET = runEnv().AUTH_SECRET!;
const sign = (claims: Record<string, unknown>, exp: number | string, key = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(claims.sub)).setIssuer('tilemud').setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(key));

/** Accounts, logins and tokens, and who may read what, over real REST. */
describe('identity: accounts, tokens and access', () => {
  const system = new TestSystem({ LOG_LEVEL: 'debug', RATE_LIMIT_LOGIN_USER: '5/300000', RATE_LIMIT_LOGIN_ADDRESS: '20/300000' });
  const password = 'correct horse battery staple';
  let ada: { username: string; token: string; playerId: string };

  beforeAll(async () => {
    await system.start();
  }, 60_000);

  afterAll(async () => {
    await system.stop();
  });

  it('registers an account: 201 with a token, and the token opens a session', async () => {
    const username = uniqueName('ada');
    const r = await register(system.baseUrl, username, password);
    expect(r.status).toBe(201);
    expect(AuthResponseSchema.parse(r.body)).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, player: { username } });
    ada = { username, token: r.body.accessToken, playerId: r.body.player.id };
    const c = await joinAs(await clientWithToken(system.baseUrl, system.wsUrl, ada.token));
    expect(c.snapshot!.snapshot.characters.map((x) => x.id)).toContain(c.characterId);
    await c.close();
  });

  it('refuses a taken name with 409, whatever its case, and names kept for guests', async () => {
    expectRestError(await register(system.baseUrl, ada.username, 'another password'), 409, 'USERNAME_TAKEN');
    expectRestError(await register(system.baseUrl, ada.username.toUpperCase(), 'another password'), 409, 'USERNAME_TAKEN');
    expectRestError(await register(system.baseUrl, 'guest_12345678', 'another password'), 409, 'USERNAME_TAKEN');
  });

  it('refuses bad bodies with 400 in the error shape', async () => {
    expectRestError(await register(system.baseUrl, 'x', password), 400, 'VALIDATION_FAILED');
    expectRestError(await register(system.baseUrl, uniqueName('pw'), 'short'), 400, 'VALIDATION_FAILED');
    expectRestError(await api(system.baseUrl, 'POST', '/api/auth/login', { body: { username: 'ada' } }), 400, 'VALIDATION_FAILED');
    expectRestError(await api(system.baseUrl, 'POST', '/api/auth/login', { body: '{nope', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON');
  });

  it('logs in with the right password (any case of the name) and gives a working token', async () => {
    const r = await login(system.baseUrl, ada.username.toUpperCase(), password);
    expect(r.status).toBe(200);
    expect(AuthResponseSchema.parse(r.body).player).toEqual({ id: ada.playerId, username: ada.username });
    const own = await api<TicketResponse>(system.baseUrl, 'POST', '/api/session/ticket', { token: r.body.accessToken });
    expect(own.status).toBe(200);
    ledger.add(own.body.ticket);
  });

  it('answers a wrong password 401, and after 5 failures 429 with retryAfterMs, even for the right one', async () => {
    const username = uniqueName('bob');
    await register(system.baseUrl, username, password);
    for (let i = 0; i < 5; i++) expectRestError(await login(system.baseUrl, username, `wrong password ${i}`), 401, 'INVALID_CREDENTIALS');
    const limited = await login(system.baseUrl, username, 'wrong password 6');
    const error = expectRestError(limited, 429, 'RATE_LIMITED');
    expect(error).toMatchObject({ category: 'rate_limited', retryable: true });
    // 5 per 5 minutes: the next failure may be tried in a minute
    expect(error.retryAfterMs).toBeGreaterThan(50_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(Number(limited.headers.get('retry-after'))).toBe(Math.ceil((error.retryAfterMs ?? 0) / 1000));
    expectRestError(await login(system.baseUrl, username, password), 429, 'RATE_LIMITED');
    // an unknown name is the same 401, not a hint that it does not exist
    expectRestError(await login(system.baseUrl, uniqueName('nobody'), password), 401, 'INVALID_CREDENTIALS');
  });

  it('limits failed logins per address too, across usernames', async () => {
    const from = '127.0.0.21';
    for (let i = 0; i < 20; i++) {
      const r = await apiFrom(from, system.baseUrl, 'POST', '/api/auth/login', { username: uniqueName('nope'), password: `guess number ${i}` });
      expect(r.status).toBe(401);
    }
    const limited = await apiFrom(from, system.baseUrl, 'POST', '/api/auth/login', { username: ada.username, password });
    expect(expectRestError(limited, 429, 'RATE_LIMITED').retryAfterMs).toBeGreaterThan(0);
    // another address is not affected
    expect((await apiFrom('127.0.0.22', system.baseUrl, 'POST', '/api/auth/login', { username: ada.username, password })).status).toBe(200);
  });

  it('refuses tampered, expired, foreign-key and unsigned tokens with 401', async () => {
    const boot = (token: string) => api(system.baseUrl, 'POST', '/api/session/bootstrap', { token, body: { clientVersion: '1.0.0' } });
    const [head, payload, sig] = ada.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
    expectRestError(await boot(`${head}.${forged}.${sig}`), 401, 'AUTH_INVALID_TOKEN');
    expectRestError(await boot(ada.token.slice(0, -3) + (ada.token.endsWith('AAA') ? 'BBB' : 'AAA')), 401, 'AUTH_INVALID_TOKEN');
    const expired = await sign({ sub: ada.playerId, name: ada.username, roles: [] }, Math.floor(Date.now() / 1000) - 10);
    expectRestError(await boot(expired), 401, 'AUTH_TOKEN_EXPIRED');
    const otherKey = await sign({ sub: ada.playerId, name: ada.username, roles: [] }, '5m', 'not-the-server-key-not-the-server-key!!');
    expectRestError(await boot(otherKey), 401, 'AUTH_INVALID_TOKEN');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expectRestError(await boot(unsigned), 401, 'AUTH_INVALID_TOKEN');
    expectRestError(await api(system.baseUrl, 'POST', '/api/session/ticket', { headers: { authorization: 'Basic YWRhOnB3' } }), 401, 'AUTH_INVALID_TOKEN');
    ledger.add(expired, otherKey);
  });

  it("serves only the caller's own character and world: 403 for anyone else's", async () => {
    const a = await guest(system.baseUrl, system.wsUrl);
    const b = await guest(system.baseUrl, system.wsUrl);
    const own = await api(system.baseUrl, 'GET', `/api/characters/${a.characterId}`, { token: a.guest!.accessToken });
    expect(own.status).toBe(200);
    expect(CharacterSchema.parse(own.body).id).toBe(a.characterId);
    expectRestError(await api(system.baseUrl, 'GET', `/api/characters/${b.characterId}`, { token: a.guest!.accessToken }), 403, 'FORBIDDEN');
    expectRestError(await api(system.baseUrl, 'GET', `/api/characters/${a.characterId}`, {}), 401, 'AUTH_INVALID_TOKEN');
    expectRestError(await api(system.baseUrl, 'GET', '/api/characters/00000000-0000-4000-8000-000000000000', { token: a.guest!.accessToken }), 404, 'NOT_FOUND');
    const elsewhere = [...WORLDS.keys()].find((w) => w !== a.bootstrap!.character.worldId)!;
    expectRestError(await api(system.baseUrl, 'GET', `/api/worlds/${elsewhere}/snapshot`, { token: a.guest!.accessToken }), 403, 'FORBIDDEN');
    expect((await api(system.baseUrl, 'GET', `/api/worlds/${a.bootstrap!.character.worldId}/snapshot`, { token: a.guest!.accessToken })).status).toBe(200);
  });

  it('keeps admin endpoints to the admin role', async () => {
    const path = '/api/admin/min-client-version';
    expectRestError(await api(system.baseUrl, 'POST', path, { body: { minClientVersion: '9.9.9' } }), 401, 'AUTH_INVALID_TOKEN');
    expectRestError(await api(system.baseUrl, 'POST', path, { token: ada.token, body: { minClientVersion: '9.9.9' } }), 403, 'FORBIDDEN');
    // a token claiming the role is not enough: the role is read from PostgreSQL
    const claimed = await sign({ sub: ada.playerId, name: ada.username, roles: ['admin'] }, '5m');
    ledger.add(claimed);
    expectRestError(await api(system.baseUrl, 'POST', path, { token: claimed, body: { minClientVersion: '9.9.9' } }), 403, 'FORBIDDEN');
    expect((await api<VersionResponse>(system.baseUrl, 'GET', '/api/version')).body.minClientVersion).toBe('1.0.0');
  });

  it('answers unknown routes and methods in the error shape', async () => {
    expectRestError(await api(system.baseUrl, 'GET', '/api/auth/login'), 404, 'NOT_FOUND');
    expectRestError(await api(system.baseUrl, 'DELETE', '/api/session/logout'), 404, 'NOT_FOUND');
  });

  it('leaks no token, ticket or password into any log', () => {
    expect(ledger.secrets.size).toBeGreaterThan(10);
    expect(ledger.leaks(outputsOf(system))).toEqual([]);
    expect(outputsOf(system).join('\n')).not.toMatch(/ticket=[A-Za-z0-9_-]{16}/);
  });
});
