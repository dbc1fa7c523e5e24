import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { joinPlayer, TestClient } from '../support/client';
import { db } from '../support/db';
import { eventually } from '../support/eventually';
import { AppProcess, holdsEveryMap, runEnv, secondMember, TestSystem } from '../support/system';

/** Every catalog name each worker must serve (docs/operations.md, "Sequencer and projector metrics"). */
const RUNTIME = ['nodejs_eventloop_delay_p50_seconds', 'nodejs_eventloop_delay_p99_seconds', 'nodejs_eventloop_delay_max_seconds', 'tilemud_role_held', 'tilemud_jetstream_consumer_pending'];
const SEQUENCER = [
  'tilemud_sequencer_intents_total',
  'tilemud_sequencer_commit_duration_seconds_bucket',
  'tilemud_sequencer_batch_size_bucket',
  'tilemud_sequencer_batch_duration_seconds_bucket',
  'tilemud_sequencer_events_appended_total',
  'tilemud_sequencer_worlds_owned',
  'tilemud_sequencer_log_head',
  ...RUNTIME,
];
const PROJECTOR = ['tilemud_projector_lag_events', 'tilemud_projector_checkpoint_age_seconds', 'tilemud_projector_events_applied_total', 'tilemud_projector_dead_letters_total', ...RUNTIME];

/** The sum of a metric's samples whose labels include `labels` (0 when there is none). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

const has = (text: string, name: string) => new RegExp(`^${name}(\\{| )`, 'm').test(text);
const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();
const get = async (url: string, path: string) => {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** Polls until `check` is true; fails with the last value seen. */
async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  let last: T | undefined;
  return eventually(
    what,
    async () => {
      last = await read().catch(() => undefined);
      return last !== undefined && check(last) ? last : undefined;
    },
    timeoutMs,
    () => last,
  );
}

