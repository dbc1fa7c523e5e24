import { DeltaFrameSchema, readAcks } from './wire';

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

describe("readAcks: a gateway's ack subject, in a rolling upgrade", () => {
  const ack = (intentSeq: number) => ({ sessionId: 's-1', characterId: 'c-1', worldId: 'lobby', intentSeq, status: 'applied', seq: 40 + intentSeq });

  it('reads one plain ack (a sequencer from before batching, or a lone answer)', () => {
    expect(readAcks(ack(1))).toEqual({ acks: [ack(1)], malformed: 0 });
  });

  it('reads a batch in its order', () => {
    expect(readAcks({ acks: [ack(3), ack(1), ack(2)] })).toEqual({ acks: [ack(3), ack(1), ack(2)], malformed: 0 });
  });

  it('drops a malformed answer of a batch, not its neighbours', () => {
    expect(readAcks({ acks: [ack(1), { sessionId: 's-1' }, ack(2)] })).toEqual({ acks: [ack(1), ack(2)], malformed: 1 });
  });

  it.each([
    ['not JSON (undefined)', undefined],
    ['an empty batch', { acks: [] }],
    ['a string', 'ack'],
  ])('drops %s', (_, data) => {
    expect(readAcks(data)).toEqual({ acks: [], malformed: 1 });
  });
});
