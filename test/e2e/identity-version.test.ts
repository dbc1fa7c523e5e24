import type { VersionResponse } from '@tilemud/contracts';
import { VersionResponseSchema } from '@tilemud/contracts';
import { api, TestClient } from '../support/client';
import { TestSystem } from '../support/system';
import { expectAllValid, expectRestError, ExtraGateway, guest, joinAs, ledger, login, ops, outputsOf, register, uniqueName } from './identity-helpers';

/**
 * The operator raises minClientVersion while clients play on two gateway instances: every older
 * client, on both, gets event.version_mismatch and 4426; newer ones play on.
 */
describe('identity: version lockstep across gateways', () => {
  const system = new TestSystem({ LOG_LEVEL: 'debug' });
  const second = new ExtraGateway({ LOG_LEVEL: 'debug' });
  let adminToken: string;

  beforeAll(async () => {
    await system.start();
    await second.start();
  }, 60_000);

  afterAll(async () => {
    // The raised minimum is stored in this run's database: put it back for the suites after this one.
    await ops('min-client-version', '1.0.0');
    await second.app.stop();
    await system.stop();
  });

  const at = (g: { baseUrl: string; wsUrl: string }, clientVersion: string) => guest(g.baseUrl, g.wsUrl, clientVersion).then((c) => joinAs(c, clientVersion));
  const version = async (baseUrl: string) => VersionResponseSchema.parse((await api(baseUrl, 'GET', '/api/version')).body).minClientVersion;
  const mismatchOf = async (c: TestClient) => {
    const m = await c.waitFor((x) => x.type === 'event.version_mismatch');
    expect((await c.waitClose()).code).toBe(4426);
    return m;
  };

  it('grants the admin role with the ops command', async () => {
    const username = uniqueName('op');
    const password = 'operator password';
    expect((await register(system.baseUrl, username, password)).status).toBe(201);
    const granted = await ops('grant-role', username, 'admin');
    expect(granted).toMatchObject({ code: 0 });
    expect(granted.out).toContain('admin');
    expect((await ops('grant-role', uniqueName('ghost'), 'admin')).code).toBe(1);
    adminToken = (await login(system.baseUrl, username, password)).body.accessToken;
  });

  it('raises minClientVersion from the admin endpoint and ends older clients on every gateway', async () => {
    const oldHere = await at(system, '1.0.0');
    const oldThere = await at(second, '1.1.9');
    const newHere = await at(system, '1.2.0');
    const newThere = await at(second, '1.3.0');

    const player = await guest(system.baseUrl, system.wsUrl);
    expectRestError(await api(system.baseUrl, 'POST', '/api/admin/min-client-version', { token: player.guest!.accessToken, body: { minClientVersion: '1.2.0' } }), 403, 'FORBIDDEN');
    expectRestError(await api(system.baseUrl, 'POST', '/api/admin/min-client-version', { token: adminToken, body: { minClientVersion: 'soon' } }), 400, 'VALIDATION_FAILED');

    const r = await api<VersionResponse>(system.baseUrl, 'POST', '/api/admin/min-client-version', { token: adminToken, body: { minClientVersion: '1.2.0' } });
    expect(r.status).toBe(200);
    expect(r.body.minClientVersion).toBe('1.2.0');

    for (const [c, v] of [
      [oldHere, '1.0.0'],
      [oldThere, '1.1.9'],
    ] as const) {
      expect(await mismatchOf(c)).toEqual({ type: 'event.version_mismatch', clientVersion: v, serverVersion: expect.any(String) as string, minClientVersion: '1.2.0', action: 'UPDATE_REQUIRED' });
    }
    for (const c of [newHere, newThere]) {
      c.send({ type: 'ping', ts: 5 });
      await c.waitForType('pong', (m) => m.ts === 5);
      expect(c.closed).toBeUndefined();
    }
    expect(await version(system.baseUrl)).toBe('1.2.0');
    expect(await version(second.baseUrl)).toBe('1.2.0');

    // new arrivals below it are refused at bootstrap (426) and at hello (4426), on both
    for (const g of [system, second]) {
      const b = await api(g.baseUrl, 'POST', '/api/session/bootstrap', { token: player.guest!.accessToken, body: { clientVersion: '1.1.0' } });
      expect(expectRestError(b, 426, 'VERSION_MISMATCH').details?.minClientVersion).toBe('1.2.0');
    }
    const late = await (await guest(second.baseUrl, second.wsUrl, '1.2.0')).open();
    late.send({ type: 'hello', protocolVersion: '1.0.0', clientVersion: '1.0.0' });
    expect((await mismatchOf(late)).minClientVersion).toBe('1.2.0');
    expectAllValid(oldHere, oldThere, newHere, newThere, late);
    await newHere.close();
    await newThere.close();
  });

  it('raises it from the ops command too, on both gateways', async () => {
    const a = await at(system, '1.2.5');
    const b = await at(second, '1.2.5');
    const keep = await at(second, '1.4.0');
    const r = await ops('min-client-version', '1.3.0');
    expect(r).toMatchObject({ code: 0 });
    expect((await mismatchOf(a)).minClientVersion).toBe('1.3.0');
    expect((await mismatchOf(b)).minClientVersion).toBe('1.3.0');
    expect(await version(system.baseUrl)).toBe('1.3.0');
    expect(await version(second.baseUrl)).toBe('1.3.0');
    expect(keep.closed).toBeUndefined();
    expect((await ops('min-client-version', 'not-semver')).code).toBe(1);
    await keep.close();
  });

  it('a gateway started later reads the raised minimum (it is stored)', async () => {
    const third = await new ExtraGateway({ LOG_LEVEL: 'debug' }).start();
    try {
      expect(await version(third.baseUrl)).toBe('1.3.0');
    } finally {
      await third.app.stop();
    }
  });

  it('leaks no token, ticket or password into any log', () => {
    expect(ledger.secrets.size).toBeGreaterThan(10);
    expect(ledger.leaks(outputsOf(system, [second]))).toEqual([]);
  });
});
