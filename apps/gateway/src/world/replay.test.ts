import { framesOf } from './replay.service';

const moved = (id: string) => ({ op: 'character.moved' as const, id, x: 1, y: 1, facing: 'south' });

describe('framesOf', () => {
  it('turns consecutive events into one frame from lastSeq, keeping events without changes in the range', () => {
    const frames = framesOf('lobby', 10, [
      { seq: 11, changes: [moved('a')] },
      { seq: 12, changes: [] }, // a session change: nothing to show, but the seq is covered
      { seq: 13, changes: [moved('b')] },
    ]);
    expect(frames).toEqual([{ type: 'event.state_delta', worldId: 'lobby', seq: 13, prevSeq: 10, full: false, changes: [moved('a'), moved('b')] }]);
  });

  it('splits a long replay into frames that each start where the last ended', () => {
    const events = Array.from({ length: 4500 }, (_, i) => ({ seq: i + 1, changes: [moved(`c${i}`)] }));
    const frames = framesOf('lobby', 0, events);
    expect(frames.map((f) => [f.prevSeq, f.seq, f.changes.length])).toEqual([
      [0, 2000, 2000],
      [2000, 4000, 2000],
      [4000, 4500, 500],
    ]);
  });

  it('gives no frame for nothing missed', () => {
    expect(framesOf('lobby', 5, [])).toEqual([]);
  });
});
