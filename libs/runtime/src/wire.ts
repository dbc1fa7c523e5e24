import { z } from 'zod';
import { ChangeSchema } from '@tilemud/contracts';

/**
 * Messages between the apps (never seen by clients). Versioned by shape: every field is validated
 * at the receiving edge, and a message that fails is terminated, not retried.
 */
const Id = z.string().min(1).max(128);
const Uuid = z.uuid();

export const ClientIntentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('move'), direction: z.enum(['north', 'south', 'east', 'west']) }),
  z.object({ type: z.literal('chat'), text: z.string().min(1).max(1000), channel: z.literal('world') }),
  // Actions are dispatched by name in the domain's registry, which validates each one's fields.
  z.object({ type: z.literal('action'), payload: z.looseObject({ action: z.string().min(1).max(64) }) }),
]);
export type ClientIntent = z.infer<typeof ClientIntentSchema>;

export const IntentEnvelopeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('player'),
    worldId: Id,
    characterId: Uuid,
    intentSeq: z.number().int().positive(),
    intent: ClientIntentSchema,
    gatewayId: Id,
    sessionId: Id,
    receivedAt: z.number(),
    /** `ACKS_BATCHED`: the gateway reads batched answers (`AckBatchSchema`); absent, one ack per message. */
    acks: z.literal('batch').optional(),
  }),
  z.object({
    kind: z.literal('system'),
    worldId: Id,
    characterId: Uuid,
    op: z.enum(['enter', 'leave', 'away']),
    name: z.string().min(1).max(64),
    /** Null for a leave that is not tied to one session (an operator's kick). */
    sessionId: Id.nullable(),
    /** Entering the character's home world, where a character the world has never seen may start. */
    home: z.boolean().optional(),
    requestId: Id,
    gatewayId: Id,
    /** As on a player's intent. */
    acks: z.literal('batch').optional(),
  }),
  // The second half of a portal crossing, sent by the sequencer that recorded the departure.
  z.object({
    kind: z.literal('handover'),
    worldId: Id,
    characterId: Uuid,
    handover: z.object({
      handoverId: Id,
      characterId: Uuid,
      name: z.string().min(1).max(64),
      sessionId: Id,
      fromWorldId: Id,
      toWorldId: Id,
      toX: z.number().int().nonnegative(),
      toY: z.number().int().nonnegative(),
      facing: z.enum(['north', 'south', 'east', 'west']),
      inventory: z.array(z.object({ id: Id, kind: Id })),
      epoch: z.number().int().positive(),
    }),
  }),
]);
export type IntentEnvelope = z.infer<typeof IntentEnvelopeSchema>;
export type HandoverIntentEnvelope = Extract<IntentEnvelope, { kind: 'handover' }>;
export type PlayerIntentEnvelope = Extract<IntentEnvelope, { kind: 'player' }>;
export type SystemIntentEnvelope = Extract<IntentEnvelope, { kind: 'system' }>;

export const OutcomeErrorSchema = z.object({
  code: z.string(),
  category: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type OutcomeError = z.infer<typeof OutcomeErrorSchema>;

/** The sequencer's answer to one intent, sent to the gateway that published it. */
export const AckEnvelopeSchema = z.object({
  sessionId: Id,
  characterId: Id,
  worldId: Id,
  /** Present for player intents; system intents are matched by requestId. */
  intentSeq: z.number().int().positive().optional(),
  requestId: Id.optional(),
  status: z.enum(['applied', 'rejected', 'duplicate']),
  seq: z.number().int().nonnegative().optional(),
  originalStatus: z.enum(['applied', 'rejected']).optional(),
  error: OutcomeErrorSchema.optional(),
  /** The intent took the character through a portal: it is on its way to this world. */
  handover: z.object({ toWorldId: Id }).optional(),
});
export type AckEnvelope = z.infer<typeof AckEnvelopeSchema>;

/**
 * Several answers to one gateway in one message: those of one group commit (or one refusal pass),
 * in the order they were decided. Sent only to a gateway whose intents say it reads them
 * (`ACKS_BATCHED`); any other gets one `AckEnvelope` per message, as before batching.
 */
export const AckBatchSchema = z.object({ acks: z.array(z.unknown()).min(1) });
export type AckBatch = { acks: AckEnvelope[] };

/** The value of an intent envelope's `acks` field by which a gateway asks for its answers batched. */
export const ACKS_BATCHED = 'batch';

/**
 * The answers in one message on a gateway's ack subject, single or batched (a rolling upgrade mixes
 * both); an answer that fails its schema is counted in `malformed` and left out, not its neighbours.
 */
export function readAcks(data: unknown): { acks: AckEnvelope[]; malformed: number } {
  const batch = AckBatchSchema.safeParse(data);
  const items = batch.success ? batch.data.acks : [data];
  const acks: AckEnvelope[] = [];
  for (const item of items) {
    const a = AckEnvelopeSchema.safeParse(item);
    if (a.success) acks.push(a.data);
  }
  return { acks, malformed: items.length - acks.length };
}

/** One committed ActionEvent as the EVENTS stream carries it (msgID = worldId:seq). */
export const EventEnvelopeSchema = z.object({
  worldId: Id,
  seq: z.number().int().positive(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  characterId: Id.nullable(),
  intentSeq: z.number().int().positive().nullable(),
  recordedAt: z.string(),
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

/**
 * The projector's delta of one world (deltas.<worldId>, to every gateway): the changes of the
 * events prevSeq+1..seq, published once their read-model rows are committed. The gateways send it
 * on to clients as an `event.state_delta` (never full: a full state goes as a snapshot).
 */
export const DeltaFrameSchema = z
  .object({
    type: z.literal('event.state_delta'),
    worldId: Id,
    seq: z.number().int().positive(),
    prevSeq: z.number().int().nonnegative(),
    full: z.literal(false),
    changes: z.array(ChangeSchema),
  })
  .refine((d) => d.prevSeq < d.seq, { message: 'a delta covers at least one event', path: ['seq'] });
export type DeltaFrame = z.infer<typeof DeltaFrameSchema>;

/** Header naming a message's role when a NATS header is enough (a resent duplicate intent). */
export const HEADER_RESEND = 'Tilemud-Resend';

/**
 * On a delta frame: the W3C traceparents (comma-separated) of the `projector.apply` spans of the
 * events it carries, one per intent's trace; the gateway's fan-out span links every one of them.
 */
export const HEADER_TRACE_LINKS = 'Tilemud-Trace-Links';

/**
 * On an event published again from the log (after a crash): the trace id its intent had. The log
 * keeps no span id, so no `traceparent` is made up; the projector names this id on its apply span.
 */
export const HEADER_TRACE_ID = 'Tilemud-Trace-Id';
