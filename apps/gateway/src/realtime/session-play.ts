import { ClientMessage, ErrorBody, ErrorCode, makeError, ServerMessage } from '@tilemud/contracts';
import type { AckEnvelope, ClientIntent } from '@tilemud/runtime';
import { intentAck } from './session-door';
import type { SessionPorts } from './session-ports';
import type { LimitedFrame, LimitedIntent, SessionRules } from './session-rules';
import type { Playing } from './session-state';

/** What play needs of its session. */
export interface PlayHost {
  readonly id: string;
  /** The world the character is in (or going to), for an ack's bookkeeping. */
  readonly worldId: string | undefined;
  send(msg: ServerMessage | Record<string, unknown>): void;
  /** Follows the character through a portal (an applied move's hand-over), in the session's turn. */
  follow(toWorldId: string): void;
}

/**
 * A playing session's frames and acks: pings and resyncs answered, intents relayed to the
 * pipeline stamped with the session's own character and world, the sequencer's acks passed on.
 */
export class Play {
  constructor(
    private readonly p: Pick<SessionPorts, 'metrics' | 'intents'>,
    private readonly rules: SessionRules,
    private readonly host: PlayHost,
  ) {}

  async onMessage(s: Playing, msg: ClientMessage): Promise<void> {
    switch (msg.type) {
      case 'hello':
        this.host.send({ type: 'event.error', error: makeError(ErrorCode.VALIDATION_FAILED, 'hello was already received') });
        return;
      case 'ping':
        if (await this.overLimit(s, 'ping')) return;
        this.host.send({ type: 'pong', ts: msg.ts, serverTime: Date.now() });
        return;
      case 'resync':
        if (await this.overLimit(s, 'resync')) return;
        // A seq of the world the client holds; mid-crossing it is about to get the new world anyway.
        await s.view.sync(0, s.view.shown === s.view.worldId ? msg.lastSeq : undefined);
        return;
      case 'intent.move':
        return this.publish(s, 'move', msg.intentSeq, { type: 'move', direction: msg.payload.direction }, msg.traceparent);
      case 'intent.chat':
        return this.publish(s, 'chat', msg.intentSeq, { type: 'chat', text: msg.payload.text, channel: msg.payload.channel }, msg.traceparent);
      case 'intent.action':
        return this.publish(s, 'action', msg.intentSeq, { type: 'action', payload: msg.payload }, msg.traceparent);
    }
  }

  /** A ping or resync beyond its rate limit is refused, and counts against the client as a limited intent does. */
  private async overLimit(s: Playing, kind: LimitedFrame): Promise<boolean> {
    const refused = await this.rules.allow(kind, s.claims.characterId);
    if (!refused) return false;
    this.p.metrics.rateLimit(kind);
    this.host.send({ type: 'event.error', error: refused });
    this.rules.strike();
    return true;
  }

  private async publish(s: Playing, kind: LimitedIntent, intentSeq: number, intent: ClientIntent, traceparent?: string): Promise<void> {
    const who = { sessionId: this.host.id, characterId: s.claims.characterId, worldId: s.view.worldId };
    this.p.metrics.intentReceived(this.host.id, intentSeq, kind);
    const refused = await this.p.intents.relay(who, kind, intentSeq, intent, this.rules, traceparent);
    if (!refused) return;
    const m = refused.message as { status?: 'rejected'; error?: ErrorBody };
    this.p.metrics.intentAnswered(this.host.id, intentSeq, m.status ?? 'rejected', m.error?.code);
    this.host.send(refused.message);
    if (refused.strike) this.rules.strike();
  }

  /** The sequencer's answer to one of this session's intents. */
  ack(ack: AckEnvelope): void {
    if (ack.intentSeq === undefined) return;
    this.host.send(intentAck({ ...ack, intentSeq: ack.intentSeq }));
    const world = this.host.worldId;
    const applied = ack.status === 'applied' && ack.seq !== undefined && world ? { world, seq: ack.seq } : undefined;
    this.p.metrics.intentAnswered(this.host.id, ack.intentSeq, ack.status, (ack.error as ErrorBody | undefined)?.code, applied);
    // A resent portal move (the first ack lost with a crashed sequencer) carries the hand-over too.
    if ((ack.status === 'applied' || ack.status === 'duplicate') && ack.handover && ack.handover.toWorldId !== world) this.host.follow(ack.handover.toWorldId);
  }
}
