import pino, { DestinationStream } from 'pino';

/** The two settings of the log file (BaseConfigSchema: LOG_FILE, LOG_RETENTION_DAYS). */
export interface LogFileSettings {
  LOG_FILE?: string;
  LOG_RETENTION_DAYS: number;
}

/**
 * pino-roll's options for `file`: a new file each day (`<name>.<yyyy-MM-dd>.<n>.log`), and at each
 * roll every file of that name beyond the newest `retentionDays` removed, whichever process wrote
 * it (removeOtherLogFiles: a restarted app cleans up its predecessors' files too). `extra` is for
 * tests (`size` forces a roll without waiting for midnight).
 */
export function logFileOptions(file: string, retentionDays: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    file,
    frequency: 'daily',
    dateFormat: 'yyyy-MM-dd',
    mkdir: true,
    limit: { count: retentionDays, removeOtherLogFiles: true },
    ...extra,
  };
}

/** The rolling file transport: pino-roll in pino's transport worker thread (file I/O off the event loop). */
export function logFileTransport(options: Record<string, unknown>): DestinationStream {
  return pino.transport({ target: require.resolve('pino-roll'), options });
}

// One transport per file per process: the gateway makes more than one logger, and two pino-roll
// streams on one file would both roll it at midnight.
const transports = new Map<string, DestinationStream>();

/**
 * Where an app's logger writes: stdout (undefined: pino's default) and, with LOG_FILE set, also
 * that rolling file. Give each app its own LOG_FILE.
 */
export function logDestination(settings: LogFileSettings): DestinationStream | undefined {
  if (!settings.LOG_FILE) return undefined;
  let file = transports.get(settings.LOG_FILE);
  if (!file) {
    file = logFileTransport(logFileOptions(settings.LOG_FILE, settings.LOG_RETENTION_DAYS));
    transports.set(settings.LOG_FILE, file);
  }
  // Each stream takes every level: the logger's own level has already filtered.
  return pino.multistream([
    { level: 'trace', stream: pino.destination(1) },
    { level: 'trace', stream: file },
  ]);
}
