import { createLogger } from '@tilemud/runtime';
import type { EventLog } from './event-log';
import type { EventPublisher } from './event-publisher';
import { WorldMemory } from './world-memory';

/** A log that knows each character's last intentSeq, and counts how often it was asked. */
function fakeLog(last: Record<string, number>) {
  const asked: string[][] = [];
  const log = {
    lastIntentSeqsOf: async (ids: readonly string[]) => {
      asked.push([...ids]);
      return new Map(ids.map((c) => [c, last[c] ?? 0]));
    },
  } as unknown as EventLog;
  return { log, asked };
}

describe('WorldMemory: characters’ last intentSeq', () => {
  const logger = createLogger('test', 'silent');

  it('reads each unknown character once from the log, and a character never decided as 0', async () => {
    const { log, asked } = fakeLog({ ann: 24 });
    const m = new WorldMemory(log, {} as EventPublisher, logger);
    expect(await m.knowCharacters(['ann', 'bob', 'ann'])).toEqual(
      new Map([
        ['ann', 24],
        ['bob', 0],
      ]),
    );
    expect(await m.knowCharacters(['ann'])).toEqual(new Map([['ann', 24]]));
    expect(asked).toEqual([['ann', 'bob']]);
  });

  it('hands a batch its own map: a world dropped meanwhile (taken or given up) empties the cache, not what the batch holds', async () => {
    const { log, asked } = fakeLog({ ann: 24 });
    const m = new WorldMemory(log, {} as EventPublisher, logger);
    const known = await m.knowCharacters(['ann']);
    m.drop('meadow'); // another world taken while the batch loads its worlds
    expect(known.get('ann')).toBe(24);
    // The next batch reads the character again (another process may have decided for it).
    await m.knowCharacters(['ann']);
    expect(asked).toEqual([['ann'], ['ann']]);
  });
});
