import { predictSelf } from './pending';
import type { GameState } from './state';
import { applied, character, chatIntent, delta, full, handshake, liveState, ME, moved, moveIntent, OTHER, rejected, run, send, snapshot } from '../test/fixtures';

const at = (s: GameState) => {
  const c = predictSelf(s)!;
  return [c.x, c.y];
};

/** Runs the steps and records where the player's own character is shown after each. */
function shown(start: GameState, ...steps: Array<(s: GameState) => GameState>): number[][] {
  const out: number[][] = [];
  steps.reduce((s, step) => {
    const next = step(s);
    out.push(at(next));
    return next;
  }, start);
  return out;
}

describe('prediction and reconciliation of own moves', () => {
  it('shows a move at once, and the ack and the delta change nothing on screen', () => {
    expect(
      shown(
        liveState(),
        (s) => send(s, moveIntent(1, 'east')),
        (s) => run(s, applied(1, 11)),
        (s) => run(s, delta(10, 11, [moved(ME, 2, 1)])),
      ),
    ).toEqual([
      [2, 1],
      [2, 1],
      [2, 1],
    ]);
  });

  it('keeps several moves in flight laid over the server state', () => {
    const s = run(send(send(send(liveState(), moveIntent(1, 'east')), moveIntent(2, 'east')), moveIntent(3, 'east')), applied(1, 11), delta(10, 11, [moved(ME, 2, 1)]));
    expect(at(s)).toEqual([4, 1]);
    expect(s.characters[ME]).toMatchObject({ x: 2, y: 1 }); // the server's own state is untouched
    expect(s.pending.map((p) => p.intent.intentSeq)).toEqual([2, 3]);
  });

  it('snaps a rejected move back, keeping the moves after it', () => {
    // Other walks into the tile Me predicted; the server refuses Me's move.
    let s = send(liveState(), moveIntent(1, 'east'));
    expect(at(s)).toEqual([2, 1]);
    s = run(s, delta(10, 11, [moved(OTHER, 2, 1, 'west')]));
    s = run(s, rejected(1, 'TILE_OCCUPIED'));
    expect(at(s)).toEqual([1, 1]);
    expect(s.pending).toEqual([]);
  });

  it('does not count a step twice when the delta comes before the ack', () => {
    expect(
      shown(
        liveState(),
        (s) => send(s, moveIntent(1, 'east')),
        (s) => run(s, delta(10, 11, [moved(ME, 2, 1)])),
        (s) => run(s, applied(1, 11)),
      ),
    ).toEqual([
      [2, 1],
      [2, 1],
      [2, 1],
    ]);
  });

  it('when the early step was not the rejected move, gives it to the next one', () => {
    // Moves 1 (north, into a wall) and 2 (east) in flight; the delta of 2 comes before both acks.
    let s = send(send(liveState(), moveIntent(1, 'north')), moveIntent(2, 'east'));
    expect(at(s)).toEqual([2, 1]); // north is a wall here: not predicted
    s = run(s, delta(10, 11, [moved(ME, 2, 1)]));
    expect(at(s)).toEqual([2, 1]);
    s = run(s, rejected(1, 'MOVE_INTO_WALL'));
    expect(at(s)).toEqual([2, 1]);
    s = run(s, applied(2, 11));
    expect(at(s)).toEqual([2, 1]);
    expect(s.pending).toEqual([]);
  });

  it('does not predict into walls, water, off the map or onto another character', () => {
    const s0 = run(liveState(), full(10, snapshot(10, [character(ME, 2, 1), character(OTHER, 3, 1)])));
    expect(at(send(s0, moveIntent(1, 'north')))).toEqual([2, 1]); // wall
    expect(at(send(s0, moveIntent(1, 'east')))).toEqual([2, 1]); // Other stands there
    const nearWater = run(s0, delta(10, 11, [moved(ME, 3, 3)]));
    expect(at(send(nearWater, moveIntent(1, 'north')))).toEqual([3, 3]); // water
    expect(at(send(nearWater, moveIntent(1, 'east')))).toEqual([4, 3]);
  });

  it('treats a map tile it does not know as impassable', () => {
    const s0 = liveState();
    const odd = { ...s0, map: { ...s0.map!, tiles: ['#######', '#.?...#', '#..~..#', '#....>#', '#######'] } };
    expect(at(send(odd, moveIntent(1, 'east')))).toEqual([1, 1]);
  });

  it('applies an applied move whose delta has not come even if the client thinks the tile is taken', () => {
    let s = send(liveState(), moveIntent(1, 'east'));
    s = run(s, applied(1, 12), delta(10, 11, [moved(OTHER, 2, 2)]));
    expect(at(s)).toEqual([2, 1]);
  });
});

describe('reconnects and snapshots', () => {
  it('does not predict a move lost in flight until its resend is answered, then settles it', () => {
    let s = send(liveState(), moveIntent(1, 'east'));
    s = run(s, { type: 'connection.lost' });
    expect(s.pending[0]).toMatchObject({ sent: false, uncertain: true });
    expect(at(s)).toEqual([1, 1]);
    // The server had applied it before the drop: the new snapshot has it, the resend is a duplicate.
    s = run(s, handshake(), full(11, snapshot(11, [character(ME, 2, 1), character(OTHER, 5, 1)])));
    expect(at(s)).toEqual([2, 1]);
    s = run(s, { type: 'intent.sent', intentSeq: 1 }, { type: 'event.ack', intentSeq: 1, status: 'duplicate', seq: 11, originalStatus: 'applied' });
    expect(at(s)).toEqual([2, 1]);
    expect(s.pending).toEqual([]);
  });

  it('drops applied moves of a world left through a portal', () => {
    let s = run(liveState(), full(10, snapshot(10, [character(ME, 4, 3), character(OTHER, 5, 1)])));
    s = send(s, moveIntent(1, 'east'));
    expect(at(s)).toEqual([5, 3]); // onto the portal
    s = run(s, applied(1, 12), full(3, snapshot(3, [character(ME, 1, 1, { worldId: 'w2' })], 'w2')));
    expect(s).toMatchObject({ worldId: 'w2', seq: 3, pending: [] });
    expect(at(s)).toEqual([1, 1]);
  });

  it('treats a duplicate of a refused intent as refused', () => {
    let s = send(liveState(), moveIntent(1, 'east'));
    s = run(s, { type: 'event.ack', intentSeq: 1, status: 'duplicate', originalStatus: 'rejected', error: { code: 'TILE_OCCUPIED', category: 'domain', message: 'taken', retryable: false } });
    expect(s.pending).toEqual([]);
    expect(at(s)).toEqual([1, 1]);
  });
});

describe('a refused move marks the tile it tried to enter', () => {
  it('remembers where and why, from where the player stood before that move', () => {
    // Me at 1,1: east to 2,1 is fine, then east again is refused (say someone stepped there).
    let s = send(send(liveState(), moveIntent(1, 'east')), moveIntent(2, 'east'));
    s = run(s, rejected(2, 'TILE_OCCUPIED'));
    expect(s.bump).toMatchObject({ x: 3, y: 1, code: 'TILE_OCCUPIED', text: 'Someone is standing there' });
    s = run(s, rejected(1, 'MOVE_INTO_WALL'));
    expect(s.bump).toMatchObject({ id: 2, x: 2, y: 1, text: 'A wall' });
  });

  it('leaves the mark alone for refused chat or actions', () => {
    const s = run(send(liveState(), chatIntent(1, 'hi')), rejected(1, 'RATE_LIMITED', 'rate_limited'));
    expect(s.bump).toBeNull();
  });
});
