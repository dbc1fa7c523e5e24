import { reconnectDelay, RECONNECT_MAX_MS } from './backoff';

describe('reconnect backoff', () => {
  it('doubles from 1 s up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => reconnectDelay(a, 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('spreads each delay by ±25 % and never passes the cap', () => {
    expect(reconnectDelay(1, 0)).toBe(750);
    expect(reconnectDelay(1, 0.999999)).toBe(1250);
    for (let a = 1; a < 12; a++) for (const r of [0, 0.3, 0.7, 0.9999]) expect(reconnectDelay(a, r)).toBeLessThanOrEqual(RECONNECT_MAX_MS);
    expect(reconnectDelay(10, 0)).toBe(22500);
  });
});
