import { after, Delta, mergeRuns } from './delta';

const d = (prevSeq: number, seq: number, ...ids: string[]): Delta => ({
  type: 'event.state_delta',
  worldId: 'w',
  prevSeq,
  seq,
  full: false,
  changes: ids.map((id) => ({ op: 'character.left', id })),
});

describe('merging deltas for fan-out', () => {
  it('merges a contiguous run into one frame covering prevSeq..seq with every change in order', () => {
    expect(mergeRuns([d(4, 5, 'a'), d(5, 7, 'b', 'c'), d(7, 8, 'd')])).toEqual([d(4, 8, 'a', 'b', 'c', 'd')]);
  });

  it('never merges across a hole, so a client can still see the gap', () => {
    expect(mergeRuns([d(4, 5, 'a'), d(6, 7, 'b')])).toEqual([d(4, 5, 'a'), d(6, 7, 'b')]);
  });

  it('leaves its input untouched', () => {
    const input = [d(1, 2, 'a'), d(2, 3, 'b')];
    mergeRuns(input);
    expect(input).toEqual([d(1, 2, 'a'), d(2, 3, 'b')]);
  });

  it('keeps only what a client past lastSeq still needs', () => {
    expect(after([d(1, 2, 'a'), d(2, 3, 'b'), d(3, 5, 'c')], 3)).toEqual([d(3, 5, 'c')]);
    expect(after([d(1, 2, 'a')], 2)).toEqual([]);
  });
});
