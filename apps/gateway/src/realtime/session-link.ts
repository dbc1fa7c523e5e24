import { ClientMessage, CloseCode, decodeClientMessage, ErrorBody, ErrorCode, makeError, ServerMessage } from '@tilemud/contracts';
import type { InvalidFrameReason } from '../system/gateway-metrics';
import { Outbox } from './outbox';
import { SerialQueue } from './serial-queue';
import type { SessionPorts, TerminationReason } from './session-ports';
import { RuleEnforcer, SessionRules } from './session-rules';
import type { SessionSocket, SocketEvents } from './session-socket';

/** Client frames waiting to be handled beyond which the socket is not read (TCP slows the client). */
const MAX_WAITING_FRAMES = 64;

/**
 * The conversation on one socket, whatever the session's state: frames decoded one at a time in
 * arrival order (a SerialQueue, so a session's intents reach JetStream in the order sent), bad ones
 * answered and counted (SessionRules), every frame written through the send budget (Outbox), and
 * the socket closed with the contract's code. ClientSession adds what the frames mean.
 */
export abstract class SessionLink implements SocketEvents, RuleEnforcer {
  protected readonly queue: SerialQueue;
  protected readonly outbox: Outbox;
  protected readonly rules: SessionRules;

  constructor(
    readonly id: string,
    protected readonly socket: SessionSocket,
    protected readonly p: SessionPorts,
  ) {
    this.queue = new SerialQueue(socket, MAX_WAITING_FRAMES, (err) => this.fail(err));
    this.outbox = new Outbox(socket, p.config.FANOUT_SLOW_CLIENT_BYTES, p.config.SEND_BUDGET_BYTES, (queued) => this.shed(CloseCode.UNAVAILABLE, 'send budget exceeded', { queued }));
    this.rules = new SessionRules(socket, p.config, p.limiter, this);
  }

  /** The socket is still there (the session is neither lingering nor ended). */
  abstract get connected(): boolean;
  /** Whether client frames are read now (not before the ticket is redeemed, not once the socket is gone). */
  protected abstract get reading(): boolean;
  protected abstract onMessage(msg: ClientMessage): Promise<void>;
  /** The socket is gone; `by` when the server ended the session on purpose. */
  protected abstract onClose(by?: TerminationReason): void;

  frame(text: string | null): void {
    this.queue.pushFrame(() => this.onFrame(text));
  }

  pong(): void {
    this.rules.pong();
  }

  closed(): void {
    this.onClose();
  }

  /** Runs `step` in the session's turn, after the frames and steps before it. */
  enqueue(step: () => Promise<void>): void {
    void this.queue.push(step);
  }

  private async onFrame(text: string | null): Promise<void> {
    if (!this.reading) return;
    const decoded = text === null ? { ok: false as const, error: makeError(ErrorCode.SCHEMA_VALIDATION_FAILED, 'frames are text') } : decodeClientMessage(text);
    if (decoded.ok) return this.onMessage(decoded.message);
    this.p.metrics.invalidFrame(invalidReason(decoded.error.code));
    this.send({ type: 'event.error', ...('intentSeq' in decoded && decoded.intentSeq ? { intentSeq: decoded.intentSeq } : {}), error: decoded.error });
    this.rules.strike();
  }

  /** Bytes written to the socket and not yet taken by the kernel (the client is slow to read). */
  get queuedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /** Every frame but the shared deltas goes through the outbox: nothing is written beyond the send budget. */
  send(msg: ServerMessage | Record<string, unknown>): void {
    this.outbox.send(msg);
  }

  protected sendError(error: ErrorBody): void {
    this.send({ type: 'event.error', error });
  }

  /** Ends the session with a reason the client can show, then closes. */
  terminate(reason: TerminationReason, code: number): void {
    if (!this.connected) return;
    this.send({ type: 'event.session_terminated', reason });
    this.end(code, reason, reason);
  }

  /** Closes the socket for what its client did (flooding, never reading); the session lingers as any dropped one. */
  shed(code: number, reason: string, fields: Record<string, unknown> = {}): void {
    if (!this.connected) return;
    this.p.logger.info({ sessionId: this.id, code, ...fields }, `socket closed: ${reason}`);
    this.end(code, reason);
  }

  private fail(err: unknown): void {
    this.p.logger.error({ err: (err as Error)?.message, sessionId: this.id }, 'session failed');
    this.sendError(makeError(ErrorCode.INTERNAL, 'internal error'));
    this.end(CloseCode.UNAVAILABLE, 'internal error');
  }

  /** Closes the socket with the contract's code and ends the session. */
  protected end(code: number, reason: string, by?: TerminationReason): void {
    this.socket.close(code, reason);
    this.onClose(by);
  }
}

/** The metric's reason for a frame the codec refused. */
function invalidReason(code: string): InvalidFrameReason {
  if (code === ErrorCode.INVALID_JSON) return 'json';
  if (code === ErrorCode.UNKNOWN_MESSAGE_TYPE) return 'unknown_type';
  return 'schema';
}
