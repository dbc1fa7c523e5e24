import type { Character, Item } from '@tilemud/contracts';
import type { CharacterState, WorldState } from '@tilemud/domain';

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A folded character as the wire shows it (away ones flagged). */
export function wireCharacter(c: CharacterState, worldId: string): Character {
  return {
    id: c.id,
    name: c.name,
    worldId,
    x: c.x,
    y: c.y,
    facing: c.facing,
    inventory: c.inventory.map((i) => ({ id: i.id, kind: i.kind })),
    ...(c.away ? { away: true as const } : {}),
  };
}

/**
 * A folded world as a full snapshot shows it: its online characters (away ones flagged) and its
 * lying items, each ordered by id, so that a state at a seq compares with what a client was sent.
 */
export function worldView(worldId: string, state: WorldState): { characters: Character[]; items: Item[] } {
  const characters = [...state.characters.values()]
    .filter((c) => c.online)
    .sort(byId)
    .map((c) => wireCharacter(c, worldId));
  const items = [...state.items.values()].sort(byId).map((i) => ({ id: i.id, kind: i.kind, x: i.x, y: i.y }));
  return { characters, items };
}
