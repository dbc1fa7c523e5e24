import { EVENT_VERSIONS, upcast } from '@tilemud/domain';
import type { EventEnvelope } from '../wire';

/** One row of `action_events`, as every reader of the log sees it. */
export interface LoggedEvent {
  worldId: string;
  seq: number;
  characterId: string | null;
  /** The player intent it answers (null for system intents and handovers). */
  intentSeq: number | null;
  /** Its place among the events of one intent (0 first). */
  eventIndex: number;
  type: string;
  payload: Record<string, unknown>;
  /**
   * The schema version of `payload` as returned: today's (EVENT_VERSIONS) for a reader that upcasts,
   * the stored one for a raw reader. Absent on an event not yet appended: today's.
   */
  version?: number;
  /** ISO 8601. */
  recordedAt: string;
  /** The trace id of the intent that decided it. */
  traceId: string | null;
  /** Raw readers only: the hash chain (hex), as stored. */
  prevHash?: string | null;
  hash?: string | null;
}

/** A logged event as the EVENTS stream carries it. */
export function envelopeOf(e: LoggedEvent): EventEnvelope {
  return { worldId: e.worldId, seq: e.seq, type: e.type, data: e.payload, characterId: e.characterId, intentSeq: e.intentSeq, recordedAt: e.recordedAt };
}

export const COLUMNS = 'world_id, seq, character_id, intent_seq, event_index, type, payload, version, recorded_at, trace_id';
/** A raw reader's columns: the hash chain too (decoding it costs a third of a read). */
export const RAW_COLUMNS = `${COLUMNS}, prev_hash, hash`;

/** Each world id of the log once, in order: one index probe per world instead of a scan of every event. */
export const SKIP_SCAN = `WITH RECURSIVE w AS (
    (SELECT world_id FROM action_events ORDER BY world_id LIMIT 1)
    UNION ALL
    SELECT (SELECT e.world_id FROM action_events e WHERE e.world_id > w.world_id ORDER BY e.world_id LIMIT 1) FROM w WHERE w.world_id IS NOT NULL)
  SELECT world_id FROM w`;

/** A row of `action_events` as node-postgres returns it (bigints as text). */
export interface EventRecord {
  world_id: string;
  seq: string;
  character_id: string | null;
  intent_seq: string | null;
  event_index: number;
  type: string;
  payload: Record<string, unknown>;
  version: number;
  recorded_at: Date;
  trace_id: string | null;
  prev_hash?: Buffer | null;
  hash?: Buffer | null;
}

/** A stored event as stored: its own version, and the hash chain in hex. */
export function toRaw(r: EventRecord): LoggedEvent {
  return {
    worldId: r.world_id,
    seq: Number(r.seq),
    characterId: r.character_id,
    intentSeq: r.intent_seq === null ? null : Number(r.intent_seq),
    eventIndex: Number(r.event_index),
    type: r.type,
    payload: r.payload,
    version: Number(r.version),
    recordedAt: new Date(r.recorded_at).toISOString(),
    traceId: r.trace_id,
    prevHash: r.prev_hash ? r.prev_hash.toString('hex') : null,
    hash: r.hash ? r.hash.toString('hex') : null,
  };
}

/** Today's shape of a stored event. A type the domain does not know is passed on as stored. */
export function toCurrent(r: EventRecord): LoggedEvent {
  const { prevHash: _p, hash: _h, ...e } = toRaw(r);
  const current = (EVENT_VERSIONS as Record<string, number | undefined>)[e.type];
  if (current === undefined || e.version === current) return e;
  return { ...e, payload: upcast(e.type, e.version ?? 1, e.payload).data as Record<string, unknown>, version: current };
}
