import { OperatorOverviewSchema, type OperatorOverview, type SeriesPoint } from '@tilemud/contracts';

const T0 = 1_800_000_000_000;
const pts = (values: Array<number | null>): SeriesPoint[] => values.map((v, i) => [T0 + i * 2000, v]);

/** An overview as a busy system with a silent projector target and Redis down would answer it. */
export const OVERVIEW: OperatorOverview = OperatorOverviewSchema.parse({
  generatedAt: T0 + 8000,
  intervalMs: 2000,
  windowS: 300,
  targets: [
    { name: 'gateway', url: 'http://127.0.0.1:3000/metrics', up: true, lastSuccessAt: T0 + 8000 },
    { name: 'sequencer', url: 'http://127.0.0.1:9464/metrics', up: true, lastSuccessAt: T0 + 8000 },
    { name: 'projector', url: 'http://127.0.0.1:9465/metrics', up: false, error: 'ECONNREFUSED', lastSuccessAt: T0 + 2000 },
  ],
  sessions: { current: 42, points: pts([40, 41, 41, 42, 42]) },
  intentsPerSecond: { current: 118.5, points: pts([100, null, 110.2, 120, 118.5]) },
  ackP95Ms: { current: 7.25, points: pts([6, 7, 8, 7.5, 7.25]) },
  deltaP95Ms: { current: 3.1, points: pts([3, 3, 3.2, 3.1, 3.1]), source: 'sequencer_commit' },
  slo: { objective: 0.995, availability: 0.9931, burn: 1.38, good: 9931, total: 10000, history: { current: 0.99, points: pts([1, 0.998, 0.99, 0.99, 0.99]) } },
  projectorLag: [
    { world: 'meadow', lagEvents: { current: 12, points: pts([0, 3, 12, 12, 12]) } },
    { world: 'caves', lagEvents: { current: null, points: pts([0, 0, null, null, null]) } },
  ],
  dependencies: [
    { dependency: 'nats', up: true, latencyMs: 0.4 },
    { dependency: 'postgres', up: true, latencyMs: 1.2 },
    { dependency: 'redis', up: false, latencyMs: 1500 },
  ],
  health: { status: 'degraded', causes: [{ cause: 'redis_down' }, { cause: 'projector_lagging', detail: 'meadow is 12 events behind' }] },
});

/** Nothing known yet: a first answer while every target is still silent. */
export const EMPTY: OperatorOverview = {
  ...OVERVIEW,
  targets: OVERVIEW.targets.map((t) => ({ ...t, up: false, error: 'not scraped yet', lastSuccessAt: null })),
  sessions: { current: null, points: [] },
  intentsPerSecond: { current: null, points: [] },
  ackP95Ms: { current: null, points: [] },
  deltaP95Ms: { current: null, points: [], source: 'none' },
  slo: { objective: 0.995, availability: null, burn: null, good: 0, total: 0, history: { current: null, points: [] } },
  projectorLag: [],
  health: { status: 'ok', causes: [] },
};
