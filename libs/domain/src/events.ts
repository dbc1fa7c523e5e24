import type { Direction } from './world-map';
import type { InventoryItem } from './state';

/** What happened in a world. Stored in the ActionEvent log with the world's sequence number. */
export type WorldEvent =
  | {
      type: 'character.entered';
      data: { characterId: string; name: string; x: number; y: number; facing: Direction; sessionId: string; inventory: InventoryItem[] };
    }
  | { type: 'character.session_changed'; data: { characterId: string; sessionId: string } }
  | { type: 'character.moved'; data: { characterId: string; x: number; y: number; facing: Direction } }
  | { type: 'character.left'; data: { characterId: string } }
  | {
      type: 'chat.posted';
      data: { messageId: string; characterId: string; name: string; channel: 'world'; text: string; at: string };
    };

export type WorldEventType = WorldEvent['type'];

export const WORLD_EVENT_TYPES: readonly WorldEventType[] = [
  'character.entered',
  'character.session_changed',
  'character.moved',
  'character.left',
  'chat.posted',
];
