// Builders for client tests: a small world and the server messages about it.
import type { Change, Character, EventStateDelta, Intent, IntentAck, ServerMessage, Snapshot } from '@tilemud/contracts';
import { reduce, type GameEvent } from '../store/reduce';
import { initialState, type GameState } from '../store/state';

/**
 *   0123456
 * 0 #######
 * 1 #.....#
 * 2 #..~..#
 * 3 #....>#
 * 4 #######
 */
export const TILES = ['#######', '#.....#', '#..~..#', '#....>#', '#######'];

export const ME = 'me';
export const OTHER = 'other';

export function character(id: string, x: number, y: number, extra: Partial<Character> = {}): Character {
  return { id, name: id === ME ? 'Me' : 'Other', worldId: 'w', x, y, facing: 'south', inventory: [], ...extra };
}

export function snapshot(seq: number, characters: Character[] = [character(ME, 1, 1), character(OTHER, 5, 1)], worldId = 'w'): Snapshot {
  return {
    world: { id: worldId, name: 'Test', width: 7, height: 5, seq, tiles: TILES, portals: [{ x: 5, y: 3, toWorldId: 'w2', toX: 1, toY: 1 }] },
    characters,
    items: [{ id: 'apple1', kind: 'apple', x: 2, y: 1 }],
    chat: [],
  };
}

export function full(seq: number, snap: Snapshot = snapshot(seq)): EventStateDelta {
  return { type: 'event.state_delta', worldId: snap.world.id, seq, prevSeq: seq, full: true, changes: [], snapshot: snap };
}

export function delta(prevSeq: number, seq: number, changes: Change[], worldId = 'w'): EventStateDelta {
  return { type: 'event.state_delta', worldId, seq, prevSeq, full: false, changes };
}

export const moved = (id: string, x: number, y: number, facing: Character['facing'] = 'east'): Change => ({ op: 'character.moved', id, x, y, facing });

export function applied(intentSeq: number, seq: number): IntentAck {
  return { type: 'event.ack', intentSeq, status: 'applied', seq };
}

export function rejected(intentSeq: number, code = 'MOVE_BLOCKED', category: 'domain' | 'rate_limited' = 'domain'): IntentAck {
  return { type: 'event.ack', intentSeq, status: 'rejected', error: { code, category, message: code.toLowerCase(), retryable: category !== 'domain' } };
}

export function handshake(resumed = false): ServerMessage {
  return { type: 'event.ack', ack: 'handshake', sessionId: 's1', resumeToken: 'rt1', protocolVersion: '1.0.0', heartbeatIntervalMs: 15000, worldId: 'w', resumed };
}

export const moveIntent = (intentSeq: number, direction: 'north' | 'south' | 'east' | 'west'): Intent => ({ type: 'intent.move', intentSeq, payload: { direction } });
export const chatIntent = (intentSeq: number, text: string): Intent => ({ type: 'intent.chat', intentSeq, payload: { text, channel: 'world' } });

/** Runs events through the reducer; server messages may be given bare. */
export function run(state: GameState, ...events: Array<GameEvent | ServerMessage>): GameState {
  return events.reduce<GameState>((s, e) => reduce(s, isServer(e) ? { type: 'server', message: e, now: 1000 } : e), state);
}

function isServer(e: GameEvent | ServerMessage): e is ServerMessage {
  return e.type.startsWith('event.') || e.type === 'pong';
}

/** A player in the test world, live at seq 10 (Me at 1,1; Other at 5,1). */
export function liveState(): GameState {
  return run(initialState(ME), handshake(), full(10));
}

/** Sends an intent the way the connection does: queued, then on the wire. */
export function send(state: GameState, intent: Intent): GameState {
  return run(state, { type: 'intent.queued', intent }, { type: 'intent.sent', intentSeq: intent.intentSeq });
}
