import type { HealthCause, HealthCauseName, HealthDependency } from '@tilemud/contracts';

/**
 * Pure: what one round of probes found. A probe that could not run (PostgreSQL or NATS down) is
 * `undefined`: unknown, never taken for a failure of its own (the cause is then the dependency).
 */
export interface ProbeResults {
  postgres: boolean;
  redis: boolean;
  nats: boolean;
  /** Whether a process holds the role's advisory lock. */
  sequencerOwned?: boolean;
  projectorOwned?: boolean;
  eventsStream?: boolean;
  intentsStream?: boolean;
  /** Per world: the log's head and the projector's checkpoint. */
  worlds?: readonly { worldId: string; head: number; checkpoint: number }[];
  /** Age of this gateway's oldest intent still waiting for its ack, ms (0 when none waits). */
  oldestPendingIntentMs: number;
}

export interface HealthThresholds {
  /** Events behind the log head beyond which the projector is lagging. */
  projectorLagEvents: number;
  /** A checkpoint behind the head and not moving for this long is stalled. */
  projectorStallMs: number;
  /** An intent unanswered this long makes `intents_unanswered`. */
  intentsUnansweredMs: number;
}

/** Per world, the checkpoint last seen and since when it has not moved (epoch ms). */
export type CheckpointProgress = ReadonlyMap<string, { checkpoint: number; since: number }>;

/** The status each cause gives: without these nothing can be played; the others slow or stale it. */
const SEVERITY: Record<HealthCauseName, 'degraded' | 'unavailable'> = {
  postgres_down: 'unavailable',
  nats_down: 'unavailable',
  no_sequencer: 'unavailable',
  events_stream_missing: 'unavailable',
  intents_stream_missing: 'unavailable',
  redis_down: 'degraded',
  no_projector: 'degraded',
  projector_lagging: 'degraded',
  projector_stalled: 'degraded',
  intents_unanswered: 'degraded',
};

/** Which causes players are told of (`event.degraded`), under which dependency name. */
export const NOTICE_OF: Partial<Record<HealthCauseName, HealthDependency>> = {
  postgres_down: 'postgres',
  redis_down: 'redis',
  nats_down: 'nats',
  no_sequencer: 'sequencer',
  events_stream_missing: 'events',
  intents_stream_missing: 'intents',
  projector_stalled: 'projector',
};

export interface Evaluation {
  causes: { cause: HealthCauseName; message: string }[];
  progress: Map<string, { checkpoint: number; since: number }>;
}

/** Pure: the causes active now, and the checkpoint progress to carry to the next round. */
export function evaluate(p: ProbeResults, prev: CheckpointProgress, t: HealthThresholds, now: number): Evaluation {
  const causes: Evaluation['causes'] = [];
  const add = (cause: HealthCauseName, message: string) => causes.push({ cause, message });
  if (!p.postgres) add('postgres_down', 'PostgreSQL (the event log) does not answer: intents are refused.');
  if (!p.nats) add('nats_down', 'NATS does not answer: intents cannot reach the sequencer.');
  if (!p.redis) add('redis_down', 'Redis does not answer: sign-ins, tickets and resumes may fail; play goes on.');
  if (p.sequencerOwned === false) add('no_sequencer', 'No sequencer holds any world (no live world lease): intents go unanswered.');
  if (p.projectorOwned === false) add('no_projector', 'No projector holds any world (no live world lease): read models and snapshots fall behind.');
  if (p.eventsStream === false) add('events_stream_missing', 'The EVENTS stream is missing in JetStream: deltas are not delivered.');
  if (p.intentsStream === false) add('intents_stream_missing', 'The INTENTS stream is missing in JetStream: intents cannot be queued.');
  const progress = new Map<string, { checkpoint: number; since: number }>();
  const lagging: string[] = [];
  const stalled: string[] = [];
  for (const w of p.worlds ?? []) {
    const lag = w.head - w.checkpoint;
    const before = prev.get(w.worldId);
    const since = before && before.checkpoint === w.checkpoint ? before.since : now;
    progress.set(w.worldId, { checkpoint: w.checkpoint, since });
    if (lag > t.projectorLagEvents) lagging.push(`${w.worldId} (${lag})`);
    if (lag > 0 && now - since >= t.projectorStallMs) stalled.push(`${w.worldId} (${lag} behind for ${Math.round((now - since) / 1000)} s)`);
  }
  if (lagging.length) add('projector_lagging', `The projector is more than ${t.projectorLagEvents} events behind the log: ${lagging.join(', ')}.`);
  if (stalled.length) add('projector_stalled', `The projector's checkpoint has not moved while behind the log: ${stalled.join(', ')}.`);
  if (p.oldestPendingIntentMs >= t.intentsUnansweredMs) add('intents_unanswered', `An intent has waited ${Math.round(p.oldestPendingIntentMs)} ms for its ack.`);
  return { causes, progress };
}

/** Pure: the worst status of the causes. */
export function statusOf(causes: readonly { cause: HealthCauseName }[]): 'ok' | 'degraded' | 'unavailable' {
  if (causes.some((c) => SEVERITY[c.cause] === 'unavailable')) return 'unavailable';
  return causes.length ? 'degraded' : 'ok';
}

/** Pure: keeps each cause's `since` from the last round while it stays active. */
export function stamp(causes: Evaluation['causes'], prev: readonly HealthCause[], now: number): HealthCause[] {
  const since = new Map(prev.map((c) => [c.cause, c.since]));
  return causes.map((c) => ({ ...c, since: since.get(c.cause) ?? new Date(now).toISOString() }));
}

/** Causes that keep this gateway from serving players at all (`/readyz`). */
export function notReady(causes: readonly HealthCause[]): HealthCause[] {
  return causes.filter((c) => c.cause === 'postgres_down' || c.cause === 'nats_down');
}
