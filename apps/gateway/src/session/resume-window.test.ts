import { ResumeWindow, WindowEnd } from './resume-window';

describe('ResumeWindow', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function window(ms = 1000) {
    const w = new ResumeWindow({ RESUME_WINDOW_MS: ms });
    const ends: Array<[string, WindowEnd]> = [];
    const open = (sessionId: string, playerId = 'p1', issuedAt = 0) => w.open({ sessionId, playerId, issuedAt }, (why) => ends.push([sessionId, why]));
    return { w, ends, open };
  }

  it('closes a window once when it runs out, and keeps its books until the leave is answered', () => {
    const { w, ends, open } = window();
    open('s1');
    expect(w.since('s1')).toBe(Date.now());
    jest.advanceTimersByTime(999);
    expect(ends).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(ends).toEqual([['s1', 'expired']]);
    w.end('s1', 'logout'); // too late: nothing more
    expect(ends).toHaveLength(1);
    expect(w.count).toBe(1);
    w.release('s1');
    expect([w.count, w.since('s1')]).toEqual([0, undefined]);
  });

  it('is ended early by a logout or a newer session, and then never runs out', () => {
    const { w, ends, open } = window();
    open('s1');
    open('s2', 'p2', 5);
    w.end('s1', 'handed_over');
    jest.advanceTimersByTime(1000);
    expect(ends).toEqual([
      ['s1', 'handed_over'],
      ['s2', 'expired'],
    ]);
    expect(w.of('p2')).toEqual([{ sessionId: 's2', playerId: 'p2', issuedAt: 5 }]);
  });
});
