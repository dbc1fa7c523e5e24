import type { WorldCommand } from '../commands';
import { decide } from '../decide';
import type { WorldEvent } from '../events';
import { evolveAll } from '../evolve';
import { INVENTORY_CAPACITY, initialWorldState } from '../state';
import { parseWorldDefinition } from '../world-map';
import { ACTIONS } from './index';

// A 6x1 corridor: items at x=1 (next to a's spawn at 0) and x=4 (out of reach).
const map = parseWorldDefinition({
  id: 'corridor',
  name: 'Corridor',
  tiles: ['......'],
  spawns: [{ x: 0, y: 0 }],
  items: [
    { id: 'apple-1', kind: 'apple', x: 1, y: 0 },
    { id: 'gem-1', kind: 'gem', x: 4, y: 0 },
  ],
});

const seeded: WorldEvent = { type: 'world.seeded', data: { items: map.items.map((i) => ({ ...i })) } };
const at = (id: string, x: number, inventory: { id: string; kind: string }[] = []): WorldEvent => ({
  type: 'character.entered',
  data: { characterId: id, name: id, x, y: 0, facing: 'east', sessionId: `s-${id}`, inventory },
});
const act = (characterId: string, payload: Record<string, unknown>): WorldCommand => ({ type: 'action', characterId, payload: payload as { action: string } });
const given = (...events: WorldEvent[]) => ({ when: (c: WorldCommand) => decide(evolveAll(initialWorldState(map), events), c) });
const codeOf = (d: ReturnType<typeof decide>) => (d.ok ? 'ok' : d.rejection.code);
const full = Array.from({ length: INVENTORY_CAPACITY }, (_, i) => ({ id: `coin-${i}`, kind: 'coin' }));

describe('seeding a world', () => {
  it('places the map items once, with the first event', () => {
    expect(given().when({ type: 'seed' })).toEqual({ ok: true, events: [seeded] });
    expect(given(seeded).when({ type: 'seed' })).toEqual({ ok: true, events: [] });
  });
});

describe('pickup', () => {
  it('takes an item from the next tile into the inventory', () => {
    expect(given(seeded, at('a', 0)).when(act('a', { action: 'pickup', itemId: 'apple-1' }))).toEqual({
      ok: true,
      events: [{ type: 'item.picked_up', data: { characterId: 'a', item: { id: 'apple-1', kind: 'apple', x: 1, y: 0 }, inventory: [{ id: 'apple-1', kind: 'apple' }] } }],
    });
  });

  it.each([
    ['ITEM_NOT_FOUND', { action: 'pickup', itemId: 'nope' }, []],
    ['NOT_ADJACENT', { action: 'pickup', itemId: 'gem-1' }, []],
    ['INVENTORY_FULL', { action: 'pickup', itemId: 'apple-1' }, full],
  ] as const)('refuses with %s', (code, payload, inventory) => {
    expect(codeOf(given(seeded, at('a', 0, [...inventory])).when(act('a', payload)))).toBe(code);
  });

  it('lets only the first of two players have an item', () => {
    const first = given(seeded, at('a', 0), at('b', 2)).when(act('a', { action: 'pickup', itemId: 'apple-1' }));
    expect(first.ok).toBe(true);
    const after = [seeded, at('a', 0), at('b', 2), ...(first.ok ? first.events : [])];
    expect(codeOf(given(...after).when(act('b', { action: 'pickup', itemId: 'apple-1' })))).toBe('ITEM_NOT_FOUND');
  });
});

describe('drop', () => {
  it('puts an inventory item on the character tile', () => {
    const d = given(seeded, at('a', 3, [{ id: 'key-9', kind: 'key' }])).when(act('a', { action: 'drop', itemId: 'key-9' }));
    expect(d).toEqual({ ok: true, events: [{ type: 'item.dropped', data: { characterId: 'a', item: { id: 'key-9', kind: 'key', x: 3, y: 0 }, inventory: [] } }] });
  });

  it('refuses an item the character does not hold', () => {
    expect(codeOf(given(seeded, at('a', 3)).when(act('a', { action: 'drop', itemId: 'apple-1' })))).toBe('ITEM_NOT_FOUND');
  });
});

describe('give', () => {
  const key = { id: 'key-9', kind: 'key' };

  it('is two events: the item leaves the giver, then reaches the receiver', () => {
    const d = given(at('a', 0, [key]), at('b', 1)).when(act('a', { action: 'give', itemId: 'key-9', toCharacterId: 'b' }));
    expect(d).toEqual({
      ok: true,
      events: [
        { type: 'inventory.item_removed', data: { characterId: 'a', item: key, toCharacterId: 'b', inventory: [] } },
        { type: 'inventory.item_added', data: { characterId: 'b', item: key, fromCharacterId: 'a', inventory: [key] } },
      ],
    });
  });

  it.each([
    ['ITEM_NOT_FOUND', [at('a', 0), at('b', 1)], { itemId: 'key-9', toCharacterId: 'b' }],
    ['TARGET_NOT_FOUND', [at('a', 0, [key])], { itemId: 'key-9', toCharacterId: 'b' }],
    ['TARGET_NOT_FOUND', [at('a', 0, [key])], { itemId: 'key-9', toCharacterId: 'a' }],
    ['NOT_ADJACENT', [at('a', 0, [key]), at('b', 3)], { itemId: 'key-9', toCharacterId: 'b' }],
  ] as const)('refuses with %s before anything happens', (code, events, payload) => {
    expect(codeOf(given(...events).when(act('a', { action: 'give', ...payload })))).toBe(code);
  });

  it('undoes the whole give when the second step fails: ACTION_ATOMIC_ROLLBACK, no events', () => {
    const d = given(at('a', 0, [key]), at('b', 1, full)).when(act('a', { action: 'give', itemId: 'key-9', toCharacterId: 'b' }));
    expect(d).toEqual({
      ok: false,
      rejection: { code: 'ACTION_ATOMIC_ROLLBACK', message: expect.stringContaining('nothing was changed') as string, details: { action: 'give', failedStep: 2, cause: 'INVENTORY_FULL' } },
    });
  });
});

describe('emote and the registry', () => {
  it('shows an emote from the list', () => {
    expect(given(at('a', 0)).when(act('a', { action: 'emote', emote: 'wave' }))).toEqual({ ok: true, events: [{ type: 'character.emoted', data: { characterId: 'a', emote: 'wave' } }] });
  });

  it.each([
    ['UNKNOWN_EMOTE', { action: 'emote', emote: 'moonwalk' }],
    ['UNKNOWN_ACTION', { action: 'juggle' }],
    ['VALIDATION_FAILED', { action: 'pickup' }],
  ])('refuses with %s', (code, payload) => {
    expect(codeOf(given(at('a', 0)).when(act('a', payload)))).toBe(code);
  });

  it('says which actions are multi-step: give (two steps), not pickup, drop, emote or an unknown one', () => {
    expect(ACTIONS.names().filter((a) => ACTIONS.isMultiStep(a))).toEqual(['give']);
    expect(ACTIONS.isMultiStep('juggle')).toBe(false);
  });

  it('refuses an action of a character that is not in the world', () => {
    expect(codeOf(given().when(act('a', { action: 'emote', emote: 'wave' })))).toBe('NOT_IN_WORLD');
  });
});
