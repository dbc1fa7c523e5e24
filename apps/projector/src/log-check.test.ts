import type { EventEnvelope } from '@tilemud/runtime';
import { checkAgainstLog, sameEvent } from './log-check';

const ev = (seq: number, data: Record<string, unknown> = { characterId: 'a', x: 1, y: 2, facing: 'east' }): EventEnvelope => ({
  worldId: 'w',
  seq,
  type: 'character.moved',
  data,
  characterId: 'a',
  intentSeq: seq,
  recordedAt: '2026-01-01T00:00:00.000Z',
});
const logOf = (...events: EventEnvelope[]) => new Map(events.map((e) => [e.seq, e]));

describe('checking stream events against the log', () => {
  it('given the log holds the same event (keys in another order, time written otherwise), then ok', () => {
    const stored = { ...ev(3, { facing: 'east', y: 2, x: 1, characterId: 'a' }), recordedAt: '2026-01-01T00:00:00Z' };
    expect(sameEvent(ev(3), stored)).toBe(true);
    expect(checkAgainstLog([ev(3)], logOf(stored), 3)).toEqual([{ kind: 'ok' }]);
  });

  it('given the log holds another event at that seq, then park it as disagreeing', () => {
    const verdicts = checkAgainstLog([ev(3, { characterId: 'a', x: 9, y: 9, facing: 'east' })], logOf(ev(3)), 3);
    expect(verdicts).toEqual([{ kind: 'park', reason: 'disagrees with the log at w:3' }]);
    expect(sameEvent(ev(3), { ...ev(3), type: 'character.left' })).toBe(false);
    expect(sameEvent(ev(3), { ...ev(3), intentSeq: 4 })).toBe(false);
    expect(sameEvent(ev(3), { ...ev(3), data: { ...ev(3).data, extra: [1] } })).toBe(false);
  });

  it('given a seq the log does not hold within what was read, then park it; beyond it, later', () => {
    const verdicts = checkAgainstLog([ev(2), ev(50), ev(10_001)], logOf(ev(1), ev(2)), 10_000);
    expect(verdicts).toEqual([{ kind: 'ok' }, { kind: 'park', reason: 'not in the log: w:50' }, { kind: 'later' }]);
  });
});
