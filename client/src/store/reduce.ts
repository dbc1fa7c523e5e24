import type { ErrorBody, EventStateDelta, Intent, ServerMessage, Snapshot } from '@tilemud/contracts';
import { applyChanges, countMoves, sliceFromSnapshot } from './changes';
import { DIRECTION_VECTORS } from '@tilemud/contracts';
import { ackOutcome, afterConnectionLost, afterDelta, afterSnapshot, predict, resolveAck } from './pending';
import { NOTICES_KEEP, type GameState, type Notice, type PendingIntent } from './state';

/** Everything that changes the game state. `now` is the local clock, passed in to keep this pure. */
export type GameEvent =
  | { type: 'server'; message: ServerMessage; now: number }
  /** An intent was made (given its intentSeq); it is sent now or when the socket is live. */
  | { type: 'intent.queued'; intent: Intent }
  | { type: 'intent.sent'; intentSeq: number; at?: number }
  /** A stale intent was given a new intentSeq before being resent. */
  | { type: 'intent.renumbered'; from: number; to: number }
  | { type: 'connection.lost' }
  | { type: 'resync.sent' }
  /** No full snapshot came for a resync: ask again. */
  | { type: 'resync.retry' }
  /** A snapshot fetched over REST (the polling fallback); `seq` from its ETag. */
  | { type: 'snapshot.polled'; snapshot: Snapshot; seq: number }
  | { type: 'notice'; kind: Notice['kind']; text: string }
  | { type: 'notice.dismiss'; id: number };

