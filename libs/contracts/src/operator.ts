import { z } from 'zod';

/**
 * Addition: `GET /api/admin/overview` (Bearer, role `admin`) → 200 OperatorOverview; 401, 403
 * FORBIDDEN. What the operator page draws: the current figures of the running system and their
 * recent history, derived by the gateway from the Prometheus text of its scrape targets.
 * A figure that cannot be known (its target does not answer, or nothing happened to measure) is
 * `null`, never 0.
 */

/** `[unix ms, value]`; `null` where the figure was unknown at that scrape. */
export const SeriesPointSchema = z.tuple([z.number().int().nonnegative(), z.number().finite().nullable()]);
export type SeriesPoint = z.infer<typeof SeriesPointSchema>;

export const SeriesSchema = z.object({
  /** The value at the latest scrape. */
  current: z.number().finite().nullable(),
  /** Oldest first, one point per scrape. */
  points: z.array(SeriesPointSchema),
});
export type Series = z.infer<typeof SeriesSchema>;

export const ScrapeTargetStatusSchema = z.object({
  name: z.string().min(1),
  url: z.string().min(1),
  up: z.boolean(),
  /** Why the last scrape failed (connection refused, HTTP 404, timeout…). */
  error: z.string().optional(),
  /** Unix ms of the last successful scrape, null if none yet. */
  lastSuccessAt: z.number().int().nonnegative().nullable(),
});
export type ScrapeTargetStatus = z.infer<typeof ScrapeTargetStatusSchema>;

/**
 * Which histogram the "delta p95" figure comes from: the gateway's delta latency when it has one,
 * else the sequencer's commit time (received → committed), which is only part of a delta's way.
 */
export const DeltaLatencySourceSchema = z.enum(['delta', 'sequencer_commit', 'none']);
export type DeltaLatencySource = z.infer<typeof DeltaLatencySourceSchema>;

export const OperatorOverviewSchema = z.object({
  generatedAt: z.number().int().nonnegative(),
  /** Time between scrapes (the series' resolution). */
  intervalMs: z.number().int().positive(),
  /** How far back the series go. */
  windowS: z.number().int().positive(),
  targets: z.array(ScrapeTargetStatusSchema),
  /** Sessions on the scraped gateways (playing and lingering). */
  sessions: SeriesSchema,
  intentsPerSecond: SeriesSchema,
  /** Intent received → ack sent, 95th percentile over each scrape interval, milliseconds. */
  ackP95Ms: SeriesSchema,
  deltaP95Ms: SeriesSchema.extend({ source: DeltaLatencySourceSchema }),
  slo: z.object({
    /** The availability objective (0.995). */
    objective: z.number().gt(0).lt(1),
    /** Good intents / all intents over the whole window; null when no intent was answered in it. */
    availability: z.number().min(0).max(1).nullable(),
    /** Error-budget burn over the window: (1 - availability) / (1 - objective); 1 spends the budget exactly. */
    burn: z.number().nonnegative().nullable(),
    good: z.number().nonnegative(),
    total: z.number().nonnegative(),
    /** Availability of each scrape interval. */
    history: SeriesSchema,
  }),
  projectorLag: z.array(z.object({ world: z.string().min(1), lagEvents: SeriesSchema })),
  dependencies: z.array(
    z.object({
      dependency: z.string().min(1),
      /** From the gateway's own check; null when unknown. */
      up: z.boolean().nullable(),
      latencyMs: z.number().nonnegative().nullable(),
    }),
  ),
  health: z.object({
    status: z.enum(['ok', 'degraded', 'unavailable']),
    /** Why the status is not `ok` (`no_sequencer`, `projector_lagging`, `postgres_down`…), since when (ISO time) if known. */
    causes: z.array(z.object({ cause: z.string().min(1), detail: z.string().optional(), since: z.string().optional() })),
  }),
});
export type OperatorOverview = z.infer<typeof OperatorOverviewSchema>;
