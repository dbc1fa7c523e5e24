import { z } from 'zod';
import { CharacterSchema, ChatMessageSchema, CoordinateSchema, FacingSchema, IdSchema, InventoryItemSchema, ItemSchema } from './model';
import type { SameUnion } from './type-assert';

// One change of world state inside `event.state_delta.changes`: the op name
// in `op`, its fields alongside.

export const CharacterJoinedChangeSchema = z.object({
  op: z.literal('character.joined'),
  character: CharacterSchema,
  /**
   * Addition (area of interest): true when the character was already in the world and came into
   * the client's view (its whole state, so the client can add it); absent for a real join.
   */
  view: z.literal(true).optional(),
});
export type CharacterJoinedChange = z.infer<typeof CharacterJoinedChangeSchema>;

export const CharacterMovedChangeSchema = z.object({
  op: z.literal('character.moved'),
  id: IdSchema,
  x: CoordinateSchema,
  y: CoordinateSchema,
  facing: FacingSchema,
});
export type CharacterMovedChange = z.infer<typeof CharacterMovedChangeSchema>;

export const CharacterLeftChangeSchema = z.object({
  op: z.literal('character.left'),
  id: IdSchema,
  /** Addition (area of interest): true when the character left the client's view, not the world. */
  view: z.literal(true).optional(),
});
export type CharacterLeftChange = z.infer<typeof CharacterLeftChangeSchema>;

/**
 * Addition: the character's session is gone and it waits out the resume window (`away`), or a
 * session has it again (`online`). It stays in the world (and in snapshots, with `away: true`)
 * until `character.left`.
 */
export const CharacterPresenceChangeSchema = z.object({
  op: z.literal('character.presence'),
  id: IdSchema,
  status: z.enum(['online', 'away']),
});
export type CharacterPresenceChange = z.infer<typeof CharacterPresenceChangeSchema>;

export const ChatMessageChangeSchema = z.object({
  op: z.literal('chat.message'),
  message: ChatMessageSchema,
});
export type ChatMessageChange = z.infer<typeof ChatMessageChangeSchema>;

export const ItemPlacedChangeSchema = z.object({
  op: z.literal('item.placed'),
  item: ItemSchema,
});
export type ItemPlacedChange = z.infer<typeof ItemPlacedChangeSchema>;

export const ItemRemovedChangeSchema = z.object({
  op: z.literal('item.removed'),
  itemId: IdSchema,
});
export type ItemRemovedChange = z.infer<typeof ItemRemovedChangeSchema>;

/** The character's whole inventory after the change. */
export const InventoryChangedChangeSchema = z.object({
  op: z.literal('inventory.changed'),
  characterId: IdSchema,
  inventory: z.array(InventoryItemSchema),
});
export type InventoryChangedChange = z.infer<typeof InventoryChangedChangeSchema>;

export const EmoteChangeSchema = z.object({
  op: z.literal('emote'),
  characterId: IdSchema,
  emote: z.string().min(1),
});
export type EmoteChange = z.infer<typeof EmoteChangeSchema>;

export const ChangeSchema = z.discriminatedUnion('op', [
  CharacterJoinedChangeSchema,
  CharacterMovedChangeSchema,
  CharacterLeftChangeSchema,
  CharacterPresenceChangeSchema,
  ChatMessageChangeSchema,
  ItemPlacedChangeSchema,
  ItemRemovedChangeSchema,
  InventoryChangedChangeSchema,
  EmoteChangeSchema,
]);
export type Change = z.infer<typeof ChangeSchema>;
export type ChangeOp = Change['op'];

export const CHANGE_OPS = ['character.joined', 'character.moved', 'character.left', 'character.presence', 'chat.message', 'item.placed', 'item.removed', 'inventory.changed', 'emote'] as const;
const changeOpsComplete: SameUnion<ChangeOp, (typeof CHANGE_OPS)[number]> = true;
void changeOpsComplete;
