import type { Change, Character } from '@tilemud/contracts';
import { ViewLens } from './aoi';

const ch = (id: string, x: number, y: number): Character => ({ id, name: id, worldId: 'lobby', x, y, facing: 'south', inventory: [] });
const move = (id: string, x: number, y: number): Change => ({ op: 'character.moved', id, x, y, facing: 'east' });
const settings = { radius: 5, margin: 2 };

/** A lens for `me` at (10,10) with `others` around it; returns the lens and who it showed. */
function given(others: Character[]): { lens: ViewLens; shown: string[] } {
  const lens = new ViewLens('me', settings);
  const shown = lens.reset([ch('me', 10, 10), ...others]).map((c) => c.id);
  return { lens, shown };
}

describe('ViewLens: which changes a client gets', () => {
  it('shows only the characters within the radius (Chebyshev) in a snapshot', () => {
    const { shown } = given([ch('near', 15, 15), ch('far', 16, 10), ch('diag', 5, 5)]);
    expect(shown.sort()).toEqual(['diag', 'me', 'near']);
  });

  it('passes moves in view, drops moves far away, and always passes chat and items', () => {
    const { lens } = given([ch('near', 12, 10), ch('far', 30, 30)]);
    const chat: Change = { op: 'chat.message', message: { id: 'm1', from: { id: 'far', name: 'far' }, text: 'hi', at: '2026-12-02T00:00:00.000Z' } };
    const item: Change = { op: 'item.removed', itemId: 'i1' };
    expect(lens.filter([move('near', 12, 11), move('far', 31, 30), chat, item])).toEqual([move('near', 12, 11), chat, item]);
  });

  it('brings a character walking into view as a snapshot of it (joined, view: true), with its current state', () => {
    const { lens } = given([{ ...ch('walker', 17, 10), inventory: [{ id: 'k', kind: 'key' }], away: true }]);
    expect(lens.filter([move('walker', 16, 10)])).toEqual([]);
    expect(lens.filter([move('walker', 15, 10)])).toEqual([
      { op: 'character.joined', view: true, character: { ...ch('walker', 15, 10), facing: 'east', inventory: [{ id: 'k', kind: 'key' }], away: true } },
    ]);
    expect(lens.filter([move('walker', 14, 10)])).toEqual([move('walker', 14, 10)]);
  });

  it('keeps a character in view up to radius + margin, then tells the client it left the view', () => {
    const { lens } = given([ch('edge', 15, 10)]);
    expect(lens.filter([move('edge', 16, 10), move('edge', 17, 10)])).toEqual([move('edge', 16, 10), move('edge', 17, 10)]);
    expect(lens.filter([move('edge', 18, 10)])).toEqual([{ op: 'character.left', id: 'edge', view: true }]);
    // Stepping back in at 16 (beyond the radius) brings nothing; at 15 it comes back.
    expect(lens.filter([move('edge', 16, 10)])).toEqual([]);
    expect(lens.filter([move('edge', 15, 10)])).toEqual([expect.objectContaining({ op: 'character.joined', view: true })]);
  });

  it('when the viewer itself moves, those now in range come into view and those beyond the margin leave it', () => {
    const { lens } = given([ch('west', 3, 10), ch('east', 15, 10)]);
    const out = lens.filter([move('me', 9, 10), move('me', 8, 10)]);
    expect(out).toEqual([move('me', 9, 10), move('me', 8, 10), { op: 'character.joined', view: true, character: ch('west', 3, 10) }]);
    expect(lens.filter([move('me', 7, 10)])).toEqual([move('me', 7, 10), { op: 'character.left', id: 'east', view: true }]);
  });

  it('passes presence, inventories and emotes of characters in view only, and keeps their state for a later entry', () => {
    const { lens } = given([ch('near', 11, 10), ch('far', 40, 10)]);
    const inv = [{ id: 'k', kind: 'key' }];
    const changes: Change[] = [
      { op: 'emote', characterId: 'near', emote: 'wave' },
      { op: 'emote', characterId: 'far', emote: 'wave' },
      { op: 'inventory.changed', characterId: 'far', inventory: inv },
      { op: 'character.presence', id: 'far', status: 'away' },
    ];
    expect(lens.filter(changes)).toEqual([changes[0]]);
    expect(lens.filter([move('far', 15, 10)])).toEqual([{ op: 'character.joined', view: true, character: { ...ch('far', 15, 10), facing: 'east', inventory: inv, away: true } }]);
  });

  it('passes joins and leaves of the world in view only; a leave of one out of view is not sent', () => {
    const { lens } = given([ch('far', 40, 10)]);
    const joinNear: Change = { op: 'character.joined', character: ch('new', 11, 11) };
    const joinFar: Change = { op: 'character.joined', character: ch('new2', 40, 40) };
    expect(lens.filter([joinNear, joinFar, { op: 'character.left', id: 'far' }, { op: 'character.left', id: 'new' }])).toEqual([joinNear, { op: 'character.left', id: 'new' }]);
  });

  it('on its own (re)join the viewer gets everyone now around it', () => {
    const lens = new ViewLens('me', settings);
    lens.reset([ch('a', 1, 1), ch('b', 30, 30)]);
    const self: Change = { op: 'character.joined', character: ch('me', 2, 2) };
    expect(lens.filter([self])).toEqual([self, { op: 'character.joined', view: true, character: ch('a', 1, 1) }]);
  });

  it('a resume drops what the client may hold between radius and margin, ahead of the next frame', () => {
    const lens = new ViewLens('me', settings);
    lens.resume([ch('me', 10, 10), ch('in', 14, 10), ch('edge', 16, 10), ch('far', 30, 10)]);
    expect(lens.seen).toEqual(new Set(['me', 'in']));
    expect(lens.filter([])).toEqual([{ op: 'character.left', id: 'edge', view: true }]);
    expect(lens.filter([])).toEqual([]);
  });

  it('matches a fresh view after any walk: what a client built from its frames equals a new snapshot within the radius', () => {
    const start = [ch('me', 10, 10), ch('a', 20, 10), ch('b', 10, 2), ch('c', 11, 11)];
    const lens = new ViewLens('me', settings);
    const held = new Map(lens.reset(start).map((c) => [c.id, c]));
    const world = new Map(start.map((c) => [c.id, c]));
    const steps: Change[] = [move('me', 11, 10), move('me', 12, 10), move('a', 19, 10), move('b', 10, 3), move('me', 13, 10), move('c', 5, 11), move('me', 14, 10), move('c', 4, 11)];
    for (const step of steps) {
      if (step.op === 'character.moved') world.set(step.id, { ...world.get(step.id)!, x: step.x, y: step.y, facing: step.facing });
      for (const c of lens.filter([step])) {
        if (c.op === 'character.joined') held.set(c.character.id, c.character);
        if (c.op === 'character.left') held.delete(c.id);
        if (c.op === 'character.moved') held.set(c.id, { ...held.get(c.id)!, x: c.x, y: c.y, facing: c.facing });
      }
    }
    const me = world.get('me')!;
    for (const c of world.values()) {
      const d = Math.max(Math.abs(c.x - me.x), Math.abs(c.y - me.y));
      if (d <= settings.radius) expect(held.get(c.id)).toEqual(c);
      if (d > settings.radius + settings.margin) expect(held.has(c.id)).toBe(false);
    }
  });
});
