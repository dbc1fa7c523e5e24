import type { IntentEnvelope } from '@tilemud/runtime';
import { intentType, mergeHeads } from './sequencer-metrics';

describe('sequencer metrics: pure parts', () => {
  it('labels an intent by a bounded type', () => {
    expect(intentType({ kind: 'player', intent: { type: 'chat' } } as unknown as IntentEnvelope)).toBe('chat');
    expect(intentType({ kind: 'system', op: 'enter' } as unknown as IntentEnvelope)).toBe('enter');
    expect(intentType({ kind: 'handover' } as unknown as IntentEnvelope)).toBe('handover');
  });

  it("log heads: the database's, raised by what this owner committed since the last poll", () => {
    const polled = new Map([
      ['lobby', 10],
      ['meadow', 4],
    ]);
    expect(
      mergeHeads(
        polled,
        new Map([
          ['lobby', 12],
          ['meadow', 3],
          ['cave', 1],
        ]),
      ),
    ).toEqual(
      new Map([
        ['lobby', 12],
        ['meadow', 4],
        ['cave', 1],
      ]),
    );
    expect(mergeHeads(undefined, new Map())).toEqual(new Map());
  });
});
