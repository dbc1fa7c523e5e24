import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type Redis from 'ioredis';
import type { Pool } from 'pg';
import type { HealthResponse } from '@tilemud/contracts';
import { createPool } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { CONFIG, NATS, REDIS } from '../tokens';
import { SERVER_VERSION } from './version';

type Dep = { status: 'up' | 'down'; latencyMs: number };

async function probe(check: () => Promise<unknown>, timeoutMs = 1500): Promise<Dep> {
  const start = performance.now();
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs))]);
    return { status: 'up', latencyMs: Math.round((performance.now() - start) * 100) / 100 };
  } catch {
    return { status: 'down', latencyMs: Math.round(performance.now() - start) };
  }
}

/**
 * Real checks: a query, a PING and a NATS round trip. Redis down degrades; PostgreSQL or NATS down
 * is unavailable. The query runs on a connection of its own: a busy main pool (every connection
 * taken, requests queued) is not PostgreSQL being down.
 */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(
    @Inject(CONFIG) config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(NATS) private readonly nc: NatsConnection,
  ) {
    this.pool = createPool(config.DATABASE_URL, 1, 1500);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  async check(): Promise<HealthResponse> {
    const [postgres, redis, nats] = await Promise.all([
      probe(() => this.pool.query('SELECT 1')),
      probe(() => this.redis.ping()),
      probe(() => this.nc.rtt()),
    ]);
    const status = postgres.status === 'down' || nats.status === 'down' ? 'unavailable' : redis.status === 'down' ? 'degraded' : 'ok';
    return { status, serverVersion: SERVER_VERSION, dependencies: { postgres, redis, nats } };
  }
}
