import { DEFAULT_DOOR_LIMITS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_RATE_LIMITS } from '@tilemud/contracts';
import { loadConfig } from '@tilemud/runtime';
import { GatewayConfigSchema } from './config';

describe('gateway configuration', () => {
  it("defaults to the contract's limits, idle timeout and capacity", () => {
    const c = loadConfig(GatewayConfigSchema, {});
    expect(c.RATE_LIMIT_CHAT).toEqual(DEFAULT_RATE_LIMITS.chat);
    expect(c.RATE_LIMIT_MOVE).toEqual(DEFAULT_RATE_LIMITS.move);
    expect(c.RATE_LIMIT_ACTION).toEqual(DEFAULT_RATE_LIMITS.action);
    expect(c.RATE_LIMIT_LOGIN_USER).toEqual(DEFAULT_DOOR_LIMITS.loginUser);
    expect(c.RATE_LIMIT_GUEST_ADDRESS).toEqual(DEFAULT_DOOR_LIMITS.guestAddress);
    expect(c.IDLE_TIMEOUT_MS).toBe(DEFAULT_IDLE_TIMEOUT_MS);
    expect(c.TICKET_TTL_S).toBeLessThanOrEqual(90);
    expect(c.MAX_SESSIONS).toBeGreaterThan(0);
  });

  it('bounds a socket and a client address by default: send budget, ping and resync limits, connections, timeouts', () => {
    const c = loadConfig(GatewayConfigSchema, {});
    expect(c.SEND_BUDGET_BYTES).toBeGreaterThan(c.FANOUT_SLOW_CLIENT_BYTES);
    expect(c.RATE_LIMIT_PING).toEqual({ limit: 20, windowMs: 10_000 });
    expect(c.RATE_LIMIT_RESYNC).toEqual({ limit: 5, windowMs: 10_000 });
    expect(c.MAX_CONNECTIONS_PER_ADDRESS).toBe(64);
    expect(c.HTTP_HEADERS_TIMEOUT_MS).toBeLessThanOrEqual(c.HTTP_REQUEST_TIMEOUT_MS);
    expect(() => loadConfig(GatewayConfigSchema, { SEND_BUDGET_BYTES: '1000' })).toThrow(/SEND_BUDGET_BYTES/);
  });

  it('takes an empty AUTH_SECRET or AUTH_KEYS (a blank line in an env file) as unset, and refuses a short secret', () => {
    const c = loadConfig(GatewayConfigSchema, { AUTH_SECRET: '', AUTH_KEYS: '' });
    expect(c.AUTH_SECRET).toBeUndefined();
    expect(c.AUTH_KEYS).toBeUndefined();
    expect(() => loadConfig(GatewayConfigSchema, { AUTH_SECRET: 'short' })).toThrow(/AUTH_SECRET/);
  });

  it('reads limits as <count>/<window ms>', () => {
    const c = loadConfig(GatewayConfigSchema, { RATE_LIMIT_CHAT: '3/60000', RATE_LIMIT_MOVE: '0/1000' });
    expect(c.RATE_LIMIT_CHAT).toEqual({ limit: 3, windowMs: 60_000 });
    expect(c.RATE_LIMIT_MOVE.limit).toBe(0);
  });

  it('refuses a bad value, naming the variable', () => {
    expect(() => loadConfig(GatewayConfigSchema, { RATE_LIMIT_CHAT: 'five' })).toThrow(/RATE_LIMIT_CHAT/);
    expect(() => loadConfig(GatewayConfigSchema, { TICKET_TTL_S: '120' })).toThrow(/TICKET_TTL_S/);
    expect(() => loadConfig(GatewayConfigSchema, { MAX_SESSIONS: '0' })).toThrow(/MAX_SESSIONS/);
  });
});
