import type { Change, Character, ChatMessage, Item, Snapshot } from '@tilemud/contracts';
import { CHAT_KEEP, type EmoteShown, type GameState } from './state';

/** The part of the state a delta's changes touch. */
export type WorldSlice = Pick<GameState, 'characters' | 'items' | 'chat' | 'emotes'>;

export function sliceFromSnapshot(snapshot: Snapshot): WorldSlice {
  const characters: Record<string, Character> = {};
  for (const c of snapshot.characters) characters[c.id] = c;
  const items: Record<string, Item> = {};
  for (const i of snapshot.items) items[i.id] = i;
  return { characters, items, chat: snapshot.chat, emotes: {} };
}

/**
 * Applies one delta's changes, in order, without touching `slice`: each record is copied once
 * (on its first write), so a delta of a hundred moves costs one copy, not a hundred.
 */
export function applyChanges(slice: WorldSlice, changes: readonly Change[], now: number): WorldSlice {
  let characters: Record<string, Character> | null = null;
  let items: Record<string, Item> | null = null;
  let emotes: Record<string, EmoteShown> | null = null;
  let added: ChatMessage[] | null = null;
  const chars = () => (characters ??= { ...slice.characters });
  const its = () => (items ??= { ...slice.items });
  const emo = () => (emotes ??= { ...slice.emotes });

  for (const change of changes) {
    switch (change.op) {
      case 'character.joined':
        chars()[change.character.id] = change.character;
        break;
      case 'character.moved': {
        const c = (characters ?? slice.characters)[change.id];
        if (c) chars()[change.id] = { ...c, x: change.x, y: change.y, facing: change.facing };
        break;
      }
      case 'character.left':
        delete chars()[change.id];
        if (change.id in (emotes ?? slice.emotes)) delete emo()[change.id];
        break;
      case 'character.presence': {
        // Away while its session is gone (the resume window); rendering it is the UI's business.
        const c = (characters ?? slice.characters)[change.id];
        if (c) {
          const { away: _away, ...rest } = c;
          chars()[change.id] = change.status === 'away' ? { ...rest, away: true } : rest;
        }
        break;
      }
      case 'chat.message':
        (added ??= []).push(change.message);
        break;
      case 'item.placed':
        its()[change.item.id] = change.item;
        break;
      case 'item.removed':
        delete its()[change.itemId];
        break;
      case 'inventory.changed': {
        const c = (characters ?? slice.characters)[change.characterId];
        if (c) chars()[change.characterId] = { ...c, inventory: change.inventory };
        break;
      }
      case 'emote':
        emo()[change.characterId] = { emote: change.emote, at: now };
        break;
      default: {
        const unhandled: never = change;
        void unhandled;
      }
    }
  }
  return {
    characters: characters ?? slice.characters,
    items: items ?? slice.items,
    chat: added ? appendChat(slice.chat, added) : slice.chat,
    emotes: emotes ?? slice.emotes,
  };
}

function appendChat(chat: readonly ChatMessage[], added: ChatMessage[]): readonly ChatMessage[] {
  // A replay after a resume may repeat a message; ids make that harmless.
  const seen = new Set(chat.map((m) => m.id));
  const fresh = added.filter((m) => !seen.has(m.id) && (seen.add(m.id), true));
  if (!fresh.length) return chat;
  const next = [...chat, ...fresh];
  return next.length > CHAT_KEEP ? next.slice(next.length - CHAT_KEEP) : next;
}

/** How many `character.moved` changes of `id` a delta holds. */
export function countMoves(changes: readonly Change[], id: string): number {
  let n = 0;
  for (const c of changes) if (c.op === 'character.moved' && c.id === id) n++;
  return n;
}
