import type { Direction, ItemDef, WorldMap } from './world-map';

export interface InventoryItem {
  id: string;
  kind: string;
}

export interface CharacterState {
  id: string;
  name: string;
  x: number;
  y: number;
  facing: Direction;
  /** Present in the world now; a character that left keeps its last position for its return. */
  online: boolean;
  /** Online, but its session's socket is gone: waiting out the resume window. */
  away?: boolean;
  /** The session that last entered; a leave from an older session is ignored. */
  sessionId: string;
  inventory: readonly InventoryItem[];
  /** How many times it has changed worlds: a hand-over is applied once, by its epoch. */
  epoch: number;
  /** Set when it left this world through a portal: it belongs to that world now. */
  departedTo?: string;
}

/** Most items a character carries. */
export const INVENTORY_CAPACITY = 20;

/** One world's state, rebuilt by folding its events with evolve. Never mutated: evolve returns a new one. */
export interface WorldState {
  map: WorldMap;
  characters: ReadonlyMap<string, CharacterState>;
  /** Who stands where ("x,y" → character id), online characters only: occupancy in O(1). */
  occupied: ReadonlyMap<string, string>;
  items: ReadonlyMap<string, ItemDef>;
}

export const tileKey = (x: number, y: number): string => `${x},${y}`;

export function initialWorldState(map: WorldMap): WorldState {
  return {
    map,
    characters: new Map(),
    occupied: new Map(),
    // The map's items enter the world through its first event (world.seeded), like everything else.
    items: new Map(),
  };
}

export function itemsAt(state: WorldState, x: number, y: number): ItemDef[] {
  return [...state.items.values()].filter((i) => i.x === x && i.y === y);
}

export function onlineCharacters(state: WorldState): CharacterState[] {
  return [...state.characters.values()].filter((c) => c.online);
}

export function occupant(state: WorldState, x: number, y: number): CharacterState | undefined {
  const id = state.occupied.get(tileKey(x, y));
  return id === undefined ? undefined : state.characters.get(id);
}
