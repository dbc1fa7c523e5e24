import { z } from 'zod';
import { accept, reject } from '../errors';
import { EMOTES } from '../items';
import type { ActionHandler } from './registry';

/** Show an emote from the fixed list to everyone in the world. */
export const emote: ActionHandler<{ action: 'emote'; emote: string }> = {
  action: 'emote',
  schema: z.object({ action: z.literal('emote'), emote: z.string().min(1).max(64) }),
  steps: [
    (_state, actor, { emote: name }) =>
      (EMOTES as readonly string[]).includes(name)
        ? accept([{ type: 'character.emoted', data: { characterId: actor.id, emote: name } }])
        : reject('UNKNOWN_EMOTE', `no emote "${name.slice(0, 64)}"`, { emotes: [...EMOTES] }),
  ],
};
