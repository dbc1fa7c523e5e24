import { ownerOf, worldsOf } from './rendezvous';

const worlds = Array.from({ length: 200 }, (_, i) => `w${i}`);

describe('rendezvous hashing', () => {
  it('gives every world to exactly one member, the same answer whatever the list order', () => {
    const members = ['a', 'b', 'c'];
    const shares = members.map((m) => worldsOf(m, worlds, members));
    expect(shares.flat().sort()).toEqual([...worlds].sort());
    for (const w of worlds) expect(ownerOf(w, ['c', 'a', 'b'])).toBe(ownerOf(w, members));
  });

  it('spreads the worlds roughly evenly', () => {
    const members = ['a', 'b', 'c', 'd'];
    for (const m of members) {
      const n = worldsOf(m, worlds, members).length;
      expect(n).toBeGreaterThan(25);
      expect(n).toBeLessThan(75);
    }
  });

  it('moves only the joining member’s worlds when a member joins, and only the leaver’s when one leaves', () => {
    const before = new Map(worlds.map((w) => [w, ownerOf(w, ['a', 'b'])]));
    const after = new Map(worlds.map((w) => [w, ownerOf(w, ['a', 'b', 'c'])]));
    for (const w of worlds) if (after.get(w) !== before.get(w)) expect(after.get(w)).toBe('c');
    const left = new Map(worlds.map((w) => [w, ownerOf(w, ['a', 'c'])]));
    for (const w of worlds) if (after.get(w) !== 'b') expect(left.get(w)).toBe(after.get(w));
  });

  it('gives nothing to a process that is not a member, and no owner when there are no members', () => {
    expect(worldsOf('z', worlds, ['a'])).toEqual([]);
    expect(ownerOf('w1', [])).toBeUndefined();
  });
});
