import type { StateAt } from './fold';
import { CharacterState, tileKey } from './state';
import type { ItemDef, WorldMap } from './world-map';

/** The shape of a stored world snapshot; bumped when it changes (an older snapshot is then ignored and the log folded). */
export const WORLD_SNAPSHOT_VERSION = 1;

/** A world's state as it stood at `seq`, as plain JSON (the map is the world's definition, not stored). */
export interface WorldSnapshot {
  version: number;
  worldId: string;
  seq: number;
  characters: CharacterState[];
  items: ItemDef[];
}

export function takeSnapshot(worldId: string, at: StateAt): WorldSnapshot {
  return { version: WORLD_SNAPSHOT_VERSION, worldId, seq: at.seq, characters: [...at.state.characters.values()], items: [...at.state.items.values()] };
}

/** The state a snapshot holds; undefined when it is of another shape version or another world. */
export function restoreSnapshot(map: WorldMap, snap: WorldSnapshot): StateAt | undefined {
  if (snap.version !== WORLD_SNAPSHOT_VERSION || snap.worldId !== map.id) return undefined;
  const characters = new Map(snap.characters.map((c) => [c.id, c]));
  const occupied = new Map(snap.characters.filter((c) => c.online).map((c) => [tileKey(c.x, c.y), c.id]));
  const items = new Map(snap.items.map((i) => [i.id, i]));
  return { state: { map, characters, occupied, items }, seq: snap.seq };
}