describe('worker ops: the sequencer and projector serve /metrics, /healthz and /readyz', () => {
  const system = new TestSystem();
  const extra: AppProcess[] = [];
  let a: TestClient;
  let b: TestClient;
  let stopped: AppProcess | undefined;

  beforeAll(async () => {
    await system.start();
    a = await joinPlayer(system);
    b = await joinPlayer(system);
  }, 90_000);
  afterAll(async () => {
    if (stopped?.proc?.pid) process.kill(stopped.proc.pid, 'SIGCONT');
    await a?.close();
    await b?.close();
    await Promise.all(extra.map((p) => p.stop()));
    await system.stop();
  });

  it('each worker has every catalog name, and the counters move under a small load', async () => {
    const seq = await system.apps.sequencer.opsUrl();
    const proj = await system.apps.projector.opsUrl();
    expect(seq).not.toMatch(/:946[45]$/);
    const before = { seq: await scrape(seq), proj: await scrape(proj) };
    const applied0 = sample(before.seq, 'tilemud_sequencer_intents_total', { type: 'chat', outcome: 'applied' });
    const appended0 = sample(before.seq, 'tilemud_sequencer_events_appended_total');
    const projected0 = sample(before.proj, 'tilemud_projector_events_applied_total');

    for (let i = 0; i < 5; i++) {
      const acks = await Promise.all([a.intent('intent.chat', { text: `hello ${i}`, channel: 'world' }), b.move(b.freeDirection())]);
      expect(acks[0].status).toBe('applied');
    }

    const s = await until(
      'sequencer counters',
      () => scrape(seq),
      (t) => sample(t, 'tilemud_sequencer_intents_total', { type: 'chat', outcome: 'applied' }) >= applied0 + 5,
    );
    for (const name of SEQUENCER) expect([name, has(s, name)]).toEqual([name, true]);
    expect(sample(s, 'tilemud_sequencer_events_appended_total')).toBeGreaterThanOrEqual(appended0 + 5);
    expect(sample(s, 'tilemud_sequencer_commit_duration_seconds_count')).toBeGreaterThanOrEqual(10);
    expect(sample(s, 'tilemud_role_held', { role: 'sequencer' })).toBe(1);
    expect(sample(s, 'tilemud_sequencer_worlds_owned')).toBeGreaterThanOrEqual(1);
    expect(sample(s, 'tilemud_sequencer_log_head')).toBeGreaterThanOrEqual(5);

    // Gauges read in the background (lag, consumer pending) show within a poll (3 s) of the first events.
    const p = await until(
      'projector counters',
      () => scrape(proj),
      (t) => sample(t, 'tilemud_projector_events_applied_total') >= projected0 + 5 && PROJECTOR.every((n) => has(t, n)),
    );
    for (const name of PROJECTOR) expect([name, has(p, name)]).toEqual([name, true]);
    expect(sample(p, 'tilemud_role_held', { role: 'projector' })).toBe(1);
    expect(sample(p, 'tilemud_projector_dead_letters_total', { reason: 'malformed' })).toBe(0);

    for (const url of [seq, proj]) {
      expect(await get(url, '/healthz')).toMatchObject({ status: 200, body: { status: 'alive', phase: 'active' } });
      expect(await get(url, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    }
  }, 90_000);

  it('/readyz: 200 for both members of the sequencer role, each holding a share of the worlds; a killed member’s worlds go to the other', async () => {
    const { holder, other, added } = await secondMember(system, 'sequencer');
    extra.push(added);
    for (const app of [holder, other]) {
      const url = await app.opsUrl();
      expect(await get(url, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', role: 'sequencer' } });
      expect(await get(url, '/healthz')).toMatchObject({ status: 200, body: { status: 'alive', phase: 'active', member: expect.stringContaining(`:${app.proc!.pid}:`) as string } });
      expect(sample(await scrape(url), 'tilemud_role_held', { role: 'sequencer' })).toBe(1);
    }
    const shareBefore = Object.keys(await other.worlds()).length;
    expect(shareBefore).toBeGreaterThan(0);
    expect(holdsEveryMap(await other.worlds())).toBe(false);

    await holder.kill();
    system.apps.sequencer = other;
    await eventually('the other member to hold all ten worlds', async () => holdsEveryMap(await other.worlds()), 20_000);
    expect((await a.intent('intent.chat', { text: 'after the take-over', channel: 'world' })).status).toBe('applied');
  }, 90_000);

  it('projector lag rises while the projector is stopped (SIGSTOP) and intents flow, and falls to 0 after SIGCONT', async () => {
    // Two members whose leases outlast the test's stop (LEASE_TTL_MS 60 s): the second does not
    // take the stopped one's worlds, and reads the same log and checkpoints, so it reports the lag
    // while the stopped one cannot answer.
    const long = { LEASE_TTL_MS: '60000' };
    await system.apps.projector.stop();
    // Projectors killed by earlier suites of a full run are dead under the default time to live
    // (2 s) but would count as live members for a minute under this one: forgotten first.
    const pg = await db();
    await pg.query("DELETE FROM role_members WHERE role = $1 AND seen_at < clock_timestamp() - interval '3 seconds'", [`${process.env.NATS_PREFIX}:projector`]).finally(() => pg.end());
    await system.apps.projector.start(long);
    const { holder: owner, added } = await secondMember(system, 'projector', 'lobby', { ...system.apps.projector.env, ...long });
    extra.push(added);
    const watcher = owner === added ? system.apps.projector : added;
    const ownerUrl = await owner.opsUrl();
    const url = await watcher.opsUrl();
    await until(
      'no lag at first',
      () => scrape(ownerUrl),
      (t) => has(t, 'tilemud_projector_lag_events') && sample(t, 'tilemud_projector_lag_events') === 0,
    );

    stopped = owner;
    process.kill(owner.proc!.pid!, 'SIGSTOP');
    try {
      for (let i = 0; i < 5; i++) expect((await a.intent('intent.chat', { text: `while stopped ${i}`, channel: 'world' })).status).toBe('applied');
      const lagged = await until(
        'lag above 0 (seen by the other member)',
        () => scrape(url),
        (t) => sample(t, 'tilemud_projector_lag_events') >= 5,
      );
      expect(sample(lagged, 'tilemud_projector_checkpoint_age_seconds')).toBeGreaterThan(0);
    } finally {
      process.kill(owner.proc!.pid!, 'SIGCONT');
      stopped = undefined;
    }
    // The other member's figure is the one that kept being read through the stop; the owner's own
    // is read every few seconds again now that it runs (right after SIGCONT it may still say 5).
    await until(
      'lag back to 0 on the other member',
      () => scrape(url),
      (t) => has(t, 'tilemud_projector_lag_events') && sample(t, 'tilemud_projector_lag_events') === 0,
    );
    await until(
      'the owner ready with no lag',
      () => get(ownerUrl, '/readyz'),
      (r) => r.status === 200 && r.body.maxLag === 0,
    );
    expect(sample(await scrape(ownerUrl), 'tilemud_projector_lag_events')).toBe(0);
  }, 90_000);

  it('a worker whose METRICS_PORT is taken does not start, and says which setting to change', async () => {
    // Hangs up on whoever connects: the start polls this port for the app's /readyz until the app exits.
    const taken = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const clash = new AppProcess('projector', runEnv({ METRICS_PORT: String(port) }));
      extra.push(clash);
      await expect(clash.start()).rejects.toThrow(new RegExp(`exited \\(1\\)[\\s\\S]*METRICS_PORT ${port} is already in use`));
    } finally {
      await new Promise((r) => taken.close(r));
    }
  }, 60_000);
});
