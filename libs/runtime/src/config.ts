import { z } from 'zod';

/**
 * Why `value` is not a usable URL of one of `schemes` (undefined: it is). Pure, so each rule is
 * unit-tested; a bad URL must stop the app at start, not surface later as a connection that
 * retries forever while the app says it is ready.
 */
export function urlProblem(value: string, schemes: readonly string[], opts: { bareHostPort?: boolean } = {}): string | undefined {
  const v = value.trim();
  if (!v) return 'is empty';
  // The NATS client also takes `host:port` without a scheme.
  if (opts.bareHostPort && /^[A-Za-z0-9.-]+:\d{1,5}$/.test(v)) return Number(v.split(':')[1]) <= 65535 ? undefined : `"${v}": port out of range`;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `"${v}" is not a URL (expected ${schemes.map((s) => `${s}://host:port`).join(' or ')})`;
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme)) return `"${v}": scheme ${scheme}: is not one of ${schemes.map((s) => `${s}:`).join(', ')}`;
  if (!u.hostname) return `"${v}" names no host`;
  return undefined;
}

/** A URL setting, or (`list`) a comma-separated list of them, each element checked alone. */
export const urlSetting = (def: string, schemes: readonly string[], opts: { list?: boolean; bareHostPort?: boolean } = {}) =>
  z
    .string()
    .default(def)
    .superRefine((v, ctx) => {
      const parts = opts.list ? v.split(',') : [v];
      parts.forEach((p, i) => {
        const problem = urlProblem(p, schemes, opts);
        if (problem) ctx.addIssue({ code: 'custom', message: parts.length > 1 ? `element ${i + 1} ${problem}` : problem });
      });
    });

/** NATS_STREAM_REPLICAS: how many servers of the NATS cluster hold each stream. */
export const streamReplicasSetting = z.coerce.number().int().min(1).max(5).default(1);

/** Settings every app shares. Each is documented in the README's configuration table. */
export const BaseConfigSchema = z.object({
  DATABASE_URL: urlSetting('postgres://postgres@127.0.0.1:5432/tilemud', ['postgres', 'postgresql']),
  REDIS_URL: urlSetting('redis://127.0.0.1:6379', ['redis', 'rediss']),
  /** One server, or a comma-separated list of a cluster's (each checked). */
  NATS_URL: urlSetting('nats://127.0.0.1:4222', ['nats', 'tls', 'ws', 'wss'], { list: true, bareHostPort: true }),
  /**
   * Copies JetStream keeps of each stream (1..5; 3 on a three-node cluster). A stream created with
   * another count is scaled in place at the next start, never recreated; more than the cluster's
   * nodes is refused by the server.
   */
  NATS_STREAM_REPLICAS: streamReplicasSetting,
  /** Namespaces every subject, stream, consumer and Redis key: one deployment (or one test run) per prefix. */
  NATS_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'lowercase letters, digits and _ (a subject token and part of stream names)')
    .default('tilemud'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Also write the JSON log to this file, rolled daily (`<name>.<yyyy-MM-dd>.<n>.log`); one per app. Unset: stdout only. */
  LOG_FILE: z.string().min(1).optional(),
  /** Days of log files kept besides today's: older files are removed when the file rolls at midnight. */
  LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** OTLP/HTTP collector for traces, e.g. http://127.0.0.1:4318; unset = traces are not exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Also write finished spans as JSON lines to this file (traces without a collector). */
  OTEL_TRACES_FILE: z.string().optional(),
  /** Hard limit on a graceful stop (SIGINT/SIGTERM): past it the process exits whatever it was waiting for. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(5000),
  /** Test-only fault injection, e.g. `sequencer.after_commit`; never set in production. */
  TILEMUD_FAILPOINT: z.string().optional(),
});

export type BaseConfig = z.infer<typeof BaseConfigSchema>;

/** An app's exit code when its configuration is invalid (EX_CONFIG): a supervisor does not restart it. */
export const CONFIG_EXIT_CODE = 78;

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
export const intFromEnv = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);
