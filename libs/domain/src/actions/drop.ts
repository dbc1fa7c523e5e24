import { z } from 'zod';
import { accept, reject } from '../errors';
import type { ActionHandler } from './registry';

/** Drop an item from the inventory onto the character's tile. */
export const drop: ActionHandler<{ action: 'drop'; itemId: string }> = {
  action: 'drop',
  schema: z.object({ action: z.literal('drop'), itemId: z.string().min(1).max(128) }),
  steps: [
    (_state, actor, { itemId }) => {
      const item = actor.inventory.find((i) => i.id === itemId);
      if (!item) return reject('ITEM_NOT_FOUND', 'that item is not in your inventory', { itemId });
      return accept([
        {
          type: 'item.dropped',
          data: { characterId: actor.id, item: { id: item.id, kind: item.kind, x: actor.x, y: actor.y }, inventory: actor.inventory.filter((i) => i.id !== itemId) },
        },
      ]);
    },
  ],
};
