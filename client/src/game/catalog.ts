// Item kinds and emotes come from the game rules (libs/domain), not a copy: the emote list is what
// the server accepts, and an item kind it adds later still shows, by its raw name.
import { EMOTES, ITEM_KINDS } from '../../../libs/domain/src/items';

export { EMOTES };

export function itemName(kind: string): string {
  return Object.prototype.hasOwnProperty.call(ITEM_KINDS, kind) ? ITEM_KINDS[kind as keyof typeof ITEM_KINDS] : kind;
}

/** A colour per item kind on the map; unknown kinds are white. */
export const ITEM_COLORS: Readonly<Record<string, string>> = {
  apple: '#e2453c',
  coin: '#f5c542',
  gem: '#3fe0d0',
  key: '#b8bcc4',
  scroll: '#e8dcb5',
  potion: '#d14fd8',
  mushroom: '#c07a4a',
  stone: '#8d939c',
};

/** How an emote reads in a bubble and in chat: "waves", "smiles"… */
export function emoteVerb(emote: string): string {
  const verbs: Record<string, string> = { wave: 'waves', smile: 'smiles', laugh: 'laughs', bow: 'bows', dance: 'dances', cheer: 'cheers', shrug: 'shrugs', cry: 'cries' };
  return verbs[emote] ?? emote;
}
