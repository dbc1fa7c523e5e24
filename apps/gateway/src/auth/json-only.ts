import type { Request } from 'express';
import { ErrorCode } from '@tilemud/contracts';
import { ApiError } from '../errors/api-error';

/**
 * Credentials come as JSON only. A form post (urlencoded, multipart or text/plain) is what another
 * site's page can send without asking the browser first (no CORS preflight): refusing it keeps
 * such a page from signing anyone in or up.
 */
export function requireJson(req: Request): void {
  if (req.is('application/json')) return;
  throw new ApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'send the body as JSON (Content-Type: application/json)');
}
