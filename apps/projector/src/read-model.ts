import type { WorldEvent } from '@tilemud/domain';
import { assertNever } from '@tilemud/domain';
import type { EventEnvelope } from '@tilemud/runtime';

export const PROJECTION = 'world_read_model';
export const CHAT_KEEP = 50;

/**
 * The read models' swap lock (a transaction-level advisory lock): every projector batch takes it
 * shared as its first statement, and `ops rebuild` takes it exclusive for the moment it swaps its
 * shadow tables in. The swap therefore waits for the batch in hand to commit, and the next batch
 * waits for the swap, then reads the swapped rows (scripts/ops/rebuild.mjs).
 */
export const READ_MODEL_LOCK = "hashtext('tilemud:read-models')";

export interface CharacterRow {
  id: string;
  name: string;
  world_id: string;
  x: number;
  y: number;
  facing: string;
  online: boolean;
  /** Online but its session gone, waiting out the resume window (character.away / character.back). */
  away: boolean;
  inventory: unknown[];
  last_seq: number;
  updated_at: string;
  /** The hand-over epoch of the world the row is in: an older world's events never overwrite it. */
  epoch: number;
}

export interface ItemRow {
  world_id: string;
  id: string;
  kind: string;
  x: number;
  y: number;
}

export interface ChatRow {
  world_id: string;
  seq: number;
  message_id: string;
  character_id: string;
  name: string;
  text: string;
  at: string;
}

export interface BatchRows {
  characters: CharacterRow[];
  chat: ChatRow[];
  /** Items placed (a row) or taken away (null), by id. */
  items: Map<string, ItemRow | null>;
}

/**
 * Pure: the read-model rows a run of one world's events produces, given the rows as they were.
 * Every value comes from the events (never now() or a random id), so replaying the log rebuilds
 * the same rows byte for byte.
 */
export function foldEvents(before: (id: string) => CharacterRow | undefined, events: readonly EventEnvelope[]): BatchRows {
  const touched = new Map<string, CharacterRow>();
  const row = (id: string) => touched.get(id) ?? before(id);
  /** The row, when it is in the event's world: events of a world the character has left change nothing. */
  const here = (id: string, worldId: string) => {
    const r = row(id);
    return r && r.world_id === worldId ? r : undefined;
  };
  /** The row changed by one event (its seq and time with it), when it is in the event's world. */
  const set = (e: EventEnvelope, id: string, change: Partial<CharacterRow>) => {
    const r = here(id, e.worldId);
    if (r) touched.set(id, { ...r, ...change, last_seq: e.seq, updated_at: e.recordedAt });
  };
  const chat: ChatRow[] = [];
  const items = new Map<string, ItemRow | null>();
  // Per event only the row it changes is made (with the change): a rebuild folds millions of them.
  for (const e of events) {
    // The envelope is the event (type and data) and its place in the log: read as one, not copied.
    const event = e as unknown as WorldEvent;
    switch (event.type) {
      case 'world.seeded':
        for (const i of event.data.items) items.set(i.id, { world_id: e.worldId, id: i.id, kind: i.kind, x: i.x, y: i.y });
        break;
      case 'character.entered': {
        const d = event.data;
        const r = row(d.characterId);
        if (r && r.world_id !== e.worldId) break;
        touched.set(d.characterId, {
          id: d.characterId,
          name: d.name,
          world_id: e.worldId,
          x: d.x,
          y: d.y,
          facing: d.facing,
          online: true,
          away: false,
          inventory: d.inventory,
          epoch: r?.epoch ?? 0,
          last_seq: e.seq,
          updated_at: e.recordedAt,
        });
        break;
      }
      case 'character.arrived': {
        const d = event.data;
        const r = row(d.characterId);
        if (r && r.epoch >= d.epoch) break;
        touched.set(d.characterId, {
          id: d.characterId,
          name: d.name,
          world_id: e.worldId,
          x: d.x,
          y: d.y,
          facing: d.facing,
          online: true,
          away: false,
          inventory: d.inventory,
          epoch: d.epoch,
          last_seq: e.seq,
          updated_at: e.recordedAt,
        });
        break;
      }
      case 'character.departed': {
        const r = here(event.data.characterId, e.worldId);
        if (r && r.epoch < event.data.epoch) touched.set(r.id, { ...r, online: false, away: false, last_seq: e.seq, updated_at: e.recordedAt });
        break;
      }
      case 'character.session_changed':
      case 'character.emoted':
        break;
      case 'character.moved':
        set(e, event.data.characterId, { x: event.data.x, y: event.data.y, facing: event.data.facing });
        break;
      case 'character.left':
        set(e, event.data.characterId, { online: false, away: false });
        break;
      case 'character.away':
      case 'character.back':
        set(e, event.data.characterId, { away: event.type === 'character.away' });
        break;
      case 'item.picked_up':
        items.set(event.data.item.id, null);
        set(e, event.data.characterId, { inventory: event.data.inventory });
        break;
      case 'item.dropped': {
        const i = event.data.item;
        items.set(i.id, { world_id: e.worldId, id: i.id, kind: i.kind, x: i.x, y: i.y });
        set(e, event.data.characterId, { inventory: event.data.inventory });
        break;
      }
      case 'inventory.item_removed':
      case 'inventory.item_added':
        set(e, event.data.characterId, { inventory: event.data.inventory });
        break;
      case 'chat.posted': {
        const d = event.data;
        chat.push({ world_id: e.worldId, seq: e.seq, message_id: d.messageId, character_id: d.characterId, name: d.name, text: d.text, at: d.at });
        break;
      }
      default:
        assertNever(event);
    }
  }
  return { characters: [...touched.values()], chat: chat.slice(-CHAT_KEEP), items };
}
