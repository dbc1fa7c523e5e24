import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@tilemud/runtime';

/**
 * Nest's own messages (bootstrap errors, unhandled exceptions) go through pino too, so its
 * redaction covers them: nothing Nest prints can carry a token or a ticket past it.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(): void {
    // Nest's info chatter (routes mapped, modules loaded) is not logged.
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.pino.error({ context: rest.find((r) => typeof r === 'string') }, String(message));
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.pino.warn({ context: rest.find((r) => typeof r === 'string') }, String(message));
  }
}
