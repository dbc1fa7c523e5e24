import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { joinPlayer, TestClient } from '../support/client';
import { eventually } from '../support/eventually';
import { AppProcess, runEnv, TestSystem } from '../support/system';

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

  it('/readyz: 200 for the owner, 503 standby for a second sequencer, which turns ready once the owner is killed', async () => {
    const standby = new AppProcess('sequencer', runEnv());
    extra.push(standby);
    const running = standby.start();
    running.catch(() => undefined); // awaited below; a failure shows there
    const url = await standby.opsUrl();
    await standby.waitStandby();
    const owner = await system.apps.sequencer.opsUrl();

    expect(await get(owner, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', role: 'sequencer' } });
    expect(await get(url, '/readyz')).toMatchObject({ status: 503, body: { status: 'standby', role: 'sequencer', reason: expect.any(String) as string } });
    expect(await get(url, '/healthz')).toMatchObject({ status: 200, body: { status: 'alive', phase: 'standby' } });
    const s = await scrape(url);
    expect(sample(s, 'tilemud_role_held', { role: 'sequencer' })).toBe(0);
    expect(sample(s, 'tilemud_sequencer_worlds_owned')).toBe(0);

    await system.apps.sequencer.kill();
    await running;
    system.apps.sequencer = standby;
    await until(
      'the standby ready',
      () => get(url, '/readyz'),
      (r) => r.status === 200,
    );
    expect(sample(await scrape(url), 'tilemud_role_held', { role: 'sequencer' })).toBe(1);
    expect((await a.intent('intent.chat', { text: 'after the take-over', channel: 'world' })).status).toBe('applied');
  }, 90_000);

  it('projector lag rises while the projector is stopped (SIGSTOP) and intents flow, and falls to 0 after SIGCONT', async () => {
    const owner = system.apps.projector;
    const ownerUrl = await owner.opsUrl();
    // A standby reads the same log and checkpoints: it reports the lag while the owner cannot answer.
    const standby = new AppProcess('projector', runEnv());
    extra.push(standby);
    standby.start().catch(() => undefined); // stays a standby: never ready
    const url = await standby.opsUrl();
    await standby.waitStandby();
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
        'lag above 0 (seen by the standby)',
        () => scrape(url),
        (t) => sample(t, 'tilemud_projector_lag_events') >= 5,
      );
      expect(sample(lagged, 'tilemud_projector_checkpoint_age_seconds')).toBeGreaterThan(0);
    } finally {
      process.kill(owner.proc!.pid!, 'SIGCONT');
      stopped = undefined;
    }
    // The standby's figure is the one that kept being read through the stop; the owner's own is
    // read every few seconds again now that it runs (right after SIGCONT it may still say 5).
    await until(
      'lag back to 0 on the standby',
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
