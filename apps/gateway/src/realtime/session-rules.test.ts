import { loadConfig } from '@tilemud/runtime';
import { GatewayConfigSchema } from '../config';
import type { RateLimiter } from '../limits/rate-limiter.service';
import { LocalBuckets } from '../limits/token-bucket';
import { SessionRules } from './session-rules';

/** A limiter with in-process buckets only: what the gateway falls back to without Redis. */
const localLimiter = () => {
  const b = new LocalBuckets();
  return { take: async (bucket: string, id: string, limit: { limit: number; windowMs: number }) => b.take(`${bucket}:${id}`, limit, 1) } as unknown as RateLimiter;
};

function rules(env: Record<string, string> = {}) {
  const ended: Array<[string, number]> = [];
  const ws = { ping: jest.fn(), terminate: jest.fn() };
  const config = loadConfig(GatewayConfigSchema, env);
  const r = new SessionRules(ws, config, localLimiter(), {
    shed: (code, reason) => ended.push([reason, code]),
    terminate: (reason, code) => ended.push([reason, code]),
  });
  return { r, ended, ws };
}

describe('session rules', () => {
  afterEach(() => jest.useRealTimers());

  it('closes with 4429 on the strike after MAX_INVALID_FRAMES within 10 s, not before', () => {
    jest.useFakeTimers();
    const { r, ended } = rules({ MAX_INVALID_FRAMES: '3' });
    expect([r.strike(), r.strike(), r.strike()]).toEqual([false, false, false]);
    jest.advanceTimersByTime(10_001); // the old ones no longer count
    expect([r.strike(), r.strike(), r.strike()]).toEqual([false, false, false]);
    expect(r.strike()).toBe(true);
    expect(ended).toEqual([['too many invalid or rate-limited frames', 4429]]);
  });

  it('refuses over the limit with RATE_LIMITED, the limit named and the wait given', async () => {
    const { r } = rules({ RATE_LIMIT_CHAT: '2/10000' });
    expect(await r.admit('chat', 'c1')).toBeNull();
    expect(await r.admit('chat', 'c1')).toBeNull();
    const refused = await r.admit('chat', 'c1');
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', category: 'rate_limited', retryable: true, message: 'chat: 2 per 10 s', details: { limit: 'chat' } });
    expect(refused!.retryAfterMs).toBeGreaterThan(4900);
    expect(await r.admit('chat', 'c2')).toBeNull(); // per character
    expect(await r.admit('move', 'c1')).toBeNull(); // per kind
  });

  it('limits ping and resync with their own buckets, and they do not count as activity', async () => {
    jest.useFakeTimers();
    const { r, ended } = rules({ RATE_LIMIT_PING: '2/10000', RATE_LIMIT_RESYNC: '1/10000', IDLE_TIMEOUT_MS: '1000' });
    r.start();
    expect(await r.allow('ping', 'c1')).toBeNull();
    expect(await r.allow('ping', 'c1')).toBeNull();
    expect(await r.allow('ping', 'c1')).toMatchObject({ code: 'RATE_LIMITED', message: 'ping: 2 per 10 s', details: { limit: 'ping' } });
    expect(await r.allow('resync', 'c1')).toBeNull();
    expect(await r.allow('resync', 'c1')).toMatchObject({ code: 'RATE_LIMITED', message: 'resync: 1 per 10 s', details: { limit: 'resync' } });
    expect(await r.admit('move', 'c1')).toBeNull(); // intents have buckets of their own
    jest.advanceTimersByTime(600);
    await r.allow('ping', 'c2');
    await r.allow('resync', 'c2');
    jest.advanceTimersByTime(500);
    expect(ended).toEqual([['idle_timeout', 4408]]);
    r.stop();
  });

  it('ends an idle session with idle_timeout and 4408; an intent restarts the clock', async () => {
    jest.useFakeTimers();
    const { r, ended } = rules({ IDLE_TIMEOUT_MS: '1000' });
    r.start();
    jest.advanceTimersByTime(800);
    await r.admit('move', 'c1');
    jest.advanceTimersByTime(800);
    expect(ended).toEqual([]);
    jest.advanceTimersByTime(300);
    expect(ended).toEqual([['idle_timeout', 4408]]);
    r.stop();
  });

  it('pings every HEARTBEAT_INTERVAL_MS and cuts a peer that sent no pong since the last ping', () => {
    jest.useFakeTimers();
    const { r, ws } = rules({ HEARTBEAT_INTERVAL_MS: '1600' });
    r.start();
    jest.advanceTimersByTime(1600);
    expect([ws.ping.mock.calls.length, ws.terminate.mock.calls.length]).toEqual([1, 0]);
    r.pong();
    jest.advanceTimersByTime(1600);
    expect([ws.ping.mock.calls.length, ws.terminate.mock.calls.length]).toEqual([2, 0]);
    jest.advanceTimersByTime(1600); // no pong to the second ping
    expect([ws.ping.mock.calls.length, ws.terminate.mock.calls.length]).toEqual([2, 1]);
    r.stop();
    jest.advanceTimersByTime(5000);
    expect(ws.ping).toHaveBeenCalledTimes(2);
  });
});
