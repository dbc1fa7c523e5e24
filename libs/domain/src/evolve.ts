import type { WorldEvent } from './events';
import { assertNever } from './errors';
import { CharacterState, tileKey, WorldState } from './state';

/** Pure: the state after an event. Returns a new state and never touches the old one. */
export function evolve(state: WorldState, event: WorldEvent): WorldState {
  switch (event.type) {
    case 'character.entered': {
      const d = event.data;
      return withCharacter(state, {
        id: d.characterId,
        name: d.name,
        x: d.x,
        y: d.y,
        facing: d.facing,
        online: true,
        sessionId: d.sessionId,
        inventory: d.inventory,
      });
    }
    case 'character.session_changed':
      return update(state, event.data.characterId, (c) => ({ ...c, sessionId: event.data.sessionId }));
    case 'character.moved': {
      const { x, y, facing } = event.data;
      return update(state, event.data.characterId, (c) => ({ ...c, x, y, facing }));
    }
    case 'character.left':
      return update(state, event.data.characterId, (c) => ({ ...c, online: false }));
    case 'chat.posted':
      return state;
    default:
      return assertNever(event);
  }
}

export function evolveAll(state: WorldState, events: readonly WorldEvent[]): WorldState {
  return events.reduce(evolve, state);
}

function withCharacter(state: WorldState, c: CharacterState): WorldState {
  const characters = new Map(state.characters);
  const before = characters.get(c.id);
  characters.set(c.id, c);
  const occupied = new Map(state.occupied);
  if (before?.online && occupied.get(tileKey(before.x, before.y)) === c.id) occupied.delete(tileKey(before.x, before.y));
  if (c.online) occupied.set(tileKey(c.x, c.y), c.id);
  return { ...state, characters, occupied };
}

function update(state: WorldState, id: string, f: (c: CharacterState) => CharacterState): WorldState {
  const c = state.characters.get(id);
  // An event for an unknown character cannot come from decide; ignoring it keeps replay total.
  return c ? withCharacter(state, f(c)) : state;
}
