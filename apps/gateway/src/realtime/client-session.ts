import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import {
  ClientMessage,
  CloseCode,
  decodeClientMessage,
  ErrorBody,
  ErrorCode,
  HELLO_TIMEOUT_MS,
  makeError,
  PROTOCOL_VERSION,
  ServerMessage,
} from '@tilemud/contracts';
import type { AckEnvelope, Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import type { TicketClaims, TicketStore } from '../session/ticket.store';
import type { SnapshotService } from '../world/snapshot.service';
import { after, Delta, mergeRuns } from './delta';
import type { DeltaReceiver, EncodedFrame, FanoutService } from './fanout.service';
import type { IntentBus } from './intent.bus';
import { checkClientVersion } from './version-check';
import { sendPrebuilt } from './ws-frame';

export interface SessionDeps {
  config: GatewayConfig;
  logger: Logger;
  tickets: TicketStore;
  bus: IntentBus;
  fanout: FanoutService;
  snapshots: SnapshotService;
  serverVersion: string;
  /** The world the character is in (or enters first). */
  worldOf(characterId: string): Promise<string>;
  onClosed(s: ClientSession): void;
}

type State = 'auth' | 'hello' | 'joining' | 'live' | 'closed';

/** More changes than this waiting for a slow client: it gets a fresh full snapshot instead. */
const MAX_OWN_CHANGES = 20_000;

/**
 * One WebSocket: ticket, hello, join, then intents up and deltas down. Frames are handled one at a
 * time in arrival order (a promise chain), so a session's intents reach JetStream in the order sent.
 */
export class ClientSession implements DeltaReceiver {
  readonly id = randomUUID();
  claims?: TicketClaims;
  worldId?: string;
  private state: State = 'auth';
  private lastSeq = 0;
  private chain: Promise<void> = Promise.resolve();
  private buffered: Delta[] = [];
  private own: Delta[] | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private readonly invalidAt: number[] = [];
  private helloTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private alive = true;
  private entered = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly ticket: string | null,
    private readonly d: SessionDeps,
  ) {}

  get isLive(): boolean {
    return this.state === 'live';
  }

  start(): void {
    this.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      this.chain = this.chain.then(() => this.onFrame(data, isBinary)).catch((err) => this.fail(err));
    });
    this.ws.on('close', () => this.onClose());
    this.ws.on('error', () => undefined); // oversize frames (1009) and resets end in 'close'
    this.ws.on('pong', () => (this.alive = true));
    this.helloTimer = setTimeout(() => {
      if (this.state === 'auth' || this.state === 'hello') {
        this.sendError(makeError(ErrorCode.HELLO_TIMEOUT, `no hello within ${HELLO_TIMEOUT_MS} ms`));
        this.close(CloseCode.HELLO_REQUIRED, 'no hello in time');
      }
    }, HELLO_TIMEOUT_MS);
    this.chain = this.chain.then(() => this.authenticate()).catch((err) => this.fail(err));
  }

  private async authenticate(): Promise<void> {
    const claims = this.ticket ? await this.d.tickets.redeem(this.ticket) : undefined;
    if (!claims) {
      this.sendError(makeError(ErrorCode.AUTH_INVALID_TICKET, 'the ticket is unknown, used or expired'));
      this.close(CloseCode.BAD_TICKET, 'bad or expired ticket');
      return;
    }
    this.claims = claims;
    if (this.state === 'auth') this.state = 'hello';
  }

  private async onFrame(data: WebSocket.RawData, isBinary: boolean): Promise<void> {
    if (this.state === 'closed' || this.state === 'auth') return;
    const decoded = isBinary
      ? { ok: false as const, error: makeError(ErrorCode.SCHEMA_VALIDATION_FAILED, 'frames are text') }
      : decodeClientMessage(data.toString());
    if (!decoded.ok) {
      this.send({ type: 'event.error', ...('intentSeq' in decoded && decoded.intentSeq ? { intentSeq: decoded.intentSeq } : {}), error: decoded.error });
      this.countInvalid();
      return;
    }
    const msg = decoded.message;
    if (this.state === 'hello') {
      if (msg.type !== 'hello') {
        this.sendError(makeError(ErrorCode.HELLO_REQUIRED, 'the first message must be hello'));
        this.close(CloseCode.HELLO_REQUIRED, 'hello required');
        return;
      }
      await this.onHello(msg);
      return;
    }
    await this.onMessage(msg);
  }

  private async onHello(hello: Extract<ClientMessage, { type: 'hello' }>): Promise<void> {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    const mismatch = checkClientVersion(hello, this.d.config.MIN_CLIENT_VERSION, this.d.serverVersion);
    if (mismatch) {
      this.send(mismatch);
      this.close(CloseCode.VERSION_MISMATCH, 'update required');
      return;
    }
    const claims = this.claims!;
    this.worldId = await this.d.worldOf(claims.characterId);
    this.state = 'joining';
    this.d.bus.register(this.id, (ack) => this.onAck(ack));
    this.d.fanout.join(this.worldId, this);
    let ack: AckEnvelope;
    try {
      ack = await this.d.bus.system(
        { kind: 'system', op: 'enter', worldId: this.worldId, characterId: claims.characterId, name: claims.username, sessionId: this.id },
        this.d.config.JOIN_TIMEOUT_MS,
      );
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message, sessionId: this.id }, 'join failed');
      this.sendError(makeError(ErrorCode.UNAVAILABLE, 'the world is not answering; try again shortly'));
      this.close(CloseCode.UNAVAILABLE, 'unavailable');
      return;
    }
    if (ack.status !== 'applied') {
      const error = ack.error ? (ack.error as ErrorBody) : makeError(ErrorCode.UNAVAILABLE, 'could not enter the world');
      this.sendError(error);
      this.close(CloseCode.UNAVAILABLE, 'could not enter the world');
      return;
    }
    this.entered = true;
    await this.sendSnapshot(ack.seq ?? 0, () =>
      this.send({
        type: 'event.ack',
        ack: 'handshake',
        sessionId: this.id,
        resumeToken: randomUUID(),
        protocolVersion: PROTOCOL_VERSION,
        heartbeatIntervalMs: this.d.config.HEARTBEAT_INTERVAL_MS,
        worldId: this.worldId!,
        resumed: false,
      }),
    );
    this.startHeartbeat();
  }

  /** Sends a full state at least as new as `minSeq`, then whatever deltas came meanwhile. */
  private async sendSnapshot(minSeq: number, before?: () => void): Promise<void> {
    this.state = 'joining';
    this.buffered = [];
    this.own = null;
    const worldId = this.worldId!;
    if (!(await this.d.fanout.reached(worldId, minSeq, 1000))) await this.d.snapshots.waitFor(worldId, minSeq);
    const loaded = await this.d.snapshots.load(worldId);
    if (!loaded || (this.state as State) === 'closed') return;
    before?.();
    this.send({ type: 'event.state_delta', worldId, seq: loaded.seq, prevSeq: loaded.seq, full: true, changes: [], snapshot: loaded.snapshot });
    this.lastSeq = loaded.seq;
    this.state = 'live';
    const pending = after(this.buffered, this.lastSeq);
    this.buffered = [];
    if (pending.length) this.enqueueOwn(pending);
  }

  private async onMessage(msg: ClientMessage): Promise<void> {
    switch (msg.type) {
      case 'hello':
        this.sendError(makeError(ErrorCode.VALIDATION_FAILED, 'hello was already received'));
        return;
      case 'ping':
        this.send({ type: 'pong', ts: msg.ts, serverTime: Date.now() });
        return;
      case 'resync':
        await this.sendSnapshot(0);
        return;
      case 'intent.move':
        return this.publish(msg.intentSeq, { type: 'move', direction: msg.payload.direction });
      case 'intent.chat':
        return this.publish(msg.intentSeq, { type: 'chat', text: msg.payload.text, channel: msg.payload.channel });
      case 'intent.action':
        this.send({
          type: 'event.ack',
          intentSeq: msg.intentSeq,
          status: 'rejected',
          error: makeError(ErrorCode.UNKNOWN_ACTION, `action ${msg.payload.action} is not available in this world`, { category: 'domain' }),
        });
        return;
    }
  }

  private async publish(intentSeq: number, intent: { type: 'move'; direction: 'north' | 'south' | 'east' | 'west' } | { type: 'chat'; text: string; channel: 'world' }): Promise<void> {
    const claims = this.claims!;
    try {
      await this.d.bus.publish({
        kind: 'player',
        worldId: this.worldId!,
        characterId: claims.characterId,
        intentSeq,
        intent,
        gatewayId: this.d.bus.gatewayId,
        sessionId: this.id,
        receivedAt: Date.now(),
      });
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message }, 'intent publish failed');
      this.send({ type: 'event.ack', intentSeq, status: 'rejected', error: makeError(ErrorCode.UNAVAILABLE, 'the intent could not be queued; retry it') });
    }
  }

  private onAck(ack: AckEnvelope): void {
    if (ack.intentSeq === undefined) return;
    this.send({
      type: 'event.ack',
      intentSeq: ack.intentSeq,
      status: ack.status,
      ...(ack.seq !== undefined ? { seq: ack.seq } : {}),
      ...(ack.originalStatus ? { originalStatus: ack.originalStatus } : {}),
      ...(ack.error ? { error: ack.error as ErrorBody } : {}),
    } as ServerMessage);
  }

  receive(frame: Delta, encoded: EncodedFrame, parts: readonly Delta[]): void {
    if (this.state === 'joining') {
      const last = this.buffered[this.buffered.length - 1]?.seq ?? -1;
      for (const p of parts) if (p.seq > last && p.seq <= frame.seq) this.buffered.push(p);
      return;
    }
    if (this.state !== 'live' || frame.seq <= this.lastSeq) return;
    if (this.own === null && frame.prevSeq === this.lastSeq && this.ws.bufferedAmount < this.d.config.FANOUT_SLOW_CLIENT_BYTES) {
      // The same bytes for every session.
      sendPrebuilt(this.ws, encoded.wire, encoded.payload);
      this.lastSeq = frame.seq;
      return;
    }
    this.enqueueOwn(parts.filter((p) => p.seq > this.lastSeq && p.seq <= frame.seq && p.prevSeq >= frame.prevSeq));
  }

  /** A client that is behind (slow, or joined mid-frame) gets its own merged frames when it drains. */
  private enqueueOwn(parts: Delta[]): void {
    const pending = [...(this.own ?? []), ...parts];
    const first = pending[0];
    if (first && first.prevSeq > this.lastSeq) {
      // This gateway missed deltas: the client cannot apply these. Start it over from a snapshot.
      this.own = null;
      this.chain = this.chain.then(() => this.sendSnapshot(0)).catch((err) => this.fail(err));
      return;
    }
    if (pending.reduce((n, p) => n + p.changes.length, 0) > MAX_OWN_CHANGES) {
      this.own = null;
      this.chain = this.chain.then(() => this.sendSnapshot(0)).catch((err) => this.fail(err));
      return;
    }
    this.own = pending;
    this.drainOwn();
  }

  private drainOwn(): void {
    if (!this.own || this.state !== 'live') return;
    if (this.ws.bufferedAmount >= this.d.config.FANOUT_SLOW_CLIENT_BYTES) {
      if (!this.drainTimer) this.drainTimer = setTimeout(() => ((this.drainTimer = null), this.drainOwn()), 20);
      return;
    }
    for (const run of mergeRuns(after(this.own, this.lastSeq))) {
      this.ws.send(JSON.stringify(run));
      this.lastSeq = run.seq;
    }
    this.own = null;
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      if (!this.alive) {
        this.ws.terminate();
        return;
      }
      this.alive = false;
      this.ws.ping();
    }, this.d.config.HEARTBEAT_INTERVAL_MS);
  }

  private countInvalid(): void {
    const now = Date.now();
    this.invalidAt.push(now);
    while (this.invalidAt.length && this.invalidAt[0]! < now - 10_000) this.invalidAt.shift();
    if (this.invalidAt.length > this.d.config.MAX_INVALID_FRAMES) this.close(CloseCode.TOO_MANY_INVALID, 'too many invalid frames');
  }

  send(msg: ServerMessage | Record<string, unknown>): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private sendError(error: ErrorBody): void {
    this.send({ type: 'event.error', error });
  }

  /** Ends the session with a reason the client can show, then closes. */
  terminate(reason: 'idle_timeout' | 'logout' | 'replaced' | 'shutdown', code: number): void {
    this.send({ type: 'event.session_terminated', reason });
    this.close(code, reason);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
    this.onClose();
  }

  private fail(err: unknown): void {
    this.d.logger.error({ err: (err as Error)?.message, sessionId: this.id }, 'session failed');
    this.sendError(makeError(ErrorCode.INTERNAL, 'internal error'));
    this.close(CloseCode.UNAVAILABLE, 'internal error');
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const t of [this.helloTimer, this.drainTimer]) if (t) clearTimeout(t);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.d.bus.unregister(this.id);
    if (this.worldId) this.d.fanout.leave(this.worldId, this);
    if (this.entered && this.claims && this.worldId) {
      this.d.bus
        .system({ kind: 'system', op: 'leave', worldId: this.worldId, characterId: this.claims.characterId, name: this.claims.username, sessionId: this.id }, 10_000)
        .catch((err) => this.d.logger.warn({ err: (err as Error).message }, 'leave not confirmed'));
    }
    this.d.onClosed(this);
  }
}
