import type { Change } from '@tilemud/contracts';
import { encodeShare } from './share-encoding';

describe('encodeShare', () => {
  const move: Change = { op: 'character.moved', id: 'a', x: 1, y: 2, facing: 'north' };
  const chat: Change = { op: 'chat.message', message: { id: 'm', from: { id: 'a', name: 'A "quoted"' }, text: 'hi\n', at: '2026-12-02T00:00:00.000Z' } };
  const frame = { type: 'event.state_delta' as const, worldId: 'lobby', seq: 9, prevSeq: 7, full: false as const, changes: [move, chat] };

  it('is the JSON of the frame with the given changes, reusing each piece across shares', () => {
    expect(JSON.parse(encodeShare(frame, [move, chat]))).toEqual(frame);
    expect(JSON.parse(encodeShare(frame, [chat]))).toEqual({ ...frame, changes: [chat] });
    expect(JSON.parse(encodeShare(frame, []))).toEqual({ ...frame, changes: [] });
  });

  it("starts at the client's own seq when it skipped frames before this one", () => {
    expect(JSON.parse(encodeShare(frame, [move], 3))).toEqual({ ...frame, prevSeq: 3, changes: [move] });
    // The frame's own head is unchanged for the next client.
    expect(JSON.parse(encodeShare(frame, [move]))).toEqual({ ...frame, changes: [move] });
  });

  it('refuses a start at or beyond the frame end', () => {
    expect(() => encodeShare(frame, [], 9)).toThrow(RangeError);
    expect(() => encodeShare(frame, [], -1)).toThrow(RangeError);
  });
});
