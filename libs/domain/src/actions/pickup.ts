import { z } from 'zod';
import { accept, reject } from '../errors';
import { INVENTORY_CAPACITY } from '../state';
import { isAdjacent } from '../world-map';
import type { ActionHandler } from './registry';

/** Pick up an item lying on the character's tile or a tile next to it. */
export const pickup: ActionHandler<{ action: 'pickup'; itemId: string }> = {
  action: 'pickup',
  schema: z.object({ action: z.literal('pickup'), itemId: z.string().min(1).max(128) }),
  steps: [
    (state, actor, { itemId }) => {
      const item = state.items.get(itemId);
      if (!item) return reject('ITEM_NOT_FOUND', 'that item is not lying in this world', { itemId });
      if (!isAdjacent(actor, item)) return reject('NOT_ADJACENT', 'the item is out of reach', { itemId, at: { x: item.x, y: item.y } });
      if (actor.inventory.length >= INVENTORY_CAPACITY) return reject('INVENTORY_FULL', `an inventory holds ${INVENTORY_CAPACITY} items`);
      return accept([{ type: 'item.picked_up', data: { characterId: actor.id, item: { ...item }, inventory: [...actor.inventory, { id: item.id, kind: item.kind }] } }]);
    },
  ],
};
