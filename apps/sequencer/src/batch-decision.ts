import { decide, Handover, WorldDraft, WorldEvent, WorldState } from '@tilemud/domain';
import type { IntentEnvelope, OutcomeError } from '@tilemud/runtime';
import type { EventRow, RejectionRow } from './event-log';
import { Outcome, RETRYABLE_DOMAIN_CODES, toCommand } from './intents';

/** A world as the sequencer holds it: its state and the seq of its last event. */
export interface World {
  state: WorldState;
  seq: number;
}

/** What the log held when the batch began, as far as the batch's intents need it. */
export interface BatchGiven {
  /** Each world the batch names, loaded; a world absent here does not exist. */
  worlds: ReadonlyMap<string, World>;
  /** The highest intentSeq decided for each character (applied or rejected). */
  lastIntentSeq: ReadonlyMap<string, number>;
}

/** One intent of the batch, in the order they were received. */
export interface BatchIntent {
  env: IntentEnvelope;
  /** The log refused this intent for its content before: it is decided as this rejection, never as itself. */
  refused?: OutcomeError;
  /** The trace of its decide span, stored with its events (traceparent: memory only, for publishing). */
  traceId: string | null;
  traceparent?: string;
}

/**
 * What became of one intent: an outcome, or a resend (its intentSeq is not above the last decided),
 * answered with the original's outcome once the batch has committed (it may be in this very batch).
 */
export type Verdict = { outcome: Outcome; resend?: undefined } | { resend: { characterId: string; intentSeq: number }; outcome?: undefined };

/** Everything a batch changes, to be committed in one append or not at all. */
export interface BatchDecision {
  /** Rows of the event log, every world's seq following on from its last. */
  events: EventRow[];
  /** Players' refused intents, so a resend is answered the same. */
  rejections: RejectionRow[];
  /** One per intent, in the intents' order. */
  verdicts: Verdict[];
  /** Each world the batch touched, as it is once the batch has committed (in order of first touch). */
  worlds: Map<string, World>;
  /** Characters' highest intentSeq decided in this batch. */
  lastIntentSeq: Map<string, number>;
  /** Portal crossings whose departure this batch records: each arrival is sent after the commit. */
  handovers: Handover[];
}

const worldNotFound = (worldId: string): Outcome => ({ status: 'rejected', error: { code: 'WORLD_NOT_FOUND', category: 'not_found', message: `no world ${worldId}`, retryable: false } });

/**
 * The decision of a batch, pure: given the worlds and characters as the log has them, when these
 * intents are decided in order, then these rows are appended and these answers given. Decisions
 * see the batch's earlier events (one draft per world); nothing given is changed, so a batch whose
 * append fails is dropped whole. `now` stamps the rows (and chat), the one clock of a batch.
 */
export function decideBatch(given: BatchGiven, intents: readonly BatchIntent[], now: string): BatchDecision {
  const drafts = new Map<string, { draft: WorldDraft; seq: number }>();
  const out: BatchDecision = { events: [], rejections: [], verdicts: [], worlds: new Map(), lastIntentSeq: new Map(), handovers: [] };
  const rejected = (env: IntentEnvelope, error: OutcomeError): Verdict => {
    if (env.kind === 'player') {
      out.rejections.push({ characterId: env.characterId, intentSeq: env.intentSeq, worldId: env.worldId, code: error.code, message: error.message, details: error.details ?? null, recordedAt: now });
    }
    return { outcome: { status: 'rejected', error } };
  };

  for (const { env, refused, traceId, traceparent } of intents) {
    const committed = given.worlds.get(env.worldId);
    if (!committed) {
      out.verdicts.push({ outcome: worldNotFound(env.worldId) });
      continue;
    }
    const w = drafts.get(env.worldId) ?? { draft: new WorldDraft(committed.state), seq: committed.seq };
    drafts.set(env.worldId, w);

    if (env.kind === 'player') {
      const last = out.lastIntentSeq.get(env.characterId) ?? given.lastIntentSeq.get(env.characterId) ?? 0;
      if (env.intentSeq <= last) {
        out.verdicts.push({ resend: { characterId: env.characterId, intentSeq: env.intentSeq } });
        continue;
      }
      out.lastIntentSeq.set(env.characterId, env.intentSeq);
    }
    if (refused) {
      out.verdicts.push(rejected(env, refused));
      continue;
    }
    const decision = decide(w.draft.state, toCommand(env, now));
    if (!decision.ok) {
      const r = decision.rejection;
      out.verdicts.push(rejected(env, { code: r.code, category: 'domain', message: r.message, retryable: RETRYABLE_DOMAIN_CODES.has(r.code), ...(r.details ? { details: r.details } : {}) }));
      continue;
    }
    const intentSeq = env.kind === 'player' ? env.intentSeq : null;
    out.events.push(...toRows(env.worldId, w.seq, decision.events, { characterId: env.characterId, intentSeq, recordedAt: now, traceId, traceparent }));
    w.seq += decision.events.length;
    w.draft.apply(decision.events);
    const departed = decision.events.find((e) => e.type === 'character.departed');
    if (departed?.type === 'character.departed') out.handovers.push(departed.data);
    out.verdicts.push({ outcome: { status: 'applied', seq: w.seq, ...(departed?.type === 'character.departed' ? { handover: { toWorldId: departed.data.toWorldId } } : {}) } });
  }
  for (const [id, w] of drafts) out.worlds.set(id, { state: w.draft.state, seq: w.seq });
  return out;
}

/**
 * The first events of a world whose log is empty (the map's items placed), or undefined when the
 * world needs none; with the world as it is after them.
 */
export function decideSeed(worldId: string, world: World, now: string): { rows: EventRow[]; world: World } | undefined {
  if (world.seq !== 0) return undefined;
  const d = decide(world.state, { type: 'seed' });
  if (!d.ok || !d.events.length) return undefined;
  const rows = toRows(worldId, 0, d.events, { characterId: null, intentSeq: null, recordedAt: now, traceId: null });
  return { rows, world: { state: new WorldDraft(world.state).apply(d.events).state, seq: rows.length } };
}

type RowStamp = Pick<EventRow, 'characterId' | 'intentSeq' | 'recordedAt' | 'traceId' | 'traceparent'>;

/** One decision's events as log rows, numbered on from the world's seq `after`. */
function toRows(worldId: string, after: number, events: readonly WorldEvent[], stamp: RowStamp): EventRow[] {
  return events.map((e, i) => ({
    worldId,
    seq: after + i + 1,
    characterId: stamp.characterId,
    intentSeq: stamp.intentSeq,
    eventIndex: i,
    type: e.type,
    payload: e.data as Record<string, unknown>,
    recordedAt: stamp.recordedAt,
    traceId: stamp.traceId,
    ...(stamp.traceparent !== undefined ? { traceparent: stamp.traceparent } : {}),
  }));
}
