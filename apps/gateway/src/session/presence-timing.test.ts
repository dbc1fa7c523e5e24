import { decodeEntry, encodeEntry, lingerDeadline, liveDeadline, missedBeats } from './presence-timing';

const t = { intervalMs: 5000, resumeWindowMs: 60_000 };

describe('presence deadlines', () => {
  it("a live entry lasts past the next beats, and a dead gateway's lapses within the window plus one interval of its sockets dropping", () => {
    const beat = 1_000_000;
    const d = liveDeadline(beat, t);
    expect(d).toBeGreaterThan(beat + 2 * t.intervalMs); // two late beats lose nothing
    // The gateway dies anywhere before its next beat; its sockets drop then.
    for (const killedAt of [beat, beat + 2500, beat + t.intervalMs]) {
      expect(d - killedAt).toBeGreaterThanOrEqual(t.resumeWindowMs);
      expect(d - killedAt).toBeLessThanOrEqual(t.resumeWindowMs + t.intervalMs);
    }
  });

  it('without a resume window, a live entry still outlives three beats', () => {
    expect(liveDeadline(0, { intervalMs: 5000, resumeWindowMs: 0 })).toBe(15_000);
  });

  it("a lingering entry keeps the deadline its socket's drop gave it: the window, plus less than one interval", () => {
    const since = 2_000_000;
    const d = lingerDeadline(since, t);
    expect(d - since).toBeGreaterThan(t.resumeWindowMs); // the owning gateway's own timer normally goes first
    expect(d - since).toBeLessThan(t.resumeWindowMs + t.intervalMs);
    // The old code re-dated it at every beat: a gateway dying 59 s into the window left it 75 s more.
    expect(lingerDeadline(since, t)).toBe(lingerDeadline(since, t));
  });

  it('a live entry counts as quiet (shown away) once two beats are missed, until its deadline', () => {
    const beat = 1_000_000;
    const d = liveDeadline(beat, t);
    expect(missedBeats(d, beat + t.intervalMs, t)).toBe(false);
    expect(missedBeats(d, beat + 2 * t.intervalMs, t)).toBe(true);
    expect(missedBeats(d, d, t)).toBe(false);
  });

  it('encodes an entry the same way each time, away or not, and reads it back', () => {
    const e = { characterId: 'c', sessionId: 's', name: 'n' };
    expect(encodeEntry(e)).toBe(encodeEntry({ name: 'n', sessionId: 's', characterId: 'c' }));
    expect(encodeEntry({ ...e, away: true })).not.toBe(encodeEntry(e));
    expect(decodeEntry(encodeEntry({ ...e, away: true }))).toEqual({ ...e, away: true });
    expect(decodeEntry(encodeEntry(e))).toEqual(e);
    expect(decodeEntry('nope')).toBeUndefined();
    expect(decodeEntry('{"characterId":1}')).toBeUndefined();
  });
});
