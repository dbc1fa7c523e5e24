import type { EventEnvelope } from '@tilemud/runtime';

/**
 * What to do with one event the stream delivered, once compared with the log: `ok` (the log holds
 * the same event; the log's copy is what gets applied), `park` (the log holds a different event at
 * that seq, or none: never applied, kept as a dead letter), `later` (beyond what was read from the
 * log this time; offered again once the projector has caught up to it).
 */
export type Verdict = { kind: 'ok' } | { kind: 'park'; reason: string } | { kind: 'later' };

/**
 * Pure: verdicts for one world's stream events, given what the log holds at the seqs read
 * (`log`), and `coveredTo`, the seq up to which the read was complete (a seq at or below it that
 * is not in `log` is not in the log at all).
 */
export function checkAgainstLog(stream: readonly EventEnvelope[], log: ReadonlyMap<number, EventEnvelope>, coveredTo: number): Verdict[] {
  return stream.map((e) => {
    const held = log.get(e.seq);
    if (held) return sameEvent(e, held) ? { kind: 'ok' } : { kind: 'park', reason: `disagrees with the log at ${e.worldId}:${e.seq}` };
    if (e.seq <= coveredTo) return { kind: 'park', reason: `not in the log: ${e.worldId}:${e.seq}` };
    return { kind: 'later' };
  });
}

/** The same event: every field equal (payload compared as JSON values, key order aside; times as instants). */
export function sameEvent(a: EventEnvelope, b: EventEnvelope): boolean {
  return (
    a.worldId === b.worldId &&
    a.seq === b.seq &&
    a.type === b.type &&
    a.characterId === b.characterId &&
    a.intentSeq === b.intentSeq &&
    Date.parse(a.recordedAt) === Date.parse(b.recordedAt) &&
    sameJson(a.data, b.data)
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameJson(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
