import type { z } from 'zod';
import { ClientMessageSchema, IntentSeqSchema, isClientMessageType, type ClientMessage } from './client-messages';
import { ErrorCode, makeError, type ErrorBody } from './errors';
import { SERVER_MESSAGE_TYPES, ServerMessageSchema, type ServerMessage } from './server-messages';
import { isIllFormedIssue } from './text';

// Frame decoding lives here, not in the gateway, so every edge maps a bad
// frame to the same error code.

export type DecodeClientResult =
  | { ok: true; message: ClientMessage }
  /** `intentSeq` is set when the frame had a readable one, for `event.error`. */
  | { ok: false; error: ErrorBody; intentSeq?: number };

export interface IssueSummary {
  path: string;
  message: string;
}

const MAX_REPORTED_ISSUES = 10;

/** Issue list for `details`: paths like `payload.text`, at most ten. */
export function summarizeIssues(error: z.ZodError): IssueSummary[] {
  return error.issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The most specific code for a failed client frame. */
function codeForIssues(type: string, error: z.ZodError): ErrorCode {
  const first = error.issues[0];
  const path = first?.path.join('.');
  // An ill-formed string is a schema failure wherever it is, even in chat text (not CHAT_TOO_LONG).
  if (first && isIllFormedIssue(first)) return ErrorCode.SCHEMA_VALIDATION_FAILED;
  if (type === 'intent.chat' && path === 'payload.text') {
    if (first?.code === 'too_small') return ErrorCode.CHAT_EMPTY;
    if (first?.code === 'custom') return ErrorCode.CHAT_TOO_LONG; // the code-point length refine
  }
  if (type === 'intent.action' && path === 'payload.action' && first?.code === 'invalid_union') {
    return ErrorCode.UNKNOWN_ACTION;
  }
  return ErrorCode.SCHEMA_VALIDATION_FAILED;
}

/** Parses one client text frame; never throws. */
export function decodeClientMessage(text: string): DecodeClientResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: makeError(ErrorCode.INVALID_JSON, 'frame is not valid JSON') };
  }
  if (!isRecord(data) || typeof data.type !== 'string') {
    return {
      ok: false,
      error: makeError(ErrorCode.SCHEMA_VALIDATION_FAILED, 'a message is a JSON object with a string "type"'),
    };
  }
  const seq = IntentSeqSchema.safeParse(data.intentSeq);
  const intentSeq = seq.success ? { intentSeq: seq.data } : {};
  if (!isClientMessageType(data.type)) {
    return {
      ok: false,
      error: makeError(ErrorCode.UNKNOWN_MESSAGE_TYPE, `unknown message type "${data.type.slice(0, 64)}"`),
      ...intentSeq,
    };
  }
  const parsed = ClientMessageSchema.safeParse(data);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issues = summarizeIssues(parsed.error);
  const code = codeForIssues(data.type, parsed.error);
  const message = issues[0] ? `${data.type}: ${issues[0].path || '(root)'}: ${issues[0].message}` : data.type;
  return { ok: false, error: makeError(code, message, { details: { issues } }), ...intentSeq };
}

export type DecodeServerResult =
  | { ok: true; message: ServerMessage }
  /**
   * `unknown_type`: a newer server's message; a client may ignore it.
   * `invalid`: a known type that does not match its schema.
   */
  | { ok: false; reason: 'invalid_json' | 'unknown_type' | 'invalid'; type?: string; issues?: IssueSummary[] };

/** Parses one server text frame; never throws. */
export function decodeServerMessage(text: string): DecodeServerResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  const type = isRecord(data) && typeof data.type === 'string' ? data.type : undefined;
  if (type === undefined || !(SERVER_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return type === undefined ? { ok: false, reason: 'invalid' } : { ok: false, reason: 'unknown_type', type };
  }
  const parsed = ServerMessageSchema.safeParse(data);
  if (parsed.success) return { ok: true, message: parsed.data };
  return { ok: false, reason: 'invalid', type, issues: summarizeIssues(parsed.error) };
}
