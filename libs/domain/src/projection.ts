import type { WorldEvent } from './events';
import { assertNever } from './errors';

export interface CharacterView {
  id: string;
  name: string;
  worldId: string;
  x: number;
  y: number;
  facing: string;
  inventory: { id: string; kind: string }[];
}

export interface ItemView {
  id: string;
  kind: string;
  x: number;
  y: number;
}

/** A change op as the wire contract's `event.state_delta` carries it. */
export type DeltaChange =
  | { op: 'character.joined'; character: CharacterView }
  | { op: 'character.moved'; id: string; x: number; y: number; facing: string }
  | { op: 'character.left'; id: string }
  | { op: 'character.presence'; id: string; status: 'online' | 'away' }
  | { op: 'chat.message'; message: { id: string; from: { id: string; name: string }; text: string; at: string } }
  | { op: 'item.placed'; item: ItemView }
  | { op: 'item.removed'; itemId: string }
  | { op: 'inventory.changed'; characterId: string; inventory: { id: string; kind: string }[] }
  | { op: 'emote'; characterId: string; emote: string };

/** Pure: what clients of a world see of an event. Some events (session bookkeeping) show nothing. */
export function eventToChanges(worldId: string, event: WorldEvent): DeltaChange[] {
  switch (event.type) {
    case 'world.seeded':
      return event.data.items.map((i) => ({ op: 'item.placed', item: { id: i.id, kind: i.kind, x: i.x, y: i.y } }));
    case 'character.entered': {
      const d = event.data;
      return [{ op: 'character.joined', character: { id: d.characterId, name: d.name, worldId, x: d.x, y: d.y, facing: d.facing, inventory: d.inventory } }];
    }
    case 'character.arrived': {
      const d = event.data;
      return [{ op: 'character.joined', character: { id: d.characterId, name: d.name, worldId, x: d.x, y: d.y, facing: d.facing, inventory: d.inventory } }];
    }
    case 'character.session_changed':
      return [];
    case 'character.moved': {
      const d = event.data;
      return [{ op: 'character.moved', id: d.characterId, x: d.x, y: d.y, facing: d.facing }];
    }
    case 'character.away':
      return [{ op: 'character.presence', id: event.data.characterId, status: 'away' }];
    case 'character.back':
      return [{ op: 'character.presence', id: event.data.characterId, status: 'online' }];
    case 'character.left':
    case 'character.departed':
      return [{ op: 'character.left', id: event.data.characterId }];
    case 'chat.posted': {
      const d = event.data;
      return [{ op: 'chat.message', message: { id: d.messageId, from: { id: d.characterId, name: d.name }, text: d.text, at: d.at } }];
    }
    case 'item.picked_up':
      return [
        { op: 'item.removed', itemId: event.data.item.id },
        { op: 'inventory.changed', characterId: event.data.characterId, inventory: event.data.inventory },
      ];
    case 'item.dropped': {
      const i = event.data.item;
      return [
        { op: 'item.placed', item: { id: i.id, kind: i.kind, x: i.x, y: i.y } },
        { op: 'inventory.changed', characterId: event.data.characterId, inventory: event.data.inventory },
      ];
    }
    case 'inventory.item_removed':
    case 'inventory.item_added':
      return [{ op: 'inventory.changed', characterId: event.data.characterId, inventory: event.data.inventory }];
    case 'character.emoted':
      return [{ op: 'emote', characterId: event.data.characterId, emote: event.data.emote }];
    default:
      return assertNever(event);
  }
}
