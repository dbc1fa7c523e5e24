import { DIRECTION_VECTORS, DIRECTIONS, type Direction } from '@tilemud/contracts';
import { canEnter, predictSelf } from '../store/pending';
import type { GameState } from '../store/state';

export interface Tile {
  x: number;
  y: number;
}

/** Reach for items and giving: the same tile or one of the eight around it. */
const touches = (a: Tile, b: Tile) => Math.abs(a.x - b.x) <= 1 && Math.abs(a.y - b.y) <= 1;

/**
 * Shortest walk (breadth-first, four directions) from `from` to the first tile `goal` accepts,
 * over tiles `enter` allows. Null when there is no way; [] when already there.
 */
export function findPath(from: Tile, goal: (t: Tile) => boolean, enter: (x: number, y: number) => boolean, limit = 4096): Direction[] | null {
  const key = (t: Tile) => `${t.x},${t.y}`;
  const prev = new Map<string, { from: string; d: Direction } | null>([[key(from), null]]);
  const queue: Tile[] = [from];
  for (let i = 0; i < queue.length && i < limit; i++) {
    const t = queue[i]!;
    if (goal(t)) {
      const path: Direction[] = [];
      for (let k = key(t), p = prev.get(k); p; k = p.from, p = prev.get(k)) path.unshift(p.d);
      return path;
    }
    for (const d of DIRECTIONS) {
      const n = { x: t.x + DIRECTION_VECTORS[d].dx, y: t.y + DIRECTION_VECTORS[d].dy };
      if (prev.has(key(n)) || !enter(n.x, n.y)) continue;
      prev.set(key(n), { from: key(t), d });
      queue.push(n);
    }
  }
  return null;
}

export type Step = { kind: 'step'; direction: Direction } | { kind: 'arrived' } | { kind: 'no_path' };

/**
 * The next move towards `target` from where the player is shown (the prediction), planned afresh
 * each time so a blocked way is walked around. A target that cannot be stood on (a wall,
 * another player) is reached by standing next to it.
 */
export function nextStep(state: GameState, target: Tile): Step {
  const self = predictSelf(state);
  if (!self || !state.map) return { kind: 'no_path' };
  const enter = (x: number, y: number) => canEnter(state, x, y);
  const standOn = enter(target.x, target.y) || (self.x === target.x && self.y === target.y);
  const goal = standOn ? (t: Tile) => t.x === target.x && t.y === target.y : (t: Tile) => touches(t, target);
  const path = findPath(self, goal, enter);
  if (!path) return { kind: 'no_path' };
  return path.length ? { kind: 'step', direction: path[0]! } : { kind: 'arrived' };
}
