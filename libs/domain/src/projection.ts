import type { WorldEvent } from './events';
import { assertNever } from './errors';

/** A change op as the wire contract's `event.state_delta` carries it. */
export type DeltaChange =
  | { op: 'character.joined'; character: CharacterView }
  | { op: 'character.moved'; id: string; x: number; y: number; facing: string }
  | { op: 'character.left'; id: string }
  | { op: 'chat.message'; message: { id: string; from: { id: string; name: string }; text: string; at: string } };

export interface CharacterView {
  id: string;
  name: string;
  worldId: string;
  x: number;
  y: number;
  facing: string;
  inventory: { id: string; kind: string }[];
}

/** Pure: what clients of a world see of an event. Some events (session bookkeeping) show nothing. */
export function eventToChanges(worldId: string, event: WorldEvent): DeltaChange[] {
  switch (event.type) {
    case 'character.entered': {
      const d = event.data;
      return [
        {
          op: 'character.joined',
          character: { id: d.characterId, name: d.name, worldId, x: d.x, y: d.y, facing: d.facing, inventory: d.inventory },
        },
      ];
    }
    case 'character.session_changed':
      return [];
    case 'character.moved': {
      const d = event.data;
      return [{ op: 'character.moved', id: d.characterId, x: d.x, y: d.y, facing: d.facing }];
    }
    case 'character.left':
      return [{ op: 'character.left', id: event.data.characterId }];
    case 'chat.posted': {
      const d = event.data;
      return [{ op: 'chat.message', message: { id: d.messageId, from: { id: d.characterId, name: d.name }, text: d.text, at: d.at } }];
    }
    default:
      return assertNever(event);
  }
}
