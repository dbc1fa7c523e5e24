import type { LogEntry, WorldStateAt } from '@tilemud/contracts';

/** How many events before and after the selected seq the list shows. */
export const EVENTS_AROUND = 10;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One line for a logged event: who did it (by name, when the state at hand knows them) and what changed. */
export function describeEvent(e: LogEntry, names: ReadonlyMap<string, string> = new Map()): string {
  const d = obj(e.data);
  const id = typeof d.characterId === 'string' ? d.characterId : e.characterId;
  const who = id ? (names.get(id) ?? (typeof d.name === 'string' ? d.name : id.slice(0, 8))) : '';
  const item = obj(d.item);
  switch (e.type) {
    case 'world.seeded':
      return `${Array.isArray(d.items) ? d.items.length : 0} items placed`;
    case 'character.entered':
    case 'character.moved':
      return `${who} → ${String(d.x)}, ${String(d.y)}`;
    case 'chat.posted':
      return `${who}: ${(str(d.text) ?? '').slice(0, 60)}`;
    case 'item.picked_up':
    case 'item.dropped':
    case 'inventory.item_removed':
    case 'inventory.item_added':
      return `${who} · ${str(item.kind) ?? str(item.id) ?? ''}`;
    case 'character.emoted':
      return `${who} · ${String(d.emote)}`;
    case 'character.departed':
      return `${who} → ${String(d.toWorldId)}`;
    default:
      return who;
  }
}

/** Character id → name, from the state at the selected seq. */
export const namesOf = (state: WorldStateAt | undefined): Map<string, string> => new Map((state?.characters ?? []).map((c) => [c.id, c.name]));
