import type { WorldEvent } from './events';
import { assertNever } from './errors';
import { CharacterState, tileKey, WorldState } from './state';
import type { ItemDef } from './world-map';

/**
 * A private, mutable copy of a world's state that events are applied to in place: the maps are
 * copied once per draft instead of once per event. The state it started from is never touched,
 * so dropping a draft is a rollback. (Immer's idea, by hand, for the sequencer's hot path.)
 */
export class WorldDraft {
  private readonly characters: Map<string, CharacterState>;
  private readonly occupied: Map<string, string>;
  private readonly items: Map<string, ItemDef>;
  readonly state: WorldState;

  constructor(from: WorldState) {
    this.characters = new Map(from.characters);
    this.occupied = new Map(from.occupied);
    this.items = new Map(from.items);
    this.state = { ...from, characters: this.characters, occupied: this.occupied, items: this.items };
  }

  apply(events: readonly WorldEvent[]): this {
    for (const e of events) this.applyOne(e);
    return this;
  }

  private applyOne(event: WorldEvent): void {
    switch (event.type) {
      case 'world.seeded':
        for (const i of event.data.items) this.items.set(i.id, { ...i });
        return;
      case 'character.entered': {
        const d = event.data;
        const epoch = this.characters.get(d.characterId)?.epoch ?? 0;
        this.put({ id: d.characterId, name: d.name, x: d.x, y: d.y, facing: d.facing, online: true, sessionId: d.sessionId, inventory: d.inventory, epoch });
        return;
      }
      case 'character.session_changed':
        return this.update(event.data.characterId, (c) => ({ ...c, sessionId: event.data.sessionId }));
      case 'character.moved': {
        const { x, y, facing } = event.data;
        return this.update(event.data.characterId, (c) => ({ ...c, x, y, facing }));
      }
      case 'character.left':
        return this.update(event.data.characterId, ({ away: _, ...c }) => ({ ...c, online: false }));
      case 'character.away':
        return this.update(event.data.characterId, (c) => ({ ...c, away: true }));
      case 'character.back':
        return this.update(event.data.characterId, ({ away: _, ...c }) => c);
      case 'chat.posted':
      case 'character.emoted':
        return;
      case 'item.picked_up':
        this.items.delete(event.data.item.id);
        return this.update(event.data.characterId, (c) => ({ ...c, inventory: event.data.inventory }));
      case 'item.dropped':
        this.items.set(event.data.item.id, { ...event.data.item });
        return this.update(event.data.characterId, (c) => ({ ...c, inventory: event.data.inventory }));
      case 'inventory.item_removed':
      case 'inventory.item_added':
        return this.update(event.data.characterId, (c) => ({ ...c, inventory: event.data.inventory }));
      case 'character.departed': {
        const h = event.data;
        return this.update(h.characterId, ({ away: _, ...c }) => ({ ...c, online: false, epoch: h.epoch, departedTo: h.toWorldId }));
      }
      case 'character.arrived': {
        const h = event.data;
        this.put({ id: h.characterId, name: h.name, x: h.x, y: h.y, facing: h.facing, online: true, sessionId: h.sessionId, inventory: h.inventory, epoch: h.epoch });
        return;
      }
      default:
        assertNever(event);
    }
  }

  private put(c: CharacterState): void {
    const before = this.characters.get(c.id);
    if (before?.online && this.occupied.get(tileKey(before.x, before.y)) === c.id) this.occupied.delete(tileKey(before.x, before.y));
    this.characters.set(c.id, c);
    if (c.online) this.occupied.set(tileKey(c.x, c.y), c.id);
  }

  private update(id: string, f: (c: CharacterState) => CharacterState): void {
    const c = this.characters.get(id);
    // An event for an unknown character cannot come from decide; ignoring it keeps replay total.
    if (c) this.put(f(c));
  }
}

/** Pure: the state after these events. Returns a new state and never touches the old one. */
export function evolveAll(state: WorldState, events: readonly WorldEvent[]): WorldState {
  return new WorldDraft(state).apply(events).state;
}

/** Pure: the state after one event. */
export function evolve(state: WorldState, event: WorldEvent): WorldState {
  return evolveAll(state, [event]);
}
