import { DeltaWaits } from './delta-waits';

describe('DeltaWaits: intent received → its change written to the world', () => {
  it('ends a wait at the first frame reaching its seq, per world', () => {
    const d = new DeltaWaits();
    expect(d.applied('lobby', 5, 100, 110)).toBeUndefined();
    expect(d.applied('lobby', 7, 105, 112)).toBeUndefined();
    expect(d.applied('meadow', 5, 100, 110)).toBeUndefined();
    expect(d.fanned('lobby', 6, 130)).toEqual([30]);
    expect(d.fanned('lobby', 9, 140)).toEqual([35]);
    expect(d.fanned('lobby', 9, 150)).toEqual([]);
    expect(d.fanned('meadow', 5, 160)).toEqual([60]);
  });

  it('ends at once when the frame beat the ack', () => {
    const d = new DeltaWaits();
    d.fanned('lobby', 10, 50);
    expect(d.applied('lobby', 9, 20, 60)).toBe(40);
    expect(d.applied('lobby', 11, 20, 60)).toBeUndefined();
  });
});
