import { z } from 'zod';
import { CHAT_MAX_LENGTH, CHAT_MIN_LENGTH } from './limits';
import { DirectionSchema, IdSchema, SeqSchema } from './model';
import { stripBidiControls, wellFormedString } from './text';
import type { SameUnion } from './type-assert';

// Objects strip unknown fields rather than reject them, so an older server
// accepts frames from a newer client that added optional fields.
// Every string a client sends is a `wellFormedString` (text.ts): no lone surrogate, no NUL, no
// control character (chat text may hold tab and line breaks), so nothing a client types can make
// the event log refuse a group commit.

/** Per-character, increasing for the life of the character, across reconnects. */
export const IntentSeqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export type IntentSeq = z.infer<typeof IntentSeqSchema>;

/**
 * A W3C trace context (`version-traceid-parentid-flags`, lower-case hex; trace and parent ids not
 * all zeros, version not ff). Optional on hello and intents: the server continues the client's
 * trace, or starts one of its own when the field is absent.
 */
export const TraceparentSchema = z
  .string()
  .regex(/^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/, 'traceparent must be a W3C trace context: 00-<32 hex>-<16 hex>-<2 hex>');

/** First frame of every connection, within HELLO_TIMEOUT_MS. */
export const HelloSchema = z.object({
  type: z.literal('hello'),
  /**
   * Not pattern-checked here: an unparsable version must get
   * `event.version_mismatch`, not a schema error.
   */
  protocolVersion: wellFormedString('line').min(1).max(256),
  clientVersion: wellFormedString('line').min(1).max(256).optional(),
  resume: z
    .object({
      token: wellFormedString('line').min(1),
      /** The last world seq the client holds. */
      lastSeq: SeqSchema,
    })
    .optional(),
  traceparent: TraceparentSchema.optional(),
  /**
   * Addition (area of interest): `false` asks for every change of the world (debugging,
   * operators); absent or `true`, the server's own setting (`aoi` in the handshake ack).
   */
  aoi: z.boolean().optional(),
});
export type Hello = z.infer<typeof HelloSchema>;

export const MovePayloadSchema = z.object({ direction: DirectionSchema });
export type MovePayload = z.infer<typeof MovePayloadSchema>;

export const IntentMoveSchema = z.object({
  type: z.literal('intent.move'),
  intentSeq: IntentSeqSchema,
  payload: MovePayloadSchema,
  traceparent: TraceparentSchema.optional(),
});
export type IntentMove = z.infer<typeof IntentMoveSchema>;

export const CHAT_CHANNELS = ['world'] as const;
export const ChatChannelSchema = z.enum(CHAT_CHANNELS);
export type ChatChannel = z.infer<typeof ChatChannelSchema>;

/** Chat text, without bidirectional controls (text.ts), trimmed; its length counts Unicode code points, so an emoji is one character. */
export const ChatTextSchema = wellFormedString('text')
  .overwrite(stripBidiControls)
  .trim()
  .min(CHAT_MIN_LENGTH, 'chat text is empty')
  .refine((text) => [...text].length <= CHAT_MAX_LENGTH, {
    message: `chat text is longer than ${CHAT_MAX_LENGTH} characters`,
  });

export const ChatPayloadSchema = z.object({
  text: ChatTextSchema,
  channel: ChatChannelSchema.default('world'),
});
export type ChatPayload = z.infer<typeof ChatPayloadSchema>;

export const IntentChatSchema = z.object({
  type: z.literal('intent.chat'),
  intentSeq: IntentSeqSchema,
  payload: ChatPayloadSchema,
  traceparent: TraceparentSchema.optional(),
});
export type IntentChat = z.infer<typeof IntentChatSchema>;

/** Pick up an item on the character's tile or a tile next to it. */
export const PickupActionSchema = z.object({ action: z.literal('pickup'), itemId: IdSchema });
/** Drop an inventory item onto the character's tile. */
export const DropActionSchema = z.object({ action: z.literal('drop'), itemId: IdSchema });
/** Give an inventory item to an adjacent character; all steps commit or none do. */
export const GiveActionSchema = z.object({
  action: z.literal('give'),
  itemId: IdSchema,
  toCharacterId: IdSchema,
});
/** Show an emote to the world; unknown emotes are refused with UNKNOWN_EMOTE. */
export const EmoteActionSchema = z.object({ action: z.literal('emote'), emote: wellFormedString('line').min(1).max(64) });
export type PickupAction = z.infer<typeof PickupActionSchema>;
export type DropAction = z.infer<typeof DropActionSchema>;
export type GiveAction = z.infer<typeof GiveActionSchema>;
export type EmoteAction = z.infer<typeof EmoteActionSchema>;

export const ActionPayloadSchema = z.discriminatedUnion('action', [PickupActionSchema, DropActionSchema, GiveActionSchema, EmoteActionSchema]);
export type ActionPayload = z.infer<typeof ActionPayloadSchema>;
export type ActionKind = ActionPayload['action'];
export const ACTION_KINDS = ['pickup', 'drop', 'give', 'emote'] as const;
const actionKindsComplete: SameUnion<ActionKind, (typeof ACTION_KINDS)[number]> = true;

export const IntentActionSchema = z.object({
  type: z.literal('intent.action'),
  intentSeq: IntentSeqSchema,
  payload: ActionPayloadSchema,
  traceparent: TraceparentSchema.optional(),
});
export type IntentAction = z.infer<typeof IntentActionSchema>;

/** Application-level ping, answered by `pong`. */
export const PingSchema = z.object({ type: z.literal('ping'), ts: z.number() });
export type Ping = z.infer<typeof PingSchema>;

/** Sent on a seq gap: the server replays after `lastSeq` or sends a full snapshot. */
export const ResyncSchema = z.object({ type: z.literal('resync'), lastSeq: SeqSchema });
export type Resync = z.infer<typeof ResyncSchema>;

export const IntentSchema = z.discriminatedUnion('type', [IntentMoveSchema, IntentChatSchema, IntentActionSchema]);
export type Intent = z.infer<typeof IntentSchema>;
export type IntentType = Intent['type'];
export const INTENT_TYPES = ['intent.move', 'intent.chat', 'intent.action'] as const;
const intentTypesComplete: SameUnion<IntentType, (typeof INTENT_TYPES)[number]> = true;

export const ClientMessageSchema = z.discriminatedUnion('type', [HelloSchema, IntentMoveSchema, IntentChatSchema, IntentActionSchema, PingSchema, ResyncSchema]);
/** A parsed client frame (defaults applied, text trimmed). */
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
/** What a client may send (e.g. `channel` may be left out). */
export type ClientMessageInput = z.input<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES = ['hello', ...INTENT_TYPES, 'ping', 'resync'] as const;
const clientTypesComplete: SameUnion<ClientMessageType, (typeof CLIENT_MESSAGE_TYPES)[number]> = true;
void [actionKindsComplete, intentTypesComplete, clientTypesComplete];

export function isIntentType(type: unknown): type is IntentType {
  return typeof type === 'string' && (INTENT_TYPES as readonly string[]).includes(type);
}

export function isClientMessageType(type: unknown): type is ClientMessageType {
  return typeof type === 'string' && (CLIENT_MESSAGE_TYPES as readonly string[]).includes(type);
}
