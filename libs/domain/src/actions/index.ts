import { drop } from './drop';
import { emote } from './emote';
import { give } from './give';
import { pickup } from './pickup';
import { ActionRegistry } from './registry';

export * from './registry';

/** Every action of the game. Adding one is a file like ./emote.ts and a line here. */
export const ACTIONS = new ActionRegistry().register(pickup).register(drop).register(give).register(emote);
