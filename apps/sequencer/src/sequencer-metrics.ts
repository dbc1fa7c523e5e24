import type { Counter, Histogram } from '@opentelemetry/api';
import { AckEnvelope, IntentEnvelope, IntervalStats, LATENCY_BUCKETS_S, logHeads, meter, Polled, SIZE_BUCKETS } from '@tilemud/runtime';
import type { Pool } from 'pg';

/** The sequencer's instruments (names: docs/operations.md and the metrics catalog). */
interface Instruments {
  intents: Counter;
  commitDuration: Histogram;
  batchSize: Histogram;
  batchDuration: Histogram;
  eventsAppended: Counter;
}

let made: Instruments | undefined;

/**
 * Made on first use, which is after `startWorker` has registered the meter provider: an instrument
 * made before it would be a no-op for good (the metrics API has no proxy for instruments).
 */
function instruments(): Instruments {
  if (made) return made;
  const m = meter();
  made = {
    intents: m.createCounter('tilemud.sequencer.intents', { description: 'intents answered, by type, outcome and error code ("" when none)' }),
    commitDuration: m.createHistogram('tilemud.sequencer.commit.duration_seconds', {
      unit: 's',
      description: 'an intent received -> its group commit done',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
    }),
    batchSize: m.createHistogram('tilemud.sequencer.batch.size', { description: 'intents per group commit', advice: { explicitBucketBoundaries: SIZE_BUCKETS } }),
    batchDuration: m.createHistogram('tilemud.sequencer.batch.duration_seconds', {
      unit: 's',
      description: 'time one group commit took to append',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
    }),
    eventsAppended: m.createCounter('tilemud.sequencer.events.appended', { description: 'events appended to the log, by world' }),
  };
  return made;
}

/** A bounded label for an intent: a player's move|chat|action, a system enter|away|leave, or handover. */
export function intentType(env: IntentEnvelope): string {
  switch (env.kind) {
    case 'player':
      return env.intent.type;
    case 'system':
      return env.op;
    case 'handover':
      return 'handover';
  }
}

/**
 * Every answer the sequencer gives (applied, rejected, duplicate), once. Typed by the wire's ack, not
 * by `./intents`, which imports the event log, which counts its appends here: no import circle.
 */
export function recordOutcome(env: IntentEnvelope, outcome: Pick<AckEnvelope, 'status' | 'error'>): void {
  instruments().intents.add(1, { type: intentType(env), outcome: outcome.status, code: outcome.error?.code ?? '' });
}

/** One group commit: its size, its append time and each intent's wait from receipt to commit. */
export function recordBatch(intents: number, appendS: number, waitedS: number[]): void {
  const i = instruments();
  i.batchSize.record(intents);
  i.batchDuration.record(appendS);
  for (const s of waitedS) i.commitDuration.record(s);
}

/** One group commit in the 10 s stats line and the metrics: its append time, events, and each intent's wait from receipt. */
export function recordCommit(stats: IntervalStats, c: { appendMs: number; events: number; waitedMs: readonly number[] }): void {
  stats.time('appendMs', c.appendMs);
  stats.count('batches');
  stats.count('intents', c.waitedMs.length);
  stats.count('events', c.events);
  for (const w of c.waitedMs) stats.time('receivedToCommitMs', w);
  recordBatch(
    c.waitedMs.length,
    c.appendMs / 1e3,
    c.waitedMs.map((w) => w / 1e3),
  );
}

/** Events committed to the log, counted per world. */
export function recordAppended(events: ReadonlyArray<{ worldId: string }>): void {
  const byWorld = new Map<string, number>();
  for (const e of events) byWorld.set(e.worldId, (byWorld.get(e.worldId) ?? 0) + 1);
  for (const [world, n] of byWorld) instruments().eventsAppended.add(n, { world });
}

/** Log heads: the database's (polled, true for a standby too) raised by what this owner committed since. */
export function mergeHeads(polled: ReadonlyMap<string, number> | undefined, memory: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map(polled ?? []);
  for (const [w, seq] of memory) if (seq > (out.get(w) ?? 0)) out.set(w, seq);
  return out;
}

/**
 * The gauges, registered before the role is taken (a standby reports the log heads too, and owns
 * no world). `memoryHeads` is filled once the sequencer exists.
 */
export function observeSequencer(pool: Pool, active: () => boolean): { memoryHeads: (read: () => ReadonlyMap<string, number>) => void } {
  let memory: () => ReadonlyMap<string, number> = () => new Map();
  const heads = new Polled(() => logHeads(pool)).start();
  const current = () => mergeHeads(heads.get(), active() ? memory() : new Map());
  const m = meter();
  m.createObservableGauge('tilemud.sequencer.worlds.owned', { description: 'worlds this process sequences (0 as a standby or paused)' }).addCallback((r) => r.observe(active() ? current().size : 0));
  m.createObservableGauge('tilemud.sequencer.log.head', { description: "each world's highest seq in the event log" }).addCallback((r) => {
    for (const [world, seq] of current()) r.observe(seq, { world });
  });
  return { memoryHeads: (read) => (memory = read) };
}
