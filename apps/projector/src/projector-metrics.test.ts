import { CheckpointAges, deadLetterReason, lagByWorld } from './projector-metrics';

describe('projector metrics: pure parts', () => {
  it('lag is the log head minus the checkpoint, per world, never below 0', () => {
    const heads = new Map([
      ['lobby', 120],
      ['meadow', 7],
      ['cave', 3],
    ]);
    const checkpoints = new Map([
      ['lobby', 100],
      ['meadow', 9],
    ]);
    expect(lagByWorld(heads, checkpoints)).toEqual(
      new Map([
        ['lobby', 20],
        ['meadow', 0],
        ['cave', 3],
      ]),
    );
  });

  it('checkpoint age counts from the last time the checkpoint moved', () => {
    const ages = new CheckpointAges();
    ages.observe(new Map([['lobby', 5]]), 1000);
    ages.observe(
      new Map([
        ['lobby', 5],
        ['meadow', 1],
      ]),
      4000,
    );
    expect(ages.ages(6000)).toEqual(
      new Map([
        ['lobby', 5],
        ['meadow', 2],
      ]),
    );
    ages.observe(
      new Map([
        ['lobby', 6],
        ['meadow', 1],
      ]),
      7000,
    );
    expect(ages.ages(7500)).toEqual(
      new Map([
        ['lobby', 0.5],
        ['meadow', 3.5],
      ]),
    );
  });

  it("dead letters' free-text reasons map to a bounded label", () => {
    expect(deadLetterReason('malformed: data.x: Required')).toBe('malformed');
    expect(deadLetterReason('disagrees with the log at lobby:4')).toBe('disagrees_with_log');
    expect(deadLetterReason('not in the log: lobby:99')).toBe('not_in_log');
    expect(deadLetterReason('something new')).toBe('other');
  });
});
