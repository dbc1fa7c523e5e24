import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ClientMessage, CloseCode, decodeClientMessage, ErrorBody, ErrorCode, HELLO_TIMEOUT_MS, makeError, ServerMessage } from '@tilemud/contracts';
import { AckEnvelope, ClientIntent, contextFrom, inSpan, SpanKind, startSpan } from '@tilemud/runtime';
import type { ResumeRecord } from '../session/resume.store';
import type { InvalidFrameReason } from '../system/gateway-metrics';
import type { TicketClaims } from '../session/ticket.store';
import { catchUp } from './catch-up';
import type { Delta } from './delta';
import { DeltaDelivery } from './delta-delivery';
import type { DeltaReceiver, EncodedFrame } from './fanout.service';
import { relayIntent } from './intent-relay';
import { Outbox } from './outbox';
import { SerialQueue } from './serial-queue';
import type { SessionDeps, TerminationReason } from './session-deps';
import { claimResume, handshakeAck, intentAck, redeemTicket } from './session-door';
import { WorldExit } from './session-exit';
import { LimitedFrame, LimitedIntent, SessionRules } from './session-rules';
import { checkClientVersion } from './version-check';
import { enterWorld } from './world-entry';

type State = 'auth' | 'hello' | 'joining' | 'live' | 'closed';

/** Client frames waiting to be handled beyond which the socket is not read (TCP slows the client). */
const MAX_WAITING_FRAMES = 64;
/** How long a closing socket has to finish the close handshake before it is cut (its unsent bytes freed). */
const CLOSE_GRACE_MS = 2000;

/**
 * One WebSocket: ticket, hello, join, then intents up and deltas down. Frames are handled one at a
 * time in arrival order (a SerialQueue), so a session's intents reach JetStream in the order sent.
 */
export class ClientSession implements DeltaReceiver {
  readonly id = randomUUID();
  claims?: TicketClaims;
  worldId?: string;
  /** The world whose state the client was last sent (worldId runs ahead of it during a crossing). */
  private shownWorldId?: string;
  /** The versions the client said hello with, checked again when the minimum is raised. */
  hello?: { protocolVersion: string; clientVersion?: string | undefined };
  /** When this session became its player's live one (epoch ms). */
  liveSince = 0;
  /** This session's resume token (rotated at each handshake). */
  resumeToken?: string;
  /** Why the session was ended by the server, when it was: decides whether the character lingers. */
  private ended?: TerminationReason;
  private state: State = 'auth';
  private readonly queue: SerialQueue;
  private readonly outbox: Outbox;
  private readonly deltas: DeltaDelivery;
  private readonly rules: SessionRules;
  private entered = false;
  private replaced = false;
  /** A portal crossing this session is following to its new world (a leave waits for it to land). */
  switching: Promise<void> | null = null;
  private readonly exit: WorldExit;

  constructor(
    private readonly ws: WebSocket,
    private readonly ticket: string | null,
    private readonly d: SessionDeps,
  ) {
    this.queue = new SerialQueue(ws, MAX_WAITING_FRAMES, (err) => this.fail(err));
    this.outbox = new Outbox(ws, d.config.FANOUT_SLOW_CLIENT_BYTES, d.config.SEND_BUDGET_BYTES, (queued) =>
      this.shed(CloseCode.UNAVAILABLE, 'send budget exceeded', { queued }),
    );
    this.deltas = new DeltaDelivery(
      ws,
      d.config.FANOUT_SLOW_CLIENT_BYTES,
      (from) => this.enqueue(() => this.sync(0, from)),
      (bytes, merged) => d.metrics.deltaSent(this.shownWorldId ?? this.worldId ?? '', bytes, merged),
    );
    this.rules = new SessionRules(ws, d.config, d.limiter, this);
    this.exit = new WorldExit(d, this);
  }

  /** Settles once the character's leave has been answered (or given up on). */
  get leaving(): Promise<void> {
    return this.exit.leaving;
  }

  /** Ends the resume window early (see WorldExit.end). */
  endLinger(why: 'logout' | 'handed_over'): void {
    if (this.claims) this.exit.end(this.claims, why);
  }

  get isLive(): boolean {
    return this.state === 'live';
  }

