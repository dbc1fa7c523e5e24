import { createServer, Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createMetricsReader } from './metrics';
import { KeepingUp, OpsPortError, OpsServer, Readiness, RolePhase, startOpsServer, workerReadiness } from './ops-server';

describe('workerReadiness: ready only when it owns its role and keeps up', () => {
  const keeping: () => KeepingUp = () => ({ ok: true, details: { waitedMs: 3 } });

  it.each<[RolePhase, Readiness['body']['status']]>([
    ['starting', 'starting'],
    ['standby', 'standby'],
    ['unreachable', 'paused'],
    ['recovering', 'starting'],
    ['stopping', 'stopping'],
  ])('%s: 503 %s, with a reason', (phase, status) => {
    const r = workerReadiness('sequencer', phase, keeping);
    expect(r.ready).toBe(false);
    expect(r.body).toMatchObject({ status, role: 'sequencer' });
    expect(r.body.reason).toEqual(expect.any(String));
  });

  it('active and keeping up: ready, with the figures', () => {
    expect(workerReadiness('projector', 'active', keeping)).toEqual({ ready: true, body: { status: 'ready', role: 'projector', waitedMs: 3 } });
  });

  it('active but not keeping up: 503 behind, saying why', () => {
    const r = workerReadiness('projector', 'active', () => ({ ok: false, reason: 'world lobby is 5000 events behind', details: { maxLag: 5000 } }));
    expect(r).toEqual({ ready: false, body: { status: 'behind', role: 'projector', reason: 'world lobby is 5000 events behind', maxLag: 5000 } });
  });

  it('a standby is never asked whether it keeps up', () => {
    const check = jest.fn(keeping);
    workerReadiness('sequencer', 'standby', check);
    expect(check).not.toHaveBeenCalled();
  });
});

describe('startOpsServer', () => {
  const reader = createMetricsReader();
  let phase: RolePhase = 'standby';
  let ops: OpsServer | undefined;
  const readiness = () => workerReadiness('sequencer', phase, () => ({ ok: true }));

  afterEach(async () => {
    await ops?.close();
    ops = undefined;
  });

  it('answers /healthz, /readyz (503 standby, then 200) and 404 elsewhere', async () => {
    ops = await startOpsServer({ host: '127.0.0.1', port: 0, reader, readiness, health: () => ({ phase }) });
    expect(ops.port).toBeGreaterThan(0);
    const health = await fetch(`${ops.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'alive', phase: 'standby' });
    const standby = await fetch(`${ops.url}/readyz`);
    expect(standby.status).toBe(503);
    expect(await standby.json()).toMatchObject({ status: 'standby', role: 'sequencer' });
    phase = 'active';
    const ready = await fetch(`${ops.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', role: 'sequencer' });
    expect((await fetch(`${ops.url}/nope`)).status).toBe(404);
    expect((await fetch(`${ops.url}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  it('a port already taken: a clear error naming METRICS_PORT', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const started = startOpsServer({ host: '127.0.0.1', port, reader, readiness });
      await expect(started).rejects.toBeInstanceOf(OpsPortError);
      await expect(started).rejects.toThrow(new RegExp(`METRICS_PORT ${port} is already in use`));
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('closes at once even with a scrape connection kept alive', async () => {
    ops = await startOpsServer({ host: '127.0.0.1', port: 0, reader, readiness });
    await fetch(`${ops.url}/healthz`, { headers: { connection: 'keep-alive' } });
    const begun = Date.now();
    await ops.close();
    ops = undefined;
    expect(Date.now() - begun).toBeLessThan(2000);
  });
});
