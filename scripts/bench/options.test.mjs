// The bench's options and the plan they make; the pure helpers of the system and Colyseus parts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installDir, parseDriverOutput } from './colyseus.mjs';
import { JOBS, parsePlan, sessionCeiling, TEN_WORLDS, UsageError } from './options.mjs';
import { appOf, gatewayApps, newBenchId, systemEnv } from './system.mjs';

test('the default plan runs every job at the issue sizes', () => {
  const p = parsePlan([], new Date('2026-12-02T10:00:00.000Z'));
  assert.deepEqual(p.jobs, JOBS);
  assert.equal(p.stamp, '2026-12-02T10-00-00-000Z');
  assert.equal(p.oneWorld.sessions, 500);
  assert.equal(p.spread.sessions, 2000);
  assert.deepEqual(p.spread.worlds, TEN_WORLDS);
  assert.deepEqual(
    p.saturation.map((s) => s.offered),
    [1000, 2000, 4000, 6000, 8000, 10_000],
  );
  for (const s of p.saturation) assert.equal(s.sessions * s.rate, s.offered);
  assert.equal(p.idle.sessions, 10_000);
  assert.equal(sessionCeiling(p), 10_100);
  assert.equal(sessionCeiling({ ...p, spread: { ...p.spread, sessions: 20_000 } }), 20_100);
});

test('--quick, --only, --duration, --sessions, --idle-sessions', () => {
  const p = parsePlan(['--quick', '--only', 'idle, tilemud500', '--duration', '2', '--sessions', '7', '--idle-sessions', '9']);
  assert.deepEqual(p.jobs, ['tilemud500', 'idle']); // in the suite's order
  assert.equal(p.oneWorld.duration, 2);
  assert.equal(p.oneWorld.sessions, 7);
  assert.equal(p.idle.sessions, 9);
  assert.equal(parsePlan(['--help']), null);
});

test('--gateways and --pin', () => {
  const p = parsePlan(['--gateways', '2', '--pin']);
  assert.equal(p.gateways, 2);
  assert.equal(p.pin, true);
  const d = parsePlan([]);
  assert.equal(d.gateways, 1);
  assert.equal(d.pin, false);
});

test('gateways: a port and key each; ids as the cluster names them when there are several', () => {
  assert.deepEqual(gatewayApps([4001]), [{ key: 'gateway', url: 'http://127.0.0.1:4001', env: { PORT: '4001' } }]);
  const two = gatewayApps([4001, 4002]);
  assert.deepEqual(
    two.map((g) => [g.key, g.url, g.env.PORT, g.env.GATEWAY_ID]),
    [
      ['gateway', 'http://127.0.0.1:4001', '4001', 'gw1'],
      ['gateway2', 'http://127.0.0.1:4002', '4002', 'gw2'],
    ],
  );
  assert.deepEqual(['gateway', 'gateway2', 'gateway12', 'sequencer'].map(appOf), ['gateway', 'gateway', 'gateway', 'sequencer']);
});

test('bad options are usage errors', () => {
  for (const argv of [['--gateways', '0'], ['--gateways', 'x'], ['--only', 'nope'], ['--only', ''], ['--duration', '0'], ['--sessions', '1.5'], ['--what']]) {
    assert.throws(() => parsePlan(argv), UsageError, argv.join(' '));
  }
});

test('bench ids are valid NATS prefixes; the apps run with the load-run limits off', () => {
  const id = newBenchId(Date.UTC(2026, 11, 2), 'ab12');
  assert.match(id, /^[a-z][a-z0-9_]{0,31}$/);
  const env = systemEnv({ id, databaseUrl: 'postgres://x/db', port: 1234, maxSessions: 10_100, natsUrl: 'nats://n', redisUrl: 'redis://r' });
  assert.equal(env.MAX_CONNECTIONS_PER_ADDRESS, '0');
  assert.equal(env.RATE_LIMIT_GUEST_ADDRESS, '0/1');
  assert.equal(env.NATS_PREFIX, id);
  assert.equal(env.REDIS_PREFIX, id);
  assert.equal(env.MAX_SESSIONS, '10100');
  assert.ok(env.AUTH_SECRET.length >= 32);
});

test('the Colyseus install is cached by its package-lock, and its driver line is read', () => {
  assert.equal(installDir('lock-a', '/tmp'), installDir('lock-a', '/tmp'));
  assert.notEqual(installDir('lock-a', '/tmp'), installDir('lock-b', '/tmp'));
  assert.match(installDir('x', '/tmp'), /^\/tmp\/tilemud-bench-colyseus-[0-9a-f]{16}$/);
  assert.deepEqual(parseDriverOutput(['npm warn', '{"sessions":5,"ack":{"p99":3}}', 'sessions 5 ...']), { sessions: 5, ack: { p99: 3 } });
  assert.equal(parseDriverOutput(['no json here']), null);
});