  start(): void {
    this.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.queue.pushFrame(() => this.onFrame(data, isBinary)));
    this.ws.on('close', (code: number) => {
      this.d.metrics.connectionClosed(code);
      this.onClose();
    });
    // Oversize frames (1009) and resets end in 'close'; a frame too large or not UTF-8 is counted.
    this.ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.d.metrics.invalidFrame('too_large');
      if (err.code === 'WS_ERR_INVALID_UTF8') this.d.metrics.invalidFrame('utf8');
    });
    this.ws.on('pong', () => this.rules.pong());
    for (const n of this.d.health.notices()) this.send(n); // told at connect what is down now
    this.rules.awaitHello(() => {
      if (this.state !== 'auth' && this.state !== 'hello') return;
      this.sendError(makeError(ErrorCode.HELLO_TIMEOUT, `no hello within ${HELLO_TIMEOUT_MS} ms`));
      this.close(CloseCode.HELLO_REQUIRED, 'no hello in time');
    });
    this.enqueue(() => this.authenticate());
  }

  private enqueue(step: () => Promise<void>): void {
    void this.queue.push(step);
  }

  private async authenticate(): Promise<void> {
    const redeemed = await redeemTicket(this.d.tickets, this.ticket);
    if (this.state === 'closed') return;
    if (!redeemed.ok) {
      this.sendError(redeemed.error);
      this.close(redeemed.code, redeemed.reason);
      return;
    }
    this.claims = redeemed.claims;
    this.d.onAuthenticated(this);
    if (this.state === 'auth') this.state = 'hello';
  }

  private async onFrame(data: WebSocket.RawData, isBinary: boolean): Promise<void> {
    if (this.state === 'closed' || this.state === 'auth') return;
    const decoded = isBinary
      ? { ok: false as const, error: makeError(ErrorCode.SCHEMA_VALIDATION_FAILED, 'frames are text') }
      : decodeClientMessage(data.toString());
    if (!decoded.ok) {
      this.d.metrics.invalidFrame(invalidReason(decoded.error.code));
      this.send({ type: 'event.error', ...('intentSeq' in decoded && decoded.intentSeq ? { intentSeq: decoded.intentSeq } : {}), error: decoded.error });
      this.rules.strike();
      return;
    }
    const msg = decoded.message;
    if (this.state === 'hello') {
      if (msg.type !== 'hello') {
        this.sendError(makeError(ErrorCode.HELLO_REQUIRED, 'the first message must be hello'));
        this.close(CloseCode.HELLO_REQUIRED, 'hello required');
        return;
      }
      // The join is traced: under the client's traceparent when hello carries one.
      const span = startSpan('gateway.hello', contextFrom(msg.traceparent), { kind: SpanKind.SERVER, attributes: { 'tilemud.client_trace': msg.traceparent !== undefined } });
      try {
        await inSpan(span, () => this.onHello(msg));
      } finally {
        if (this.worldId) span.setAttribute('tilemud.world', this.worldId);
        span.end();
      }
      return;
    }
    await this.onMessage(msg);
  }

  private async onHello(hello: Extract<ClientMessage, { type: 'hello' }>): Promise<void> {
    this.rules.helloReceived();
    this.hello = { protocolVersion: hello.protocolVersion, clientVersion: hello.clientVersion };
    if (!this.checkVersion(this.d.minClientVersion())) return;
    // Entering needs the log and the bus: say so now, before a resume token is spent on it.
    const down = this.d.health.refusal();
    if (down) {
      this.sendError(down);
      this.close(CloseCode.UNAVAILABLE, 'unavailable');
      return;
    }
    const resumed = hello.resume ? await claimResume(this.d, this.claims!, hello.resume.token) : undefined;
    await this.d.onHello(this);
    if (this.state === 'closed') return;
    const claims = this.claims!;
    const where = await this.d.worldOf(claims.characterId);
    if ((this.state as State) === 'closed') return;
    this.state = 'joining';
    this.d.bus.register(this.id, (ack) => this.onAck(ack));
    // A resumed character is still in its world (the old session lingers): entering again only
    // hands it to this session, and the others see nothing.
    const entered = await enterWorld(
      this.d.bus,
      { characterId: claims.characterId, name: claims.username, sessionId: this.id, ...where },
      this.d.config.JOIN_TIMEOUT_MS,
    ).catch((err: Error) => ({ ok: false as const, error: makeError(ErrorCode.UNAVAILABLE, 'the world is not answering; try again shortly'), err }));
    if (!entered.ok) {
      this.d.logger.warn({ code: entered.error.code, sessionId: this.id }, 'join failed');
      this.sendError(entered.error);
      this.close(CloseCode.UNAVAILABLE, 'could not enter the world');
      return;
    }
    this.entered = true;
    if ((this.state as State) === 'closed') {
      // The socket went while the world let the character in: take it out again (unless replaced).
      this.worldId = entered.worldId;
      if (!this.replaced) this.exit.leaveNow(claims);
      return;
    }
    this.watch(entered.worldId);
    this.d.onEntered(this);
    const token = await this.d.resume.issue(this.resumeRecord());
    if ((this.state as State) === 'closed') return void this.d.resume.revoke(claims.playerId, token);
    this.resumeToken = token;
    // Replay only into the world the client was shown; a portal crossed meanwhile means a snapshot.
    const replayFrom = resumed && resumed.worldId === entered.worldId ? hello.resume!.lastSeq : undefined;
    await this.sync(entered.seq, replayFrom, (replayed) => {
      if (hello.resume) this.d.metrics.resume(!resumed ? 'refused' : replayed ? 'replay' : 'snapshot');
      this.send(handshakeAck(this.id, this.worldId!, this.d.config.HEARTBEAT_INTERVAL_MS, token, replayed));
    });
    if (replayFrom !== undefined) this.d.logger.info({ sessionId: this.id, from: resumed!.sessionId, lastSeq: replayFrom }, 'session resumed');
    this.rules.start();
  }

  resumeRecord(): ResumeRecord {
    return { playerId: this.claims!.playerId, characterId: this.claims!.characterId, sessionId: this.id, worldId: this.shownWorldId ?? this.worldId! };
  }

  /** Ends the session (4426) when its client is older than `minClientVersion`; true when it may stay. */
  checkVersion(minClientVersion: string): boolean {
    if (!this.hello || this.state === 'closed') return true;
    const mismatch = checkClientVersion(this.hello, minClientVersion, this.d.serverVersion);
    if (!mismatch) return true;
    this.send(mismatch);
    this.close(CloseCode.VERSION_MISMATCH, 'update required');
    return false;
  }

  /** Follows a world's deltas (holding them until the next snapshot is sent). */
  private watch(worldId: string): void {
    if (this.worldId) this.d.fanout.leave(this.worldId, this);
    this.worldId = worldId;
    this.deltas.hold();
    this.d.fanout.join(worldId, this);
  }

  /**
   * Brings the client up to date: the deltas it missed since `replayFrom` when they can be
   * replayed, else a full state at least as new as `minSeq`; then whatever deltas came meanwhile.
   * `before` runs first, told which of the two follows.
   */
  private async sync(minSeq: number, replayFrom?: number, before?: (replayed: boolean) => void): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'joining';
    this.deltas.hold();
    const caught = await catchUp(this.d, this.worldId!, minSeq, replayFrom);
    if (!caught || (this.state as State) === 'closed') return;
    before?.(caught.replayed);
    this.shownWorldId = this.worldId;
    for (const f of caught.frames) this.send(f);
    if ((this.state as State) === 'closed') return; // over its send budget midway
    this.state = 'live';
    this.deltas.release(caught.seq);
  }

  /**
   * The character went through a portal: stop the old world's deltas, wait until the new world
   * has it, then send the new world's full state. Frames that arrive meanwhile wait their turn.
   */
  private async followHandover(toWorldId: string): Promise<void> {
    const claims = this.claims!;
    this.watch(toWorldId);
    const arrivedAt = await this.d.snapshots.arrival(claims.characterId, toWorldId, this.d.config.JOIN_TIMEOUT_MS);
    await this.sync(arrivedAt ?? 0);
  }

  private async onMessage(msg: ClientMessage): Promise<void> {
    switch (msg.type) {
      case 'hello':
        this.sendError(makeError(ErrorCode.VALIDATION_FAILED, 'hello was already received'));
        return;
      case 'ping':
        if (await this.overLimit('ping')) return;
        this.send({ type: 'pong', ts: msg.ts, serverTime: Date.now() });
        return;
      case 'resync':
        if (await this.overLimit('resync')) return;
        // A seq of the world the client holds; mid-crossing it is about to get the new world anyway.
        await this.sync(0, this.shownWorldId === this.worldId ? msg.lastSeq : undefined);
        return;
      case 'intent.move':
        return this.publish('move', msg.intentSeq, { type: 'move', direction: msg.payload.direction }, msg.traceparent);
      case 'intent.chat':
        return this.publish('chat', msg.intentSeq, { type: 'chat', text: msg.payload.text, channel: msg.payload.channel }, msg.traceparent);
      case 'intent.action':
        return this.publish('action', msg.intentSeq, { type: 'action', payload: msg.payload }, msg.traceparent);
    }
  }

  /** A ping or resync beyond its rate limit is refused, and counts against the client as a limited intent does. */
  private async overLimit(kind: LimitedFrame): Promise<boolean> {
    const refused = await this.rules.allow(kind, this.claims!.characterId);
    if (!refused) return false;
    this.d.metrics.rateLimit(kind);
    this.sendError(refused);
    this.rules.strike();
    return true;
  }

  private async publish(kind: LimitedIntent, intentSeq: number, intent: ClientIntent, traceparent?: string): Promise<void> {
    const who = { sessionId: this.id, characterId: this.claims!.characterId, worldId: this.worldId! };
    this.d.metrics.intentReceived(this.id, intentSeq, kind);
    const refused = await relayIntent(this.d, this.rules, who, kind, intentSeq, intent, traceparent);
    if (!refused) return;
    const m = refused.message as { status?: 'rejected'; error?: ErrorBody };
    this.d.metrics.intentAnswered(this.id, intentSeq, m.status ?? 'rejected', m.error?.code);
    this.send(refused.message);
    if (refused.strike) this.rules.strike();
  }

  private onAck(ack: AckEnvelope): void {
    if (ack.intentSeq === undefined) return;
    this.send(intentAck({ ...ack, intentSeq: ack.intentSeq }));
    const world = this.worldId;
    this.d.metrics.intentAnswered(this.id, ack.intentSeq, ack.status, (ack.error as ErrorBody | undefined)?.code, ack.status === 'applied' && ack.seq !== undefined && world ? { world, seq: ack.seq } : undefined);
    // A resent portal move (the first ack lost with a crashed sequencer) carries the hand-over too.
    if ((ack.status === 'applied' || ack.status === 'duplicate') && ack.handover && ack.handover.toWorldId !== this.worldId) {
      const to = ack.handover.toWorldId;
      const done = this.queue.push(() => this.followHandover(to));
      this.switching = done.catch(() => undefined).finally(() => (this.switching = null));
    }
  }

  receive(frame: Delta, encoded: EncodedFrame, parts: readonly Delta[]): void {
    if (this.state === 'closed') return;
    this.deltas.receive(frame, encoded, parts);
  }

  /** Bytes written to the socket and not yet taken by the kernel (the client is slow to read). */
  get queuedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** Every frame but the shared deltas goes through the outbox: nothing is written beyond the send budget. */
  send(msg: ServerMessage | Record<string, unknown>): void {
    this.outbox.send(msg);
  }

  private sendError(error: ErrorBody): void {
    this.send({ type: 'event.error', error });
  }

  /** Ends the session with a reason the client can show, then closes. */
  terminate(reason: TerminationReason, code: number): void {
    if (this.state === 'closed') return;
    this.send({ type: 'event.session_terminated', reason });
    this.ended = reason;
    this.replaced = reason === 'replaced';
    this.close(code, reason);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
      // A client that does not read never sees the close frame (it waits behind what is unsent), and
      // ws would hold the socket and its unsent bytes for 30 s: cut it sooner.
      setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
    }
    this.onClose();
  }

  /** Closes the socket for what its client did (flooding, never reading); the session lingers as any dropped one. */
  shed(code: number, reason: string, fields: Record<string, unknown> = {}): void {
    if (this.state === 'closed') return;
    this.d.logger.info({ sessionId: this.id, code, ...fields }, `socket closed: ${reason}`);
    this.close(code, reason);
  }

  private fail(err: unknown): void {
    this.d.logger.error({ err: (err as Error)?.message, sessionId: this.id }, 'session failed');
    this.sendError(makeError(ErrorCode.INTERNAL, 'internal error'));
    this.close(CloseCode.UNAVAILABLE, 'internal error');
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.rules.stop();
    this.deltas.stop();
    this.d.bus.unregister(this.id);
    this.d.metrics.sessionClosed(this.id);
    if (this.worldId) this.d.fanout.leave(this.worldId, this);
    if (this.entered && this.claims) this.exit.begin(this.claims, { replaced: this.replaced, ended: this.ended });
    this.d.onClosed(this);
  }
}

/** The metric's reason for a frame the codec refused. */
function invalidReason(code: string): InvalidFrameReason {
  if (code === ErrorCode.INVALID_JSON) return 'json';
  if (code === ErrorCode.UNKNOWN_MESSAGE_TYPE) return 'unknown_type';
  return 'schema';
}
