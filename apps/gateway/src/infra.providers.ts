import { randomBytes } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import Redis from 'ioredis';
import type { Pool } from 'pg';
import { connectNats, createLogger, createPool, ensureTopology, logDestination, Logger, topology, Topology } from '@tilemud/runtime';
import type { GatewayConfig } from './config';
import { CONFIG, GATEWAY_ID, LOGGER, NATS, PG_POOL, REDIS, TOPOLOGY } from './tokens';

/** Connections the gateway holds, built once from the parsed config. */
export function infraProviders(config: GatewayConfig): Provider[] {
  return [
    { provide: CONFIG, useValue: config },
    { provide: LOGGER, useFactory: () => createLogger('gateway', config.LOG_LEVEL, logDestination(config)) },
    { provide: GATEWAY_ID, useValue: config.GATEWAY_ID ?? `gw-${randomBytes(4).toString('hex')}` },
    { provide: TOPOLOGY, useValue: topology(config.NATS_PREFIX) },
    { provide: PG_POOL, useFactory: () => createPool(config.DATABASE_URL, 10) },
    {
      provide: REDIS,
      useFactory: () =>
        // Never queue commands forever while Redis is down: fail fast so callers can degrade.
        // A command Redis does not answer within a second fails too (a hung server, not only a dead one).
        new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1000, lazyConnect: false, retryStrategy: (n) => Math.min(n * 200, 2000) }),
    },
    {
      provide: NATS,
      inject: [TOPOLOGY],
      useFactory: async (t: Topology) => {
        const nc = await connectNats(config.NATS_URL, 'tilemud-gateway');
        await ensureTopology(nc, t);
        return nc;
      },
    },
  ];
}

/** Closes the connections last, after the sessions have been told. */
@Injectable()
export class InfraLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.redis.on('error', () => undefined); // reported by /api/health; never a crash
  }

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
    this.redis.disconnect();
    await this.pool.end().catch(() => undefined);
    this.logger.info('gateway stopped');
  }
}
