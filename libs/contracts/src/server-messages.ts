import { z } from 'zod';
import { ChangeSchema } from './changes';
import { IntentSeqSchema } from './client-messages';
import { ErrorBodySchema } from './errors';
import { IdSchema, SeqSchema, SnapshotSchema } from './model';
import { HealthDependencySchema } from './rest';
import type { SameUnion } from './type-assert';
import { SemverStringSchema } from './version';

/** First server frame after a compatible `hello`. */
export const HandshakeAckSchema = z.object({
  type: z.literal('event.ack'),
  ack: z.literal('handshake'),
  sessionId: IdSchema,
  /** Send back in `hello.resume.token` to resume after a disconnect. */
  resumeToken: z.string().min(1),
  protocolVersion: SemverStringSchema,
  heartbeatIntervalMs: z.number().int().positive(),
  worldId: IdSchema,
  /** True when missed deltas are replayed instead of a full snapshot. */
  resumed: z.boolean(),
  /**
   * Addition (area of interest): the view this session gets, in tiles (Chebyshev distance around
   * its own character). `radius` 0 (or the field absent, an older server): every change of the
   * world. Otherwise the client holds the characters within `radius`, keeps them until they are
   * beyond `radius + margin`, and is told of each one entering or leaving its view.
   */
  aoi: z.object({ radius: z.number().int().nonnegative(), margin: z.number().int().nonnegative() }).optional(),
});
export type HandshakeAck = z.infer<typeof HandshakeAckSchema>;

export const INTENT_ACK_STATUSES = ['applied', 'rejected', 'duplicate'] as const;
export const IntentAckStatusSchema = z.enum(INTENT_ACK_STATUSES);
export type IntentAckStatus = z.infer<typeof IntentAckStatusSchema>;

/**
 * Answer to every intent. `applied` (committed in PostgreSQL) carries the
 * resulting world `seq`; `rejected` carries `error`; `duplicate` repeats the
 * original outcome: its `seq` when it was applied, or
 * `originalStatus: 'rejected'` and its `error`.
 */
export const IntentAckSchema = z
  .object({
    type: z.literal('event.ack'),
    // Absent; declared so `ack` discriminates it from the handshake ack.
    ack: z.undefined().optional(),
    intentSeq: IntentSeqSchema,
    status: IntentAckStatusSchema,
    seq: SeqSchema.optional(),
    error: ErrorBodySchema.optional(),
    originalStatus: z.enum(['applied', 'rejected']).optional(),
  })
  .superRefine((ack, ctx) => {
    const outcome = ack.status === 'duplicate' ? (ack.originalStatus ?? 'applied') : ack.status;
    if (outcome === 'applied' && ack.seq === undefined) {
      ctx.addIssue({ code: 'custom', path: ['seq'], message: 'an applied intent carries its seq' });
    }
    if (outcome === 'rejected' && ack.error === undefined) {
      ctx.addIssue({ code: 'custom', path: ['error'], message: 'a rejected intent carries its error' });
    }
    if (ack.status !== 'duplicate' && ack.originalStatus !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['originalStatus'], message: 'only for duplicates' });
    }
  });
export type IntentAck = z.infer<typeof IntentAckSchema>;

export const EventAckSchema = z.discriminatedUnion('ack', [HandshakeAckSchema, IntentAckSchema]);
export type EventAck = z.infer<typeof EventAckSchema>;

/**
 * World changes from `prevSeq` to `seq`. Apply only when `prevSeq` equals the
 * last seq held; otherwise send `resync`. A full delta (`full: true`) carries
 * the whole `snapshot` and replaces local state, whatever `prevSeq` is.
 */
export const EventStateDeltaSchema = z
  .object({
    type: z.literal('event.state_delta'),
    worldId: IdSchema,
    seq: SeqSchema,
    prevSeq: SeqSchema,
    full: z.boolean(),
    changes: z.array(ChangeSchema),
    snapshot: SnapshotSchema.optional(),
  })
  .superRefine((delta, ctx) => {
    if (delta.full !== (delta.snapshot !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['snapshot'], message: 'snapshot is present exactly when full is true' });
    }
    if (delta.snapshot && delta.snapshot.world.id !== delta.worldId) {
      ctx.addIssue({ code: 'custom', path: ['snapshot', 'world', 'id'], message: 'snapshot of another world' });
    }
  });
export type EventStateDelta = z.infer<typeof EventStateDeltaSchema>;

/** A refused frame (invalid JSON, schema, unknown type, rate limit); the socket stays open. */
export const EventErrorSchema = z.object({
  type: z.literal('event.error'),
  /** The offending intent's seq, when it could be read. */
  intentSeq: IntentSeqSchema.optional(),
  error: ErrorBodySchema,
});
export type EventError = z.infer<typeof EventErrorSchema>;

export const EventDegradedSchema = z.object({
  type: z.literal('event.degraded'),
  dependency: HealthDependencySchema,
  status: z.enum(['degraded', 'unavailable', 'recovered']),
  message: z.string(),
});
export type EventDegraded = z.infer<typeof EventDegradedSchema>;

/** Sent before close 4426. */
export const EventVersionMismatchSchema = z.object({
  type: z.literal('event.version_mismatch'),
  /** As the client reported it (may not be semver). */
  clientVersion: z.string(),
  serverVersion: SemverStringSchema,
  minClientVersion: SemverStringSchema,
  /** Addition to the contract: the server's protocol version. */
  protocolVersion: SemverStringSchema.optional(),
  action: z.literal('UPDATE_REQUIRED'),
});
export type EventVersionMismatch = z.infer<typeof EventVersionMismatchSchema>;

export const SESSION_TERMINATION_REASONS = ['idle_timeout', 'logout', 'replaced', 'shutdown'] as const;
export const SessionTerminationReasonSchema = z.enum(SESSION_TERMINATION_REASONS);
export type SessionTerminationReason = z.infer<typeof SessionTerminationReasonSchema>;

/** Sent just before the server closes the socket. */
export const EventSessionTerminatedSchema = z.object({
  type: z.literal('event.session_terminated'),
  reason: SessionTerminationReasonSchema,
});
export type EventSessionTerminated = z.infer<typeof EventSessionTerminatedSchema>;

/** Answer to `ping`: the client's `ts` echoed, and the server clock in epoch ms. */
export const PongSchema = z.object({
  type: z.literal('pong'),
  ts: z.number(),
  serverTime: z.number(),
});
export type Pong = z.infer<typeof PongSchema>;

export const ServerMessageSchema = z.discriminatedUnion('type', [
  EventAckSchema,
  EventStateDeltaSchema,
  EventErrorSchema,
  EventDegradedSchema,
  EventVersionMismatchSchema,
  EventSessionTerminatedSchema,
  PongSchema,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ServerMessageType = ServerMessage['type'];

export const SERVER_MESSAGE_TYPES = ['event.ack', 'event.state_delta', 'event.error', 'event.degraded', 'event.version_mismatch', 'event.session_terminated', 'pong'] as const;
const serverTypesComplete: SameUnion<ServerMessageType, (typeof SERVER_MESSAGE_TYPES)[number]> = true;
void serverTypesComplete;

export function isHandshakeAck(message: ServerMessage): message is HandshakeAck {
  return message.type === 'event.ack' && message.ack === 'handshake';
}

export function isIntentAck(message: ServerMessage): message is IntentAck {
  return message.type === 'event.ack' && message.ack === undefined;
}
