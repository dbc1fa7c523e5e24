import { buildOverview, deriveTick, type HealthView, type Tick } from './overview';
import { parsePrometheusText } from './prom-text';

const health: HealthView = { status: 'ok', dependencies: { postgres: { status: 'up', latencyMs: 1 } } };
const tick = (t: number, good: number | null, total: number | null, lag?: number): Tick => ({
  t,
  sessions: 1,
  intentsPerSecond: null,
  ackP95Ms: null,
  deltaP95Ms: null,
  deltaSource: 'none',
  sloGood: good,
  sloTotal: total,
  lag: new Map(lag === undefined ? [] : [['meadow', lag]]),
  dependencyUp: new Map(),
  causes: [],
});
const build = (ticks: Tick[], now = 100_000) => buildOverview({ now, intervalMs: 2000, windowS: 60, ticks, targets: [], health });

describe('buildOverview', () => {
  it('sums the SLO over the rounds in the window only, unknown rounds left out', () => {
    // The first round is older than the 60 s window: its 100 bad intents do not count.
    const o = build([tick(30_000, 0, 100), tick(50_000, 99, 100), tick(52_000, null, null), tick(54_000, 100, 100)]);
    expect(o.slo).toMatchObject({ good: 199, total: 200, availability: 0.995 });
    expect(o.slo.burn).toBeCloseTo(1);
    expect(o.slo.history.points).toEqual([
      [50_000, 0.99],
      [52_000, null],
      [54_000, 1],
    ]);
    expect(o.sessions.points).toHaveLength(3);
  });

  it('has no availability (not 100 %) when no intent was counted', () => {
    expect(build([tick(99_000, 0, 0)]).slo).toMatchObject({ availability: null, burn: null, total: 0 });
    expect(build([]).sessions).toEqual({ current: null, points: [] });
  });

  it('keeps a world its projector stopped reporting, with unknown lag since', () => {
    const o = build([tick(96_000, null, null, 4), tick(98_000, null, null)]);
    expect(o.projectorLag).toEqual([
      {
        world: 'meadow',
        lagEvents: {
          current: null,
          points: [
            [96_000, 4],
            [98_000, null],
          ],
        },
      },
    ]);
  });

  it('takes dependency states from the gauge when served, else from the health check', () => {
    const t = { ...tick(99_000, null, null), dependencyUp: new Map([['redis', 0]]) };
    expect(build([t]).dependencies).toEqual([
      { dependency: 'postgres', up: true, latencyMs: 1 },
      { dependency: 'redis', up: false, latencyMs: null },
    ]);
  });
});

describe('deriveTick', () => {
  it('prefers a delta-latency histogram over the sequencer commit time', () => {
    const text = 'tilemud_sequencer_commit_duration_seconds_bucket{le="+Inf"} 1\ntilemud_gateway_delta_latency_seconds_bucket{le="+Inf"} 1';
    expect(deriveTick(0, [{ now: parsePrometheusText(text), prev: null, dtS: 0 }]).deltaSource).toBe('delta');
    expect(deriveTick(0, []).deltaSource).toBe('none');
  });
});
