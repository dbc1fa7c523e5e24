import { HeartbeatWheel } from './heartbeat-wheel';

describe('heartbeat wheel', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const member = () => ({ beat: jest.fn() });

  it('visits a member once per interval, the first time one interval after it joined', () => {
    const w = new HeartbeatWheel(1600);
    const m = member();
    w.add(m);
    jest.advanceTimersByTime(1500);
    expect(m.beat).not.toHaveBeenCalled();
    jest.advanceTimersByTime(100);
    expect(m.beat).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1600 * 3);
    expect(m.beat).toHaveBeenCalledTimes(4);
    w.delete(m);
  });

  it('spreads members that joined at different times over the turn, and forgets one that left', () => {
    const w = new HeartbeatWheel(1600);
    const a = member();
    const b = member();
    w.add(a);
    jest.advanceTimersByTime(800);
    w.add(b);
    jest.advanceTimersByTime(800);
    expect([a.beat.mock.calls.length, b.beat.mock.calls.length]).toEqual([1, 0]);
    jest.advanceTimersByTime(800);
    expect([a.beat.mock.calls.length, b.beat.mock.calls.length]).toEqual([1, 1]);
    w.delete(a);
    jest.advanceTimersByTime(1600);
    expect([a.beat.mock.calls.length, b.beat.mock.calls.length]).toEqual([1, 2]);
    w.delete(b);
  });

  it('runs its timer only while it has members', () => {
    const w = new HeartbeatWheel(1000);
    const m = member();
    expect(jest.getTimerCount()).toBe(0);
    w.add(m);
    w.add(m); // once only
    expect([w.size, jest.getTimerCount()]).toEqual([1, 1]);
    w.delete(m);
    expect([w.size, jest.getTimerCount()]).toEqual([0, 0]);
  });

  it('lets a member leave while it is being visited', () => {
    const w = new HeartbeatWheel(1600);
    const b = member();
    const a = { beat: jest.fn(() => w.delete(b)) };
    w.add(a);
    w.add(b);
    jest.advanceTimersByTime(1600);
    expect(a.beat).toHaveBeenCalledTimes(1);
    w.delete(a);
  });
});
