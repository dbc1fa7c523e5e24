/** The kinds of things that lie about the worlds, with the names players see. */
export const ITEM_KINDS = {
  apple: 'Apple',
  coin: 'Gold coin',
  gem: 'Gem',
  key: 'Iron key',
  scroll: 'Scroll',
  potion: 'Potion',
  mushroom: 'Mushroom',
  stone: 'Smooth stone',
} as const;

export type ItemKind = keyof typeof ITEM_KINDS;

export function isItemKind(kind: string): kind is ItemKind {
  return Object.prototype.hasOwnProperty.call(ITEM_KINDS, kind);
}

/** The emotes a character can make (`intent.action` `emote`). */
export const EMOTES = ['wave', 'smile', 'laugh', 'bow', 'dance', 'cheer', 'shrug', 'cry'] as const;
export type Emote = (typeof EMOTES)[number];
