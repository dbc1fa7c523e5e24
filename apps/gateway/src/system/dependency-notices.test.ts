import { EventDegradedSchema } from '@tilemud/contracts';
import { currentNotices, DEPENDENCIES, DepStates, transitions } from './dependency-notices';

const all = (s: 'up' | 'down'): DepStates => Object.fromEntries(DEPENDENCIES.map((d) => [d, s])) as DepStates;

describe('dependency notices', () => {
  it('tells nothing when nothing changed', () => {
    expect(transitions(all('up'), all('up'))).toEqual([]);
    expect(transitions(all('down'), all('down'))).toEqual([]);
  });

  it('calls Redis down degraded, PostgreSQL and NATS down unavailable, and each return recovered', () => {
    const down = transitions(all('up'), all('down'));
    expect(down.map((n) => [n.dependency, n.status])).toEqual([
      ['postgres', 'unavailable'],
      ['redis', 'degraded'],
      ['nats', 'unavailable'],
      ['sequencer', 'unavailable'],
      ['projector', 'degraded'],
      ['events', 'unavailable'],
      ['intents', 'unavailable'],
    ]);
    expect(transitions(all('down'), { ...all('down'), redis: 'up' })).toEqual([expect.objectContaining({ dependency: 'redis', status: 'recovered' })]);
    for (const n of [...down, ...transitions(all('down'), all('up'))]) expect(EventDegradedSchema.safeParse(n).success).toBe(true);
  });

  it('gives a connecting client one notice per dependency down', () => {
    expect(currentNotices({ ...all('up'), redis: 'down' }).map((n) => n.dependency)).toEqual(['redis']);
    expect(currentNotices(all('up'))).toEqual([]);
  });
});
