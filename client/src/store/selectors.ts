import type { Character, Item } from '@tilemud/contracts';
import { predictSelf } from './pending';
import type { GameState, PendingIntent } from './state';

/** Characters as drawn: the server's, with the player's own at its predicted place. */
export function visibleCharacters(state: GameState): Character[] {
  const self = predictSelf(state);
  return Object.values(state.characters).map((c) => (c.id === state.selfId && self ? self : c));
}

export function selfCharacter(state: GameState): Character | undefined {
  return predictSelf(state);
}

const near = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) <= 1 && Math.abs(a.y - b.y) <= 1;

/** Items within reach: on the player's tile or one next to it (diagonals too). */
export function itemsInReach(state: GameState): Item[] {
  const self = predictSelf(state);
  if (!self) return [];
  return Object.values(state.items).filter((i) => near(self, i));
}

/** Other characters next to the player: who can be given an item. */
export function charactersInReach(state: GameState): Character[] {
  const self = predictSelf(state);
  if (!self) return [];
  return Object.values(state.characters).filter((c) => c.id !== state.selfId && near(self, c));
}

/** Own chat messages still on their way (shown greyed until the world has them). */
export function pendingChat(state: GameState): PendingIntent[] {
  return state.pending.filter((p) => p.intent.type === 'intent.chat');
}

/** Whether an action (pickup, drop, give, emote) is waiting for its answer. */
export function actionPending(state: GameState): boolean {
  return state.pending.some((p) => p.intent.type === 'intent.action' && p.appliedSeq === undefined);
}

const KIND = { 'intent.move': 'move', 'intent.chat': 'message', 'intent.action': 'action' } as const;

/** What is on the wire without an answer, as words for the status ("move", "message", "action"). */
export function owedKinds(state: GameState): string[] {
  return state.pending.filter((p) => p.sent && p.appliedSeq === undefined).map((p) => KIND[p.intent.type]);
}
