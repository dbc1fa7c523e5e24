import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { z } from 'zod';
import { BaseConfigSchema, loadConfig } from './config';
import { createPool } from './db';
import { createLogger, Logger } from './logger';
import { connectNats, ensureTopology, Topology, topology } from './nats';
import { Ownership } from './ownership';
import { startTracing } from './tracing';
import type { JetStreamManager } from '@nats-io/jetstream';

export interface Worker<C> {
  config: C;
  logger: Logger;
  pool: Pool;
  nc: NatsConnection;
  t: Topology;
  jsm: JetStreamManager;
  /** Runs `close` steps (in order) once, on SIGINT or SIGTERM, then exits 0. */
  onStop(close: () => Promise<unknown>): void;
}

/**
 * The start of a background app that owns a role (the sequencer, the projector): configuration,
 * traces, logs, a pool, the role's ownership (a standby waits here), NATS and its topology.
 * Losing ownership later ends the process at once, as a crash would: another may be taking over.
 */
export async function startWorker<S extends typeof BaseConfigSchema>(
  role: 'sequencer' | 'projector',
  schema: S,
  beforeNats?: (w: { config: z.infer<S>; logger: Logger; pool: Pool }) => Promise<void>,
): Promise<Worker<z.infer<S>>> {
  const config = loadConfig(schema, process.env) as z.infer<S>;
  const tracing = startTracing({ serviceName: `tilemud-${role}`, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, file: config.OTEL_TRACES_FILE });
  const logger = createLogger(role, config.LOG_LEVEL);
  const pool = createPool(config.DATABASE_URL, 4);
  const ownership = new Ownership(config.DATABASE_URL, `${config.NATS_PREFIX}:${role}`, logger);
  await ownership.acquire((err) => {
    logger.fatal({ err: err.message }, `lost ownership of the ${role} role; exiting`);
    process.exit(70);
  });
  await beforeNats?.({ config, logger, pool });
  const nc = await connectNats(config.NATS_URL, `tilemud-${role}`);
  const t = topology(config.NATS_PREFIX);
  const jsm = await ensureTopology(nc, t);
  const closers: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${role} stopping`);
    for (const close of closers) await close().catch(() => undefined);
    await nc.drain().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await ownership.release();
    await tracing.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return { config, logger, pool, nc, t, jsm, onStop: (close) => closers.push(close) };
}
