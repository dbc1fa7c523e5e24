import { reduce, type GameEvent } from './reduce';
import type { GameState } from './state';

/** A tiny observable around the pure reducer, shaped for React's useSyncExternalStore. */
export interface GameStore {
  getState(): GameState;
  dispatch(event: GameEvent): GameState;
  subscribe(listener: () => void): () => void;
}

export function createGameStore(initial: GameState): GameStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(event) {
      const next = reduce(state, event);
      if (next !== state) {
        state = next;
        for (const l of [...listeners]) l();
      }
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
