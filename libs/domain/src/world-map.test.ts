import { WORLDS } from './worlds';
import { isAdjacent, isWalkable, parseWorldDefinition, tileAt } from './world-map';

describe('world definitions', () => {
  it('ships a lobby of at least 32x24 with walls, water and free spawn points', () => {
    const lobby = WORLDS.get('lobby')!;
    expect(lobby.width).toBeGreaterThanOrEqual(32);
    expect(lobby.height).toBeGreaterThanOrEqual(24);
    expect(lobby.tiles.join('')).toContain('#');
    expect(lobby.tiles.join('')).toContain('~');
    for (const s of lobby.spawns) expect(isWalkable(tileAt(lobby, s.x, s.y))).toBe(true);
  });

  it.each([
    [{ id: 'x', name: 'X', tiles: ['..', '.'], spawns: [{ x: 0, y: 0 }] }, 'row 1'],
    [{ id: 'x', name: 'X', tiles: ['.?'], spawns: [{ x: 0, y: 0 }] }, "unknown tile '?'"],
    [{ id: 'x', name: 'X', tiles: ['.#'], spawns: [{ x: 1, y: 0 }] }, 'not floor'],
    [{ id: 'x', name: 'X', tiles: ['..'], spawns: [] }, 'spawn point'],
    [{ id: 'X!', name: 'X', tiles: ['..'], spawns: [{ x: 0, y: 0 }] }, 'id must'],
  ])('rejects a bad definition %#', (def, why) => {
    expect(() => parseWorldDefinition(def)).toThrow(why);
  });

  it('knows its bounds and neighbours', () => {
    const m = parseWorldDefinition({ id: 'x', name: 'X', tiles: ['..'], spawns: [{ x: 0, y: 0 }] });
    expect(tileAt(m, 2, 0)).toBeUndefined();
    expect(tileAt(m, -1, 0)).toBeUndefined();
    expect(isAdjacent({ x: 0, y: 0 }, { x: 1, y: 1 })).toBe(true);
    expect(isAdjacent({ x: 0, y: 0 }, { x: 2, y: 0 })).toBe(false);
  });
});
