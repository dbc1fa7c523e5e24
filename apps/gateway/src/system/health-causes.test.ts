import { evaluate, HealthThresholds, notReady, ProbeResults, stamp, statusOf } from './health-causes';

const t: HealthThresholds = { projectorLagEvents: 500, projectorStallMs: 3000, intentsUnansweredMs: 2000 };
const healthy: ProbeResults = {
  postgres: true,
  redis: true,
  nats: true,
  sequencerOwned: true,
  projectorOwned: true,
  eventsStream: true,
  intentsStream: true,
  worlds: [{ worldId: 'w1', head: 10, checkpoint: 10 }],
  oldestPendingIntentMs: 0,
};
const names = (p: ProbeResults, prev = new Map(), now = 0) => evaluate(p, prev, t, now).causes.map((c) => c.cause);

describe('health causes from probe results', () => {
  it('finds nothing wrong with everything up, caught up and answered', () => {
    expect(names(healthy)).toEqual([]);
    expect(statusOf([])).toBe('ok');
  });

  it('names each cause, with the status it gives', () => {
    const cases: [Partial<ProbeResults>, string, string][] = [
      [{ postgres: false }, 'postgres_down', 'unavailable'],
      [{ nats: false }, 'nats_down', 'unavailable'],
      [{ redis: false }, 'redis_down', 'degraded'],
      [{ sequencerOwned: false }, 'no_sequencer', 'unavailable'],
      [{ projectorOwned: false }, 'no_projector', 'degraded'],
      [{ eventsStream: false }, 'events_stream_missing', 'unavailable'],
      [{ intentsStream: false }, 'intents_stream_missing', 'unavailable'],
      [{ worlds: [{ worldId: 'w1', head: 700, checkpoint: 100 }] }, 'projector_lagging', 'degraded'],
      [{ oldestPendingIntentMs: 2500 }, 'intents_unanswered', 'degraded'],
    ];
    for (const [change, cause, status] of cases) {
      const causes = evaluate({ ...healthy, ...change }, new Map(), t, 0).causes;
      expect(causes.map((c) => c.cause)).toEqual([cause]);
      expect(statusOf(causes)).toBe(status);
    }
  });

  it('takes a probe that could not run (undefined) for unknown, not for a failure', () => {
    expect(names({ ...healthy, postgres: false, sequencerOwned: undefined, projectorOwned: undefined, worlds: undefined })).toEqual(['postgres_down']);
    expect(names({ ...healthy, nats: false, eventsStream: undefined, intentsStream: undefined })).toEqual(['nats_down']);
  });

  it('calls the projector stalled only when its checkpoint stands still behind the head for the stall time', () => {
    const behind = (checkpoint: number, head = 20) => ({ ...healthy, worlds: [{ worldId: 'w1', head, checkpoint }] });
    let r = evaluate(behind(10), new Map(), t, 0);
    expect(r.causes).toEqual([]);
    r = evaluate(behind(10), r.progress, t, 2999);
    expect(r.causes).toEqual([]);
    const stalled = evaluate(behind(10), r.progress, t, 3000);
    expect(stalled.causes.map((c) => c.cause)).toEqual(['projector_stalled']);
    // Moving again (even if still behind) clears it; so does being caught up.
    expect(evaluate(behind(15), stalled.progress, t, 3500).causes).toEqual([]);
    expect(evaluate(behind(10, 10), stalled.progress, t, 9000).causes).toEqual([]);
  });

  it("keeps a cause's since while it stays, and gives readiness only the dependencies it needs", () => {
    const first = stamp([{ cause: 'no_sequencer', message: 'm' }], [], 1000);
    const later = stamp(
      [
        { cause: 'no_sequencer', message: 'm' },
        { cause: 'nats_down', message: 'n' },
      ],
      first,
      5000,
    );
    expect(later.map((c) => c.since)).toEqual([new Date(1000).toISOString(), new Date(5000).toISOString()]);
    expect(notReady(later).map((c) => c.cause)).toEqual(['nats_down']);
  });
});
