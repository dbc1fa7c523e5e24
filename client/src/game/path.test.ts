import { liveState, moveIntent, run, send, character, full, snapshot, ME, OTHER } from '../test/fixtures';
import { findPath, nextStep } from './path';

//   0123456
// 0 #######
// 1 #.....#
// 2 #..~..#
// 3 #....>#
// 4 #######
describe('path finding over the client map', () => {
  it('walks around water the shortest way', () => {
    const open = new Set(['1,1', '2,1', '3,1', '4,1', '1,2', '2,2', '4,2', '1,3', '2,3', '3,3', '4,3']);
    const path = findPath(
      { x: 2, y: 2 },
      (t) => t.x === 4 && t.y === 2,
      (x, y) => open.has(`${x},${y}`),
    );
    expect(path).toHaveLength(4);
    expect(
      findPath(
        { x: 1, y: 1 },
        (t) => t.x === 1 && t.y === 1,
        () => true,
      ),
    ).toEqual([]);
    expect(
      findPath(
        { x: 1, y: 1 },
        (t) => t.x === 9,
        (x) => x < 3,
      ),
    ).toBeNull();
  });

  it('takes the next step from where the player is shown, past walls and water', () => {
    const s = liveState(); // Me at 1,1; Other at 5,1
    expect(nextStep(s, { x: 1, y: 3 })).toEqual({ kind: 'step', direction: 'south' });
    expect(nextStep(s, { x: 1, y: 1 })).toEqual({ kind: 'arrived' });
    // The prediction counts: after a move east is on its way, the plan starts from 2,1.
    const moved = send(s, moveIntent(1, 'east'));
    expect(nextStep(moved, { x: 2, y: 3 })).toEqual({ kind: 'step', direction: 'south' });
  });

  it('stops next to a target that cannot be stood on (a wall, another player)', () => {
    const s = run(liveState(), full(11, snapshot(11, [character(ME, 3, 1), character(OTHER, 5, 1)])));
    expect(nextStep(s, { x: 5, y: 1 })).toEqual({ kind: 'step', direction: 'east' });
    const next = run(s, full(12, snapshot(12, [character(ME, 4, 1), character(OTHER, 5, 1)])));
    expect(nextStep(next, { x: 5, y: 1 })).toEqual({ kind: 'arrived' });
    expect(nextStep(next, { x: 4, y: 0 })).toEqual({ kind: 'arrived' }); // the wall just north
  });

  it('plans around a player standing in the way', () => {
    // Me at 1,1, Other at 2,1: to reach 3,1 go round by row 2.
    const s = run(liveState(), full(11, snapshot(11, [character(ME, 1, 1), character(OTHER, 2, 1)])));
    expect(nextStep(s, { x: 3, y: 1 })).toEqual({ kind: 'step', direction: 'south' });
  });

  it('says when there is no way', () => {
    expect(nextStep(liveState(), { x: 30, y: 30 })).toEqual({ kind: 'no_path' });
  });
});
