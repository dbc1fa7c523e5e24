import { Module } from '@nestjs/common';
import { RateLimiter } from './rate-limiter.service';

/** Token buckets in Redis (with an in-process fallback), for REST calls and socket intents alike. */
@Module({ providers: [RateLimiter], exports: [RateLimiter] })
export class LimitsModule {}
