import type { DeltaLatencySource, OperatorOverview, ScrapeTargetStatus, Series } from '@tilemud/contracts';
import { availability, burnRate, gaugeBy, hasHistogram, histogramQuantile, increase, rate, sumGauge, type Frame } from './derive';

/** The availability objective of the intent SLO (docs/operations.md). */
const SLO_OBJECTIVE = 0.995;

/** Prometheus names the page reads (the metrics catalog of issue #12). */
const M = {
  sessions: 'tilemud_gateway_sessions',
  intents: 'tilemud_gateway_intents_total',
  ack: 'tilemud_gateway_intent_ack_duration_seconds',
  sloTotal: 'tilemud_slo_intents_total',
  sloGood: 'tilemud_slo_intents_good_total',
  lag: 'tilemud_projector_lag_events',
  dependencyUp: 'tilemud_dependency_up',
  healthCause: 'tilemud_health_cause',
} as const;

/** Where "delta p95" comes from, best first: a real delta latency, else the sequencer's commit time. */
const DELTA_HISTOGRAMS: ReadonlyArray<readonly [string, Exclude<DeltaLatencySource, 'none'>]> = [
  ['tilemud_gateway_delta_latency_seconds', 'delta'],
  ['tilemud_sequencer_commit_duration_seconds', 'sequencer_commit'],
];

/** The figures of one scrape round. */
export interface Tick {
  t: number;
  sessions: number | null;
  intentsPerSecond: number | null;
  ackP95Ms: number | null;
  deltaP95Ms: number | null;
  deltaSource: DeltaLatencySource;
  sloGood: number | null;
  sloTotal: number | null;
  /** World → events the read model is behind; only worlds a projector reported. */
  lag: Map<string, number>;
  dependencyUp: Map<string, number>;
  /** Causes the health gauge reports active. */
  causes: string[];
}

const ms = (s: number | null) => (s === null ? null : Math.round(s * 1e5) / 100);

/** One round's figures from the frames of the targets that answered it. */
export function deriveTick(t: number, frames: Frame[]): Tick {
  const delta = DELTA_HISTOGRAMS.find(([name]) => hasHistogram(frames, name));
  return {
    t,
    sessions: sumGauge(frames, M.sessions),
    intentsPerSecond: rate(frames, M.intents),
    ackP95Ms: ms(histogramQuantile(frames, 0.95, M.ack)),
    deltaP95Ms: delta ? ms(histogramQuantile(frames, 0.95, delta[0])) : null,
    deltaSource: delta ? delta[1] : 'none',
    sloGood: increase(frames, M.sloGood),
    sloTotal: increase(frames, M.sloTotal),
    lag: gaugeBy(frames, M.lag, 'world'),
    dependencyUp: gaugeBy(frames, M.dependencyUp, 'dependency'),
    causes: [...gaugeBy(frames, M.healthCause, 'cause')].filter(([, v]) => v > 0).map(([c]) => c),
  };
}

export interface HealthView {
  status: 'ok' | 'degraded' | 'unavailable';
  dependencies: Record<string, { status: 'up' | 'down'; latencyMs: number }>;
  /** Causes the health service gives, when it gives any. */
  causes?: Array<{ cause: string; detail?: string; since?: string }>;
}

function series(ticks: Tick[], pick: (t: Tick) => number | null): Series {
  const points = ticks.map((t) => [t.t, pick(t)] as [number, number | null]);
  return { current: points.length ? points[points.length - 1]![1] : null, points };
}

/** The answer of GET /api/admin/overview from the rounds within the window. */
export function buildOverview(args: { now: number; intervalMs: number; windowS: number; ticks: Tick[]; targets: ScrapeTargetStatus[]; health: HealthView }): OperatorOverview {
  const ticks = args.ticks.filter((t) => t.t > args.now - args.windowS * 1000);
  const last = ticks[ticks.length - 1];
  let good = 0;
  let total = 0;
  for (const t of ticks)
    if (t.sloGood !== null && t.sloTotal !== null) {
      good += t.sloGood;
      total += t.sloTotal;
    }
  const avail = availability(good, total);
  const worlds = [...new Set(ticks.flatMap((t) => [...t.lag.keys()]))].sort();
  const depNames = [...new Set([...Object.keys(args.health.dependencies), ...(last ? last.dependencyUp.keys() : [])])].sort();
  const causes = args.health.causes ?? (last?.causes ?? []).map((cause) => ({ cause }));
  return {
    generatedAt: args.now,
    intervalMs: args.intervalMs,
    windowS: args.windowS,
    targets: args.targets,
    sessions: series(ticks, (t) => t.sessions),
    intentsPerSecond: series(ticks, (t) => t.intentsPerSecond),
    ackP95Ms: series(ticks, (t) => t.ackP95Ms),
    deltaP95Ms: { ...series(ticks, (t) => t.deltaP95Ms), source: last?.deltaSource ?? 'none' },
    slo: {
      objective: SLO_OBJECTIVE,
      availability: avail,
      burn: burnRate(avail, SLO_OBJECTIVE),
      good,
      total,
      history: series(ticks, (t) => (t.sloGood === null || t.sloTotal === null ? null : availability(t.sloGood, t.sloTotal))),
    },
    projectorLag: worlds.map((world) => ({ world, lagEvents: series(ticks, (t) => t.lag.get(world) ?? null) })),
    dependencies: depNames.map((dependency) => {
      const checked = args.health.dependencies[dependency];
      const gauge = last?.dependencyUp.get(dependency);
      return {
        dependency,
        up: gauge !== undefined ? gauge > 0 : checked ? checked.status === 'up' : null,
        latencyMs: checked ? checked.latencyMs : null,
      };
    }),
    health: { status: args.health.status, causes },
  };
}
