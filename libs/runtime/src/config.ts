import { z } from 'zod';

/** Settings every app shares. Each is documented in the README's configuration table. */
export const BaseConfigSchema = z.object({
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/tilemud'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Namespaces every subject, stream, consumer and Redis key: one deployment (or one test run) per prefix. */
  NATS_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'lowercase letters, digits and _ (a subject token and part of stream names)')
    .default('tilemud'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** OTLP/HTTP collector for traces, e.g. http://127.0.0.1:4318; unset = traces are not exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Also write finished spans as JSON lines to this file (traces without a collector). */
  OTEL_TRACES_FILE: z.string().optional(),
  /** Test-only fault injection, e.g. `sequencer.after_commit`; never set in production. */
  TILEMUD_FAILPOINT: z.string().optional(),
});

export type BaseConfig = z.infer<typeof BaseConfigSchema>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** Parses the environment with a schema; bad config fails at start with what to set. */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration, set these environment variables:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Environment values are strings: parse an integer with bounds and a default. */
export const intFromEnv = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);
