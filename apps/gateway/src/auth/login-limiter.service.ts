import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RateLimit } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { CONFIG, LOGGER, REDIS } from '../tokens';
import { LocalLoginCounts } from './local-login-counts';
import { LOGIN_ATTEMPT_LUA, LOGIN_SETTLE_LUA } from './login-limiter.lua';
import { LOGIN_KEYS, LoginDecision, LoginKey, LoginLimits, settlementOf } from './login-policy';

type WithScripts = {
  tilemudLoginAttempt(pair: string, address: string, user: string, ...limits: number[]): Promise<[number, number, number]>;
  tilemudLoginSettle(pair: string, address: string, user: string, ...how: string[]): Promise<number>;
};

const OFF: RateLimit = { limit: 0, windowMs: 1 };

/** A sign-in's place, taken before its password is checked; settle it once the answer is known. */
export interface LoginSlot {
  decision: LoginDecision;
  settle(outcome: 'failed' | 'succeeded' | 'not_tried'): Promise<void>;
}

/**
 * Failed sign-ins per (name, address), per address, and per name across addresses
 * (login-policy.ts), shared by every gateway through Redis. When Redis cannot answer, each
 * gateway counts on its own (LocalLoginCounts), and sign-ins go on.
 */
@Injectable()
export class LoginLimiter {
  private readonly prefix: string;
  private readonly limits: LoginLimits;
  private readonly local = new LocalLoginCounts();
  private degraded = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:rl:login`;
    this.limits = { pair: config.RATE_LIMIT_LOGIN_USER, address: config.RATE_LIMIT_LOGIN_ADDRESS, user: config.RATE_LIMIT_LOGIN_USER_ALL };
    const r = redis as unknown as Partial<WithScripts>;
    // ioredis sends EVALSHA and loads a script (EVAL) only when Redis does not know it yet.
    if (!r.tilemudLoginAttempt) redis.defineCommand('tilemudLoginAttempt', { numberOfKeys: 3, lua: LOGIN_ATTEMPT_LUA });
    if (!r.tilemudLoginSettle) redis.defineCommand('tilemudLoginSettle', { numberOfKeys: 3, lua: LOGIN_SETTLE_LUA });
  }

  /**
   * Takes a place for a sign-in as `name` (canonical; undefined for a name that is no username,
   * which counts on the address only) from `address`, or says how long to wait.
   */
  async reserve(name: string | undefined, address: string): Promise<LoginSlot> {
    const keys = this.keys(name ?? '', address);
    const limits: LoginLimits = name === undefined ? { ...this.limits, pair: OFF, user: OFF } : this.limits;
    const args = LOGIN_KEYS.flatMap((k) => [limits[k].limit, limits[k].windowMs]);
    let decision: LoginDecision;
    let inRedis = true;
    try {
      const [allowed, retryAfterMs, which] = await (this.redis as unknown as WithScripts).tilemudLoginAttempt(keys.pair, keys.address, keys.user, ...args);
      this.recovered();
      decision = allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: Number(retryAfterMs), limit: LOGIN_KEYS[Number(which) - 1] ?? 'pair' };
    } catch (err) {
      this.fellBack(err);
      inRedis = false;
      decision = this.local.attempt(keys, limits);
    }
    return { decision, settle: (outcome) => this.settle(keys, outcome, inRedis) };
  }

  private async settle(keys: Record<LoginKey, string>, outcome: 'failed' | 'succeeded' | 'not_tried', inRedis: boolean): Promise<void> {
    if (outcome === 'failed') return;
    const how = settlementOf(outcome);
    if (!inRedis) return this.local.settle(keys, how);
    try {
      await (this.redis as unknown as WithScripts).tilemudLoginSettle(keys.pair, keys.address, keys.user, ...LOGIN_KEYS.map((k) => how[k]));
    } catch (err) {
      // Not given back: the name or address counts one failure too many until it is forgotten.
      this.logger.debug({ err: (err as Error).message }, 'sign-in counters not settled: Redis unreachable');
    }
  }

  private keys(name: string, address: string): Record<LoginKey, string> {
    // A canonical name holds no ':', so `name:address` cannot be read two ways.
    return { pair: `${this.prefix}-pair:${name}:${address}`, address: `${this.prefix}-addr:${address}`, user: `${this.prefix}-user:${name}` };
  }

  private fellBack(err: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn({ err: (err as Error)?.message }, 'sign-in limits: Redis unreachable, counting in process');
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.local.clear();
    this.logger.info('sign-in limits: Redis is back');
  }
}
