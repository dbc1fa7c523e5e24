import { context, trace } from '@opentelemetry/api';
import pino, { DestinationStream, Logger } from 'pino';

const SECRET_KEYS = ['password', 'passwordHash', 'password_hash', 'accessToken', 'token', 'ticket', 'resumeToken', 'authorization', 'cookie', 'secret', 'AUTH_SECRET'];

/** Wherever these appear in a log line (up to three levels deep) they are replaced: secrets never reach a log. */
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.query.ticket',
  'query.ticket',
];

const CENSOR = '[redacted]';

/** A line written inside a span names it: from a log line an operator finds the intent's trace. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const sc = trace.getSpan(context.active())?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

// Secrets that could hide inside free text: a JWT, a bearer header, a `ticket=`/`token=` URL parameter.
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, CENSOR],
  [/\b(Bearer)\s+[^\s"']+/gi, `$1 ${CENSOR}`],
  [/([?&](?:ticket|token|access_token|resumeToken|password)=)[^&\s"'#]+/gi, `$1${CENSOR}`],
];

/** Replaces every secret-looking part of a string. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

function scrubValues(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValues(v, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValues(v, depth - 1);
  return out;
}

/**
 * pino with redaction twice over: known secret fields by path (REDACT_PATHS), and secret-looking
 * text (tokens, tickets in URLs) in the message and in string fields, wherever a caller put it.
 */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      mixin: traceFields,
      formatters: { log: (obj) => scrubValues(obj, 4) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export type { Logger };
