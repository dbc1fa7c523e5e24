import { CloseCode, ErrorBody, ErrorCode, HandshakeAck, makeError, PROTOCOL_VERSION, ServerMessage } from '@tilemud/contracts';
import type { AckEnvelope } from '@tilemud/runtime';
import type { Logger } from '@tilemud/runtime';
import type { ResumeRecord, ResumeStore } from '../session/resume.store';
import { TicketClaims, TicketStore, TicketsUnavailable } from '../session/ticket.store';

export type TicketOutcome = { ok: true; claims: TicketClaims } | { ok: false; error: ErrorBody; code: number; reason: string };

/** The socket's ticket, redeemed once: its claims, or why the socket must close (4401, or 4503 without Redis). */
export async function redeemTicket(tickets: Pick<TicketStore, 'redeem'>, ticket: string | null): Promise<TicketOutcome> {
  try {
    const claims = ticket ? await tickets.redeem(ticket) : undefined;
    if (claims) return { ok: true, claims };
  } catch (err) {
    if (!(err instanceof TicketsUnavailable)) throw err;
    return { ok: false, error: makeError(ErrorCode.UNAVAILABLE, 'sessions cannot be opened right now; try again shortly'), code: CloseCode.UNAVAILABLE, reason: 'unavailable' };
  }
  return { ok: false, error: makeError(ErrorCode.AUTH_INVALID_TICKET, 'the ticket is unknown, used or expired'), code: CloseCode.BAD_TICKET, reason: 'bad or expired ticket' };
}

/**
 * The resume token's record when it is good for this player's character (it is spent either
 * way). Without Redis there is none: the client gets a full snapshot instead of a replay.
 */
export async function claimResume(resume: Pick<ResumeStore, 'claim'>, logger: Logger, claims: TicketClaims, token: string): Promise<ResumeRecord | undefined> {
  const rec = await resume.claim(claims.playerId, token).catch((err: Error) => {
    logger.warn({ err: err.message }, 'resume store unreachable: the client gets a full snapshot');
    return undefined;
  });
  return rec && rec.characterId === claims.characterId ? rec : undefined;
}

/** `resumed`: the missed deltas follow (replayed), rather than a full snapshot. */
export function handshakeAck(sessionId: string, worldId: string, heartbeatIntervalMs: number, resumeToken: string, resumed: boolean, aoi?: { radius: number; margin: number }): HandshakeAck {
  return { type: 'event.ack', ack: 'handshake', sessionId, resumeToken, protocolVersion: PROTOCOL_VERSION, heartbeatIntervalMs, worldId, resumed, aoi: aoi ?? { radius: 0, margin: 0 } };
}

/** The sequencer's answer to a player intent, as the client sees it. */
export function intentAck(ack: AckEnvelope & { intentSeq: number }): ServerMessage {
  return {
    type: 'event.ack',
    intentSeq: ack.intentSeq,
    status: ack.status,
    ...(ack.seq !== undefined ? { seq: ack.seq } : {}),
    ...(ack.originalStatus ? { originalStatus: ack.originalStatus } : {}),
    ...(ack.error ? { error: ack.error as ErrorBody } : {}),
  };
}
