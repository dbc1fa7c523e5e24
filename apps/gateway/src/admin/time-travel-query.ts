import { z } from 'zod';

/** A seq in a query string: digits only (no sign, exponent, blank or fraction), 1 or more, a safe integer. */
const QuerySeq = z
  .string()
  .regex(/^[0-9]{1,16}$/, 'a whole number of at least 1')
  .transform(Number)
  .refine((n) => n >= 1 && Number.isSafeInteger(n), 'a whole number of at least 1');

/** `?atSeq=N` of GET /api/admin/worlds/:worldId/state. */
export const StateQuerySchema = z.object({ atSeq: QuerySeq });

/** `?from=A&to=B` of GET /api/admin/worlds/:worldId/events, A ≤ B. */
export const EventsQuerySchema = z.object({ from: QuerySeq, to: QuerySeq }).refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be below from' });
