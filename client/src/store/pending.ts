import { DIRECTION_VECTORS, isPassableTile, type Character, type ErrorBody, type IntentAck } from '@tilemud/contracts';
import type { GameState, PendingIntent } from './state';

// Prediction and reconciliation. The server's state (`characters`) is never changed by the
// client; what the player sees of their own character is that state with the moves still in
// `pending` laid over it. An intent leaves `pending` when it is rejected, or when it was applied
// and the state held has reached its seq, so nothing is ever counted twice.

export type AckOutcome = { status: 'applied'; seq: number } | { status: 'rejected'; error: ErrorBody };

/** What an ack means, duplicates included (a duplicate repeats the original outcome). */
export function ackOutcome(ack: IntentAck): AckOutcome {
  if (ack.status === 'rejected') return { status: 'rejected', error: ack.error ?? unknownError() };
  const rejected = ack.status === 'duplicate' && (ack.originalStatus === 'rejected' || (ack.seq === undefined && ack.error));
  if (rejected || ack.seq === undefined) return { status: 'rejected', error: ack.error ?? unknownError() };
  return { status: 'applied', seq: ack.seq };
}

function unknownError(): ErrorBody {
  return { code: 'INTERNAL', category: 'internal', message: 'refused', retryable: false };
}

const isUnacked = (p: PendingIntent) => p.appliedSeq === undefined;
const isMove = (p: PendingIntent) => p.intent.type === 'intent.move';

/** Applied intents whose events the state held already shows are done. */
function settled(p: PendingIntent, worldId: string | null, seq: number | null): boolean {
  return p.appliedSeq !== undefined && p.worldId === worldId && seq !== null && p.appliedSeq <= seq;
}

export interface AckResult {
  pending: readonly PendingIntent[];
  /** The intent the ack refused, if it did. */
  rejected?: { intent: PendingIntent['intent']; error: ErrorBody };
}

export function resolveAck(state: Pick<GameState, 'pending' | 'worldId' | 'seq'>, intentSeq: number, outcome: AckOutcome): AckResult {
  const i = state.pending.findIndex((p) => p.intent.intentSeq === intentSeq);
  if (i < 0) return { pending: state.pending };
  const p = state.pending[i]!;
  if (outcome.status === 'rejected') {
    const rest = state.pending.filter((_, j) => j !== i);
    // The step a delta showed early was not this one's: it belongs to the next move in line.
    const pending = p.reflected ? markReflected(rest, 1) : rest;
    return { pending, rejected: { intent: p.intent, error: outcome.error } };
  }
  const applied: PendingIntent = { ...p, appliedSeq: outcome.seq, uncertain: false, reflected: false };
  if (settled(applied, state.worldId, state.seq)) return { pending: state.pending.filter((_, j) => j !== i) };
  return { pending: state.pending.map((q, j) => (j === i ? applied : q)) };
}

/**
 * Marks `n` unacknowledged moves as already shown by the state held: first those the prediction
 * draws (a move it thinks blocked is likely to be refused), oldest first.
 */
function markReflected(pending: readonly PendingIntent[], n: number, drawn: ReadonlySet<number> = new Set()): readonly PendingIntent[] {
  if (n <= 0) return pending;
  const candidates = pending.filter((p) => isMove(p) && isUnacked(p) && !p.reflected);
  const chosen = new Set([...candidates.filter((p) => drawn.has(p.intent.intentSeq)), ...candidates].slice(0, n));
  return pending.map((p) => (chosen.has(p) ? { ...p, reflected: true } : p));
}

/**
 * After a delta (prevSeq, seq] was applied. Every own `character.moved` in it came from one of
 * this player's moves, taken in order; those with an applied ack in the range are accounted
 * for, and any beyond them came from moves whose ack is still on its way. `drawn` are the moves
 * the prediction showed before the delta.
 */
export function afterDelta(pending: readonly PendingIntent[], worldId: string, prevSeq: number, seq: number, ownMoves: number, drawn?: ReadonlySet<number>): readonly PendingIntent[] {
  if (!pending.length) return pending;
  const acked = pending.filter((p) => isMove(p) && p.worldId === worldId && p.appliedSeq !== undefined && p.appliedSeq > prevSeq && p.appliedSeq <= seq).length;
  const marked = markReflected(pending, ownMoves - acked, drawn);
  return marked.filter((p) => !settled(p, worldId, seq));
}

/**
 * After a full snapshot: applied intents of another world, or at or below its seq, are done.
 * Unacknowledged ones that were sent may or may not be in it: not predicted until their ack.
 */
export function afterSnapshot(pending: readonly PendingIntent[], worldId: string, seq: number): readonly PendingIntent[] {
  return pending
    .filter((p) => !(p.appliedSeq !== undefined && (p.worldId !== worldId || p.appliedSeq <= seq)))
    .map((p) => (isUnacked(p) ? { ...p, uncertain: p.uncertain || p.sent, reflected: false } : p));
}

/** The socket is gone: what was on the wire without an ack is resent on the next connection. */
export function afterConnectionLost(pending: readonly PendingIntent[]): readonly PendingIntent[] {
  return pending.map((p) => (isUnacked(p) && p.sent ? { ...p, sent: false, uncertain: true } : p));
}

/** Whether a move may be predicted onto (x, y): on the map, a passable tile, nobody else there. */
export function canEnter(state: Pick<GameState, 'map' | 'characters' | 'selfId'>, x: number, y: number): boolean {
  const map = state.map;
  if (!map || x < 0 || y < 0 || x >= map.width || y >= map.height) return false;
  if (!isPassableTile(map.tiles[y]?.[x])) return false;
  for (const c of Object.values(state.characters)) if (c.id !== state.selfId && c.x === x && c.y === y) return false;
  return true;
}

/** The player's own character as shown: the server's, plus the moves not yet in it. */
export function predictSelf(state: GameState): Character | undefined {
  return predict(state).self;
}

/** The prediction, and which pending moves (by intentSeq) it draws as steps; `until`: only those before that intent. */
export function predict(state: GameState, until?: number): { self: Character | undefined; drawn: Set<number> } {
  const drawn = new Set<number>();
  const base = state.characters[state.selfId];
  if (!base) return { self: undefined, drawn };
  let { x, y, facing } = base;
  for (const p of state.pending) {
    if (p.intent.intentSeq === until) break;
    if (p.intent.type !== 'intent.move' || p.worldId !== state.worldId) continue;
    const direction = p.intent.payload.direction;
    const { dx, dy } = DIRECTION_VECTORS[direction];
    const step =
      p.appliedSeq !== undefined
        ? state.seq === null || p.appliedSeq > state.seq // the server took it; the state held just lacks it
        : !p.uncertain && !p.reflected && canEnter(state, x + dx, y + dy);
    if (!step) continue;
    ({ x, y, facing } = { x: x + dx, y: y + dy, facing: direction });
    drawn.add(p.intent.intentSeq);
  }
  const self = x === base.x && y === base.y && facing === base.facing ? base : { ...base, x, y, facing };
  return { self, drawn };
}
