import { z } from 'zod';
import { accept, reject } from '../errors';
import { INVENTORY_CAPACITY } from '../state';
import { isAdjacent } from '../world-map';
import type { ActionHandler } from './registry';

type Give = { action: 'give'; itemId: string; toCharacterId: string };

/**
 * Give an item to an adjacent character, in two steps that commit together or not at all:
 * the item leaves the giver, then reaches the receiver.
 */
export const give: ActionHandler<Give> = {
  action: 'give',
  schema: z.object({ action: z.literal('give'), itemId: z.string().min(1).max(128), toCharacterId: z.string().min(1).max(128) }),
  steps: [
    (state, actor, { itemId, toCharacterId }) => {
      const item = actor.inventory.find((i) => i.id === itemId);
      if (!item) return reject('ITEM_NOT_FOUND', 'that item is not in your inventory', { itemId });
      const to = state.characters.get(toCharacterId);
      if (!to?.online || to.id === actor.id) return reject('TARGET_NOT_FOUND', 'there is nobody by that id here to give to', { toCharacterId });
      if (!isAdjacent(actor, to)) return reject('NOT_ADJACENT', 'you must stand next to whom you give to', { toCharacterId });
      return accept([{ type: 'inventory.item_removed', data: { characterId: actor.id, item: { ...item }, toCharacterId, inventory: actor.inventory.filter((i) => i.id !== itemId) } }]);
    },
    (state, actor, { toCharacterId }, earlier) => {
      const to = state.characters.get(toCharacterId);
      if (!to?.online) return reject('TARGET_NOT_FOUND', 'the receiver is gone');
      if (to.inventory.length >= INVENTORY_CAPACITY) return reject('INVENTORY_FULL', "the receiver's inventory is full");
      // The item the first step took from the giver, as it was.
      const removed = earlier.find((e) => e.type === 'inventory.item_removed');
      if (removed?.type !== 'inventory.item_removed') return reject('ITEM_NOT_FOUND', 'the item did not leave the giver');
      const given = { ...removed.data.item };
      return accept([{ type: 'inventory.item_added', data: { characterId: to.id, item: given, fromCharacterId: actor.id, inventory: [...to.inventory, given] } }]);
    },
  ],
};
