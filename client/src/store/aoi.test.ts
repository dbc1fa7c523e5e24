import { character, delta, liveState, moved, OTHER, run } from '../test/fixtures';

describe('game store: area of interest', () => {
  it('adds a character coming into view with its whole state, and drops one leaving it', () => {
    const s = run(
      liveState(),
      delta(10, 12, [
        { op: 'character.joined', character: character('c3', 3, 3, { inventory: [{ id: 'k', kind: 'key' }], away: true }), view: true },
        { op: 'character.left', id: OTHER, view: true },
      ]),
    );
    expect(s.characters.c3).toMatchObject({ x: 3, y: 3, inventory: [{ id: 'k', kind: 'key' }], away: true });
    expect(s.characters[OTHER]).toBeUndefined();
    expect(s.seq).toBe(12);
  });

  it('applies a frame with no changes (the world moved on out of view): the seq advances, the chain holds', () => {
    const s = run(liveState(), delta(10, 15, []), delta(15, 16, [moved(OTHER, 4, 1)]));
    expect(s).toMatchObject({ seq: 16, gap: null });
    expect(s.characters[OTHER]).toMatchObject({ x: 4, y: 1 });
  });
});
