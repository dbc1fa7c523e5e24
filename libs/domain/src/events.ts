import type { Handover } from './commands';
import type { InventoryItem } from './state';
import type { Direction, ItemDef } from './world-map';

/**
 * What happened in a world. Stored in the ActionEvent log with the world's sequence number.
 * Inventory events carry the inventory after them, so a projection needs no state to show it.
 */
export type WorldEvent =
  | { type: 'world.seeded'; data: { items: ItemDef[] } }
  | {
      type: 'character.entered';
      data: { characterId: string; name: string; x: number; y: number; facing: Direction; sessionId: string; inventory: InventoryItem[] };
    }
  | { type: 'character.session_changed'; data: { characterId: string; sessionId: string } }
  | { type: 'character.moved'; data: { characterId: string; x: number; y: number; facing: Direction } }
  | { type: 'character.left'; data: { characterId: string } }
  /** Its session's socket is gone; it stays in the world for the resume window, shown as away. */
  | { type: 'character.away'; data: { characterId: string } }
  /** A session has the away character again (a resume, or a new login). */
  | { type: 'character.back'; data: { characterId: string } }
  | {
      type: 'chat.posted';
      data: { messageId: string; characterId: string; name: string; channel: 'world'; text: string; at: string };
    }
  | { type: 'item.picked_up'; data: { characterId: string; item: ItemDef; inventory: InventoryItem[] } }
  | { type: 'item.dropped'; data: { characterId: string; item: ItemDef; inventory: InventoryItem[] } }
  /** First step of a give: the item leaves the giver. */
  | { type: 'inventory.item_removed'; data: { characterId: string; item: InventoryItem; toCharacterId: string; inventory: InventoryItem[] } }
  /** Second step of a give: the item reaches the receiver. */
  | { type: 'inventory.item_added'; data: { characterId: string; item: InventoryItem; fromCharacterId: string; inventory: InventoryItem[] } }
  | { type: 'character.emoted'; data: { characterId: string; emote: string } }
  /** The recorded first half of a portal crossing: the character now belongs to `toWorldId`. */
  | { type: 'character.departed'; data: Handover }
  | { type: 'character.arrived'; data: Handover & { x: number; y: number } };

export type WorldEventType = WorldEvent['type'];

export const WORLD_EVENT_TYPES: readonly WorldEventType[] = [
  'world.seeded',
  'character.entered',
  'character.session_changed',
  'character.moved',
  'character.left',
  'character.away',
  'character.back',
  'chat.posted',
  'item.picked_up',
  'item.dropped',
  'inventory.item_removed',
  'inventory.item_added',
  'character.emoted',
  'character.departed',
  'character.arrived',
];
