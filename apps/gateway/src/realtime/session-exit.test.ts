import { exitPlan } from './session-exit';

describe('exitPlan', () => {
  const live = { replaced: false, hasResumeToken: true };
  it("keeps a dropped, timed-out or shut-down session's character for the resume window", () => {
    expect(exitPlan(live, 60_000)).toBe('linger');
    expect(exitPlan({ ...live, ended: 'shutdown' }, 60_000)).toBe('linger');
  });
  it('takes the character out at once on logout, idle, or with no resume possible', () => {
    expect(exitPlan({ ...live, ended: 'logout' }, 60_000)).toBe('leave_now');
    expect(exitPlan({ ...live, ended: 'idle_timeout' }, 60_000)).toBe('leave_now');
    expect(exitPlan(live, 0)).toBe('leave_now');
    expect(exitPlan({ ...live, hasResumeToken: false }, 60_000)).toBe('leave_now');
  });
  it("leaves a replaced session's character to its successor", () => {
    expect(exitPlan({ ...live, replaced: true, ended: 'replaced' }, 60_000)).toBe('handed_over');
  });
});
