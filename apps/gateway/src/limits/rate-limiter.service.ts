import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RateLimit } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { CONFIG, LOGGER, REDIS } from '../tokens';
import { LocalBuckets, RateDecision } from './token-bucket';

/**
 * The token bucket of token-bucket.ts in one Lua script, so a read-refill-take is atomic across
 * every gateway. The clock is Redis's own (TIME), so gateways with skewed clocks share one bucket
 * fairly. A bucket rests full after its window, so it expires then.
 */
const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = capacity / window
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then tokens = capacity; at = now end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local need = math.max(cost, 1)
if tokens >= need then
  if cost > 0 then
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - cost), 'at', tostring(now))
    redis.call('PEXPIRE', KEYS[1], window + 1000)
  end
  return {1, 0}
end
return {0, math.ceil((need - tokens) / rate)}
`;

type WithBucket = { tilemudTokenBucket(key: string, capacity: number, windowMs: number, cost: number): Promise<[number, number]> };

/**
 * Rate limits shared by every gateway through Redis (EVALSHA of one script). When Redis cannot
 * answer, each gateway limits on its own with in-process buckets, and play goes on.
 */
@Injectable()
export class RateLimiter {
  private readonly prefix: string;
  private readonly local = new LocalBuckets();
  private degraded = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:rl:`;
    // ioredis sends EVALSHA and loads the script (EVAL) only when Redis does not know it yet.
    if (!(redis as unknown as Partial<WithBucket>).tilemudTokenBucket) redis.defineCommand('tilemudTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  }

  /** Takes `cost` tokens from `bucket:id` (cost 0 only checks that one is there). A limit of 0 is no limit. */
  async take(bucket: string, id: string, limit: RateLimit, cost = 1): Promise<RateDecision> {
    if (limit.limit <= 0) return { allowed: true, retryAfterMs: 0 };
    const key = `${this.prefix}${bucket}:${id}`;
    try {
      const [allowed, retryAfterMs] = await (this.redis as unknown as WithBucket).tilemudTokenBucket(key, limit.limit, limit.windowMs, cost);
      this.recovered();
      return { allowed: allowed === 1, retryAfterMs: Number(retryAfterMs) };
    } catch (err) {
      this.fellBack(err);
      return this.local.take(key, limit, cost);
    }
  }

  check(bucket: string, id: string, limit: RateLimit): Promise<RateDecision> {
    return this.take(bucket, id, limit, 0);
  }

  async reset(bucket: string, id: string): Promise<void> {
    const key = `${this.prefix}${bucket}:${id}`;
    this.local.reset(key);
    await this.redis.del(key).catch(() => undefined);
  }

  private fellBack(err: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn({ err: (err as Error)?.message }, 'rate limits: Redis unreachable, limiting in process');
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.local.sweep();
    this.logger.info('rate limits: Redis is back');
  }
}
