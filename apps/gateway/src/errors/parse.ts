import type { z } from 'zod';
import { ErrorCode, summarizeIssues } from '@tilemud/contracts';
import { ApiError } from './api-error';

/** Validates a request body with its contract schema, or fails with VALIDATION_FAILED and the issues. */
export function parseBody<S extends z.ZodTypeAny>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issues = summarizeIssues(parsed.error);
  const first = issues[0];
  throw new ApiError(ErrorCode.VALIDATION_FAILED, first ? `${first.path || 'body'}: ${first.message}` : 'invalid body', { details: { issues } });
}
