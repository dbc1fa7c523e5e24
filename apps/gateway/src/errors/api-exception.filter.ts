import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode, makeError } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import { LOGGER } from '../tokens';
import { ApiError } from './api-error';

/** Every REST failure leaves in the contract's shape; no stack trace or internal message reaches a client. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.map(exception);
    if (status >= 500) this.logger.error({ err: (exception as Error)?.message, code: body.code }, 'request failed');
    if (body.retryAfterMs !== undefined) res.setHeader('Retry-After', String(Math.ceil(body.retryAfterMs / 1000)));
    res.status(status).json({ error: body });
  }

  private map(e: unknown) {
    if (e instanceof ApiError) return { status: e.status, body: e.body };
    const status = e instanceof HttpException ? e.getStatus() : Number((e as { status?: unknown })?.status);
    const type = (e as { type?: string })?.type;
    // Nest turns body-parser's SyntaxError into a BadRequestException carrying its message.
    const jsonSyntax = e instanceof HttpException && status === 400 && /JSON/i.test(e.message);
    if (type === 'entity.parse.failed' || jsonSyntax) return { status: 400, body: makeError(ErrorCode.INVALID_JSON, 'request body is not valid JSON') };
    if (type === 'entity.too.large') return { status: 413, body: makeError(ErrorCode.VALIDATION_FAILED, 'request body is too large') };
    if (status === 404) return { status, body: makeError(ErrorCode.NOT_FOUND, 'no such endpoint') };
    if (status === 405) return { status, body: makeError(ErrorCode.NOT_FOUND, 'method not allowed here') };
    if (status >= 400 && status < 500) return { status, body: makeError(ErrorCode.VALIDATION_FAILED, 'the request is not valid') };
    if (isDependencyDown(e)) return { status: 503, body: makeError(ErrorCode.UNAVAILABLE, 'a service this needs is unavailable; try again shortly') };
    return { status: 500, body: makeError(ErrorCode.INTERNAL, 'internal error') };
  }
}

/** Redis or PostgreSQL not reachable (ioredis fails fast with the offline queue off; pg cannot connect). */
function isDependencyDown(e: unknown): boolean {
  const err = e as { name?: string; code?: string; message?: string } | undefined;
  if (!err) return false;
  if (err.name === 'MaxRetriesPerRequestError' || /Stream isn't writeable|Connection is closed|Command timed out/.test(err.message ?? '')) return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03'].includes(err.code ?? '') || /timeout exceeded when trying to connect/.test(err.message ?? '');
}
