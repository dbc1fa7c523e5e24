import { z } from 'zod';
import { BaseConfigSchema, intFromEnv } from '@tilemud/runtime';

export const GatewayConfigSchema = BaseConfigSchema.extend({
  PORT: intFromEnv(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  /** Names this instance's ack subject; unique per running gateway. */
  GATEWAY_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  /** HS256 key for access tokens, at least 32 characters. Unset: a random key per process (development only). */
  AUTH_SECRET: z.string().min(32).optional(),
  ACCESS_TOKEN_TTL_S: intFromEnv(900, 30, 86_400),
  /** A WebSocket ticket is single use and expires after this (the contract allows at most 90 s). */
  TICKET_TTL_S: intFromEnv(60, 5, 90),
  MIN_CLIENT_VERSION: z.string().regex(/^\d+\.\d+\.\d+$/).default('1.0.0'),
  HEARTBEAT_INTERVAL_MS: intFromEnv(15_000, 1000, 300_000),
  /** Redis key prefix; defaults to NATS_PREFIX. */
  REDIS_PREFIX: z.string().optional(),
  /** Shortest gap between two delta frames to one world's clients; deltas in between are merged. */
  FANOUT_INTERVAL_MS: intFromEnv(10, 0, 1000),
  /** Most frame writes per second to one world's sessions; a larger audience gets a longer interval. */
  FANOUT_MAX_SENDS_PER_S: intFromEnv(10_000, 100, 1_000_000),
  /** A client with more than this many bytes unsent gets its deltas merged until it drains. */
  FANOUT_SLOW_CLIENT_BYTES: intFromEnv(256 * 1024, 1024, 64 * 1024 * 1024),
  /** How long the gateway waits for the sequencer to answer a join. */
  JOIN_TIMEOUT_MS: intFromEnv(10_000, 100, 120_000),
  /** Invalid frames within 10 s that close the socket with 4429. */
  MAX_INVALID_FRAMES: intFromEnv(20, 1, 10_000),
  /** Directory with the built browser client (served at /); unset = client/dist when it exists. */
  CLIENT_DIST: z.string().optional(),
  OTEL_TRACES_FILE: z.string().optional(),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
