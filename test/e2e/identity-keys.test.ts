import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import type { AuthResponse } from '@tilemud/contracts';
import { api } from '../support/client';
import { AppProcess, TestSystem } from '../support/system';
import { clientWithToken, expectRestError, joinAs, ledger } from './identity-helpers';

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const ticketWith = (baseUrl: string, token: string) => api(baseUrl, 'POST', '/api/session/ticket', { token });
const keysIn = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Array<{ kid: string; secret: string }>;

/** Signing keys that outlive a gateway (`npm start`'s local key file) and rotate without signing anyone out. */
describe('identity: signing keys across restarts and rotation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tilemud-keys-'));
  const keyFile = join(dir, 'data', 'auth-keys.json');
  const system = new TestSystem({ LOG_LEVEL: 'debug', AUTH_KEY_FILE: keyFile });
  // As under `npm start`: neither AUTH_KEYS nor AUTH_SECRET.
  for (const app of Object.values(system.apps)) delete app.env.AUTH_SECRET;

  const guestPair = async () => {
    const r = await api<AuthResponse>(system.baseUrl, 'POST', '/api/auth/guest');
    expect(r.status).toBe(201);
    ledger.add(r.body.accessToken, r.body.refreshToken);
    return r.body;
  };
  // An app's output holds its earlier "ready" lines: set aside before a restart, so that start()
  // waits for the new one (and kept for the leak check).
  const earlier: string[] = [];
  const setAside = (app: AppProcess) => {
    earlier.push(app.output);
    app.output = '';
  };
  const restartGateway = async (env: Record<string, string> = {}) => {
    await system.apps.gateway.stop();
    setAside(system.apps.gateway);
    await system.apps.gateway.start({ PORT: new URL(system.baseUrl).port, HOST: '127.0.0.1', ...env });
  };

  beforeAll(async () => {
    await system.start();
  }, 60_000);

  afterAll(async () => {
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the local key file once; a gateway restart keeps access tokens valid', async () => {
    const [key] = keysIn(keyFile);
    const g = await guestPair();
    expect(kidOf(g.accessToken)).toBe(key!.kid);
    await restartGateway();
    expect(keysIn(keyFile)).toEqual([key]);
    expect((await ticketWith(system.baseUrl, g.accessToken)).status).toBe(200);
  });

  it('a guest comes back to the same character after a restart of every app, by its refresh token', async () => {
    const g = await guestPair();
    const c = await joinAs(await clientWithToken(system.baseUrl, system.wsUrl, g.accessToken));
    await c.close();
    await system.stop();
    Object.values(system.apps).forEach(setAside);
    await system.start();
    const r = await api<AuthResponse>(system.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: g.refreshToken } });
    expect(r.status).toBe(200);
    ledger.add(r.body.accessToken, r.body.refreshToken);
    expect(r.body.player.id).toBe(g.player.id);
    const back = await joinAs(await clientWithToken(system.baseUrl, system.wsUrl, r.body.accessToken));
    expect(back.characterId).toBe(c.characterId);
    await back.close();
  }, 90_000);

  it('a rotation (new key first, old key second) keeps old tokens valid and signs new ones with the new kid; retiring the old key ends them', async () => {
    const [old] = keysIn(keyFile);
    const before = await guestPair();
    const fresh = { kid: 'rotation-new', secret: 'n'.repeat(20) + Math.random().toString(36).padEnd(20, 'x') };
    ledger.add(fresh.secret, old!.secret);
    await restartGateway({ AUTH_KEYS: JSON.stringify([fresh, old]) });
    expect((await ticketWith(system.baseUrl, before.accessToken)).status).toBe(200);
    const after = await guestPair();
    expect(kidOf(after.accessToken)).toBe('rotation-new');
    const renewed = await api<AuthResponse>(system.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: before.refreshToken } });
    expect(renewed.status).toBe(200);
    ledger.add(renewed.body.accessToken, renewed.body.refreshToken);
    expect(kidOf(renewed.body.accessToken)).toBe('rotation-new');

    await restartGateway({ AUTH_KEYS: JSON.stringify([fresh, { ...old, retired: true }]) });
    expectRestError(await ticketWith(system.baseUrl, before.accessToken), 401, 'AUTH_INVALID_TOKEN');
    expect((await ticketWith(system.baseUrl, after.accessToken)).status).toBe(200);
    expect((await ticketWith(system.baseUrl, renewed.body.accessToken)).status).toBe(200);
  }, 90_000);

  it('no key, token or password reached any log', () => {
    ledger.add(...keysIn(keyFile).map((k) => k.secret));
    expect(ledger.leaks([...earlier, ...Object.values(system.apps).map((a) => a.output)])).toEqual([]);
  });
});
