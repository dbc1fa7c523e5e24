import { OperatorOverviewSchema, type AuthResponse, type OperatorOverview } from '@tilemud/contracts';
import { api, joinPlayer, type TestClient } from '../support/client';
import { eventually } from '../support/eventually';
import { freePort, TestSystem } from '../support/system';
import { expectRestError, login, ops, register, uniqueName } from './identity-helpers';

/**
 * GET /api/admin/overview against the three real apps: refused without the admin role, and for an
 * admin a contract-shaped answer whose figures come from the apps' /metrics and move under load.
 * Needs the apps' metrics endpoints (gateway GET /metrics, sequencer and projector METRICS_PORT).
 */
describe('operator overview', () => {
  const system = new TestSystem({ OPS_SCRAPE_INTERVAL_MS: '500' });
  let adminToken = '';
  let playerToken = '';
  const players: TestClient[] = [];

  beforeAll(async () => {
    const [seq, proj] = [await freePort(), await freePort()];
    system.apps.sequencer.env.METRICS_PORT = String(seq);
    system.apps.projector.env.METRICS_PORT = String(proj);
    system.apps.gateway.env.OPS_SCRAPE_TARGETS = `gateway=self,sequencer=http://127.0.0.1:${seq}/metrics,projector=http://127.0.0.1:${proj}/metrics`;
    await system.start();
    const username = uniqueName('opsadm');
    const password = 'operator password';
    expect((await register(system.baseUrl, username, password)).status).toBe(201);
    expect(await ops('grant-role', username, 'admin')).toMatchObject({ code: 0 });
    const admin: { body: AuthResponse } = await login(system.baseUrl, username, password);
    adminToken = admin.body.accessToken;
    playerToken = (await api<AuthResponse>(system.baseUrl, 'POST', '/api/auth/guest')).body.accessToken;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(players.map((p) => p.close()));
    await system.stop();
  });

  const overview = async (): Promise<OperatorOverview> => {
    const r = await api(system.baseUrl, 'GET', '/api/admin/overview', { token: adminToken });
    expect(r.status).toBe(200);
    return OperatorOverviewSchema.parse(r.body);
  };
  const until = async (what: string, cond: (o: OperatorOverview) => boolean, timeoutMs = 45_000): Promise<OperatorOverview> => {
    let last: OperatorOverview | undefined;
    return eventually(
      `the overview to show ${what}`,
      async () => {
        last = await overview();
        return cond(last) ? last : undefined;
      },
      timeoutMs,
      () => JSON.stringify(last, null, 1),
    );
  };

  it('answers 401 without a token and 403 to a player without the admin role, in the contract shape', async () => {
    expectRestError(await api(system.baseUrl, 'GET', '/api/admin/overview'), 401, 'AUTH_INVALID_TOKEN');
    expectRestError(await api(system.baseUrl, 'GET', '/api/admin/overview', { token: playerToken }), 403, 'FORBIDDEN');
  });

  it('gives an admin every target up and figures that move under load', async () => {
    for (let i = 0; i < 3; i++) players.push(await joinPlayer(system));
    let playing = true;
    // Each player walks back and forth (a move into a wall is rejected: an answered intent all the same).
    const load = players.map(async (p) => {
      for (let i = 0; playing; i++) await p.move(i % 2 ? 'east' : 'west').catch(() => undefined);
    });
    try {
      const o = await until('load', (x) => (x.intentsPerSecond.current ?? 0) > 0 && x.ackP95Ms.current !== null && x.slo.total > 0 && (x.sessions.current ?? 0) >= 3);
      expect(o.targets.map((t) => [t.name, t.up])).toEqual([
        ['gateway', true],
        ['sequencer', true],
        ['projector', true],
      ]);
      expect(o.ackP95Ms.current).toBeGreaterThan(0);
      expect(o.deltaP95Ms.source).not.toBe('none');
      // Its level depends on how busy the machine is (answers after 200 ms count against it): checked for consistency only.
      expect(o.slo.availability).toBeCloseTo(o.slo.good / o.slo.total, 6);
      expect(o.slo.burn).toBeCloseTo((1 - o.slo.availability!) / (1 - 0.995), 6);
      expect(o.projectorLag.map((w) => w.world)).toContain(players[0]!.worldId);
      expect(o.dependencies.map((d) => [d.dependency, d.up])).toEqual([
        ['nats', true],
        ['postgres', true],
        ['redis', true],
      ]);
      expect(o.health.status).toBe('ok');
      // The series fill at the scrape interval.
      const later = await until('history', (x) => x.intentsPerSecond.points.filter((p) => p[1] !== null).length >= 3);
      expect(later.sessions.points.length).toBeGreaterThanOrEqual(3);
    } finally {
      playing = false;
      await Promise.all(load);
    }
  }, 90_000);

  it('reports a target that stops answering as down, with unknown figures rather than zeros', async () => {
    await system.apps.projector.stop();
    const o = await until('projector down', (x) => x.targets.some((t) => t.name === 'projector' && !t.up));
    expect(o.targets.find((t) => t.name === 'projector')).toMatchObject({ up: false, error: expect.any(String) as string });
    for (const w of o.projectorLag) expect(w.lagEvents.current).toBeNull();
    expect(o.targets.find((t) => t.name === 'gateway')?.up).toBe(true);
  }, 60_000);
});
