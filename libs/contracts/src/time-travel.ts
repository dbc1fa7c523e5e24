import { z } from 'zod';
import { CharacterSchema, IdSchema, ItemSchema, SeqSchema, WorldMapSchema } from './model';

/**
 * Addition: operator-only (role `admin`) reads of the event log, for the operator page's worlds
 * table and its time travel. 400 VALIDATION_FAILED for a bad query, 404 WORLD_NOT_FOUND for a
 * world this build does not have, 401 / 403 FORBIDDEN as every `/api/admin` call.
 */

/** Most events one `GET /api/admin/worlds/:worldId/events` answers. */
export const ADMIN_EVENTS_LIMIT = 200;

/** `GET /api/admin/worlds` → each world's log head, read model, lag behind the log and dead letters. */
export const AdminWorldSchema = z.object({
  id: IdSchema,
  name: z.string(),
  /** The world's last logged seq (0: nothing logged yet). */
  head: SeqSchema,
  /** The seq the read model has projected (its checkpoint). */
  projectedSeq: SeqSchema,
  /** head - projectedSeq: events the read model is behind the log. */
  lagEvents: z.number().int(),
  /** Messages of this world parked in dead_letters (unapplied). */
  deadLetters: z.number().int().nonnegative(),
});
export type AdminWorld = z.infer<typeof AdminWorldSchema>;

export const AdminWorldsResponseSchema = z.object({
  worlds: z.array(AdminWorldSchema),
  /** Dead letters that name no world (a message too malformed to tell). */
  unattributedDeadLetters: z.number().int().nonnegative(),
});
export type AdminWorldsResponse = z.infer<typeof AdminWorldsResponseSchema>;

/** `GET /api/admin/worlds/:worldId/map` → the world's map (its definition; `seq` is the log's head). */
export const AdminWorldMapSchema = WorldMapSchema;

/**
 * `GET /api/admin/worlds/:worldId/state?atSeq=N` (1 ≤ N ≤ head) → the world as it stood at seq N:
 * its online characters and lying items, shaped and ordered (by id) as in a full snapshot.
 */
export const WorldStateAtSchema = z.object({
  worldId: IdSchema,
  seq: SeqSchema,
  head: SeqSchema,
  /** The stored world snapshot the fold started from (0: folded from the start of the log). */
  foldedFrom: SeqSchema,
  characters: z.array(CharacterSchema),
  items: z.array(ItemSchema),
});
export type WorldStateAt = z.infer<typeof WorldStateAtSchema>;

/** One logged event, as an operator reads it. */
export const LogEntrySchema = z.object({
  seq: SeqSchema,
  type: z.string().min(1),
  /** The character whose intent it came from (null for the system's own events). */
  characterId: z.string().nullable(),
  /** The event's stored schema version. */
  version: z.number().int().positive(),
  data: z.unknown(),
  /** ISO 8601. */
  recordedAt: z.string(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

/**
 * `GET /api/admin/worlds/:worldId/events?from=A&to=B` (1 ≤ A ≤ B) → the events of seqs A..B,
 * oldest first, at most ADMIN_EVENTS_LIMIT (then `more` is true: ask again from the last seq + 1).
 */
export const WorldEventsPageSchema = z.object({
  worldId: IdSchema,
  head: SeqSchema,
  events: z.array(LogEntrySchema),
  more: z.boolean(),
});
export type WorldEventsPage = z.infer<typeof WorldEventsPageSchema>;