export function reduce(state: GameState, event: GameEvent): GameState {
  switch (event.type) {
    case 'server':
      return onServer(state, event.message, event.now);
    case 'intent.queued':
      return {
        ...state,
        pending: [...state.pending, { intent: event.intent, worldId: state.worldId, sent: false, uncertain: false, reflected: false }],
      };
    case 'intent.sent':
      return { ...state, pending: state.pending.map((p) => (p.intent.intentSeq === event.intentSeq ? { ...p, sent: true, sentAt: event.at } : p)) };
    case 'intent.renumbered':
      return {
        ...state,
        pending: state.pending.map((p) => (p.intent.intentSeq === event.from ? { ...p, intent: { ...p.intent, intentSeq: event.to }, renumber: false, sent: false } : p)),
      };
    case 'connection.lost':
      return { ...state, pending: afterConnectionLost(state.pending), gap: null };
    case 'resync.sent':
      return state.gap ? { ...state, gap: { ...state.gap, requested: true } } : state;
    case 'resync.retry':
      return state.gap ? { ...state, gap: { ...state.gap, requested: false } } : state;
    case 'snapshot.polled':
      return applyFull(state, event.snapshot.world.id, event.seq, event.snapshot);
    case 'notice':
      return addNotice(state, event.kind, event.text);
    case 'notice.dismiss':
      return { ...state, notices: state.notices.filter((n) => n.id !== event.id) };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

function onServer(state: GameState, m: ServerMessage, now: number): GameState {
  switch (m.type) {
    case 'event.ack':
      if (m.ack === 'handshake') {
        const session = { sessionId: m.sessionId, resumeToken: m.resumeToken, heartbeatIntervalMs: m.heartbeatIntervalMs, resumed: m.resumed, aoiRadius: m.aoi?.radius ?? 0 };
        return { ...state, session, gap: null, awaitingSnapshot: !m.resumed || state.seq === null };
      }
      {
        const outcome = ackOutcome(m);
        if (outcome.status === 'rejected' && outcome.error.code === 'INTENT_SEQ_STALE') {
          // It never applied and never can under this intentSeq: a chat message goes again under a new one.
          const held = hold(state, m.intentSeq, (p) => p.intent.type === 'intent.chat' && { sent: false, holdUntil: undefined, renumber: true });
          if (held) return held;
        }
        if (outcome.status === 'rejected' && outcome.error.code === 'UNAVAILABLE' && outcome.error.retryable) {
          // Refused undecided while the server's log or bus is down: a chat message waits and goes
          // again under the same intentSeq (as when rate limited); a move or action is just refused.
          const holdUntil = now + (outcome.error.retryAfterMs ?? 1000);
          const held = hold(state, m.intentSeq, (p) => p.intent.type === 'intent.chat' && { sent: false, holdUntil });
          if (held) return held;
        }
        return onIntentOutcome(state, m.intentSeq, outcome, now);
      }
    case 'event.state_delta':
      return m.full ? applyFull(state, m.worldId, m.seq, m.snapshot!) : applyDelta(state, m, now);
    case 'event.error':
      if (m.intentSeq !== undefined && state.pending.some((p) => p.intent.intentSeq === m.intentSeq)) {
        if (m.error.code === 'RATE_LIMITED') {
          // Never published: a chat message waits and goes again; a move or action is just refused.
          const holdUntil = now + (m.error.retryAfterMs ?? 2000);
          const held = hold(state, m.intentSeq, (p) => p.intent.type === 'intent.chat' && { sent: false, holdUntil });
          if (held) return held;
        }
        return onIntentOutcome(state, m.intentSeq, { status: 'rejected', error: m.error }, now);
      }
      return { ...state, lastError: m.error };
    case 'event.degraded': {
      const degraded = { ...state.degraded };
      if (m.status === 'recovered') delete degraded[m.dependency];
      else degraded[m.dependency] = { status: m.status, message: m.message };
      return { ...state, degraded };
    }
    case 'event.version_mismatch':
    case 'event.session_terminated':
    case 'pong':
      return state; // the connection's business, not the world's
    default: {
      const unhandled: never = m;
      return unhandled;
    }
  }
}

/** Updates the pending intent `intentSeq` with what `change` gives for it; null when it gives nothing. */
function hold(state: GameState, intentSeq: number, change: (p: PendingIntent) => Partial<PendingIntent> | false): GameState | null {
  const p = state.pending.find((q) => q.intent.intentSeq === intentSeq);
  const patch = p && change(p);
  if (!p || !patch) return null;
  return { ...state, pending: state.pending.map((q) => (q === p ? { ...q, ...patch } : q)) };
}

function applyFull(state: GameState, worldId: string, seq: number, snapshot: Snapshot): GameState {
  return {
    ...state,
    ...sliceFromSnapshot(snapshot),
    worldId,
    seq,
    map: snapshot.world,
    pending: afterSnapshot(state.pending, worldId, seq),
    awaitingSnapshot: false,
    gap: null,
    stats: { ...state.stats, fullSnapshots: state.stats.fullSnapshots + 1 },
  };
}

function applyDelta(state: GameState, d: EventStateDelta, now: number): GameState {
  if (state.awaitingSnapshot || state.seq === null || d.worldId !== state.worldId) return state;
  if (d.seq <= state.seq) return state; // already held (a replay may overlap)
  if (d.prevSeq !== state.seq) {
    if (state.gap) return state;
    return { ...state, gap: { lastSeq: state.seq, requested: false }, stats: { ...state.stats, gaps: state.stats.gaps + 1 } };
  }
  const slice = applyChanges(state, d.changes, now);
  const ownMoves = countMoves(d.changes, state.selfId);
  return {
    ...state,
    ...slice,
    seq: d.seq,
    gap: null,
    pending: afterDelta(state.pending, d.worldId, d.prevSeq, d.seq, ownMoves, ownMoves ? predict(state).drawn : undefined),
    stats: { ...state.stats, deltasApplied: state.stats.deltasApplied + 1 },
  };
}

function onIntentOutcome(state: GameState, intentSeq: number, outcome: ReturnType<typeof ackOutcome>, now: number): GameState {
  const { pending, rejected } = resolveAck(state, intentSeq, outcome);
  if (!rejected) return pending === state.pending ? state : { ...state, pending };
  const next = { ...state, pending, bump: bumpFor(state, rejected.intent, rejected.error, now), stats: { ...state.stats, rejected: state.stats.rejected + 1 } };
  const text = refusalText(rejected.intent, rejected.error);
  return text ? addNotice(next, 'error', text) : next;
}

/** What to tell the player about a refusal; a refused move says nothing, it just snaps back. */
function refusalText(intent: Intent, error: ErrorBody): string | null {
  switch (intent.type) {
    case 'intent.move':
      return error.category === 'domain' ? null : `Move refused: ${error.message}`;
    case 'intent.chat':
      return `Message not sent: ${error.message}`;
    case 'intent.action':
      return `${ACTION_LABEL[intent.payload.action]} refused: ${error.message}`;
    default: {
      const unhandled: never = intent;
      return unhandled;
    }
  }
}

/** The tile a refused move tried to enter (from where the player stood before it), with a short why. */
function bumpFor(state: GameState, intent: Intent, error: ErrorBody, now: number): GameState['bump'] {
  if (intent.type !== 'intent.move') return state.bump;
  const from = predict(state, intent.intentSeq).self;
  if (!from) return state.bump;
  const { dx, dy } = DIRECTION_VECTORS[intent.payload.direction];
  return { id: (state.bump?.id ?? 0) + 1, x: from.x + dx, y: from.y + dy, code: error.code, text: bumpText(error), at: now };
}

const BUMP_TEXT: Readonly<Record<string, string>> = {
  MOVE_INTO_WALL: 'A wall',
  MOVE_INTO_WATER: 'Water',
  MOVE_OUT_OF_BOUNDS: 'The edge of the world',
  MOVE_BLOCKED: 'Blocked',
  TILE_OCCUPIED: 'Someone is standing there',
  RATE_LIMITED: 'Too fast',
  UNAVAILABLE: 'The server cannot take moves right now',
};

/** What the map says at a refused move: short, from the code, else the server's message. */
function bumpText(error: ErrorBody): string {
  return BUMP_TEXT[error.code] ?? error.message;
}

const ACTION_LABEL = { pickup: 'Pick up', drop: 'Drop', give: 'Give', emote: 'Emote' } as const;

function addNotice(state: GameState, kind: Notice['kind'], text: string): GameState {
  const notices = [...state.notices, { id: state.nextNoticeId, kind, text }].slice(-NOTICES_KEEP);
  return { ...state, notices, nextNoticeId: state.nextNoticeId + 1 };
}
