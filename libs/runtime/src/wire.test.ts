import { DeltaFrameSchema } from './wire';

describe("the projector's delta frame", () => {
  const frame = { type: 'event.state_delta', worldId: 'lobby', seq: 7, prevSeq: 5, full: false, changes: [{ op: 'character.moved', id: 'c1', x: 2, y: 3, facing: 'east' }] };

  it('is what the projector sends', () => {
    expect(DeltaFrameSchema.parse(frame)).toEqual(frame);
  });

  it.each([
    ['another type', { ...frame, type: 'event.ack' }],
    ['a full frame (a full state goes as a snapshot)', { ...frame, full: true }],
    ['one covering no event', { ...frame, prevSeq: 7 }],
    ['a seq that is not a count', { ...frame, seq: '7' }],
    ['a change the contract does not know', { ...frame, changes: [{ op: 'character.exploded', id: 'c1' }] }],
    ['no world', { ...frame, worldId: '' }],
  ])('refuses %s', (_, bad) => {
    expect(DeltaFrameSchema.safeParse(bad).success).toBe(false);
  });
});
