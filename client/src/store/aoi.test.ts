import type { ServerMessage } from '@tilemud/contracts';
import { initialState } from './state';
import { character, delta, handshake, liveState, ME, moved, OTHER, run } from '../test/fixtures';

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

describe('game store: the radius in the handshake', () => {
  it('keeps the area of interest the server named (0 for an older server that names none)', () => {
    const base = handshake() as Extract<ServerMessage, { type: 'event.ack'; ack: 'handshake' }>;
    expect(run(initialState(ME), { ...base, aoi: { radius: 12, margin: 2 } }).session?.aoiRadius).toBe(12);
    expect(run(initialState(ME), base).session?.aoiRadius).toBe(0);
  });
});
