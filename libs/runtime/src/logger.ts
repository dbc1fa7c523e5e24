import pino, { Logger } from 'pino';

/** Wherever these appear in a log line they are replaced: secrets never reach a log. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'ticket',
  '*.ticket',
  'resumeToken',
  '*.resumeToken',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'req.headers.cookie',
];

export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

export type { Logger };
