import { randomUUID } from 'node:crypto';
import { ClientMessage, CloseCode, ErrorCode, HELLO_TIMEOUT_MS, makeError } from '@tilemud/contracts';
import { contextFrom, inSpan, SpanKind, startSpan } from '@tilemud/runtime';
import type { ResumeRecord } from '../session/resume.store';
import type { TicketClaims } from '../session/ticket.store';
import { handshakeAck } from './session-door';
import { WorldExit } from './session-exit';
import { SessionLink } from './session-link';
import { Play, PlayHost } from './session-play';
import type { SessionBooks, SessionPorts, TerminationReason } from './session-ports';
import type { SessionSocket } from './session-socket';
import { isConnected, Joining, Playing, SessionState } from './session-state';
import { checkClientVersion } from './version-check';
import { ViewHost, WorldView } from './world-view';

type Hello = Extract<ClientMessage, { type: 'hello' }>;

/**
 * One client socket as a state machine (session-state.ts): ticket, hello, join, then intents up
 * and deltas down; once the socket is gone, the character lingers for the resume window or leaves.
 * Frames are handled one at a time in arrival order (a SerialQueue), so a session's intents reach
 * JetStream in the order sent. The socket and the gateway are ports, so a test can drive it alone.
 */
export class ClientSession extends SessionLink implements PlayHost, ViewHost {
  private state: SessionState = { kind: 'connecting' };
  /** When this session became its player's live one (epoch ms); 0 until then. */
  liveSince = 0;
  /** A portal crossing this session is following to its new world (a leave or away waits for it to land). */
  switching: Promise<void> | null = null;
  private readonly play: Play;
  private readonly exit: WorldExit;

  constructor(
    socket: SessionSocket,
    private readonly ticket: string | null,
    p: SessionPorts,
    private readonly books: SessionBooks<ClientSession>,
  ) {
    super(randomUUID(), socket, p);
    this.play = new Play(p, this.rules, this);
    this.exit = new WorldExit(p, this.id, {
      switching: () => this.switching,
      windowClosed: () => {
        const s = this.state;
        if (s.kind === 'lingering') this.state = { kind: 'ended', claims: s.claims, view: s.view };
      },
      left: (confirmed) => this.books.onLeft(this, confirmed),
    });
  }

  /** Settles once the character's leave has been answered (or given up on). */
  get leaving(): Promise<void> {
    return this.exit.leaving;
  }

  /** The state as it is now (read after an await: a close may have moved it on meanwhile). */
  private get current(): SessionState {
    return this.state;
  }

  get kind(): SessionState['kind'] {
    return this.state.kind;
  }

  get claims(): TicketClaims | undefined {
    return 'claims' in this.state ? this.state.claims : undefined;
  }

  /** The world the character is in (or going to), once it has entered one. */
  get worldId(): string | undefined {
    return 'view' in this.state ? this.state.view?.worldId : undefined;
  }

  get resumeToken(): string | undefined {
    return 'resumeToken' in this.state ? this.state.resumeToken : undefined;
  }

  /** What a resume token of this session stands for, while its character is in a world. */
  resumeRecord(): ResumeRecord | undefined {
    const s = this.state;
    return 'view' in s && s.view && s.claims ? recordOf(this.id, s.claims, s.view) : undefined;
  }

  start(): void {
    for (const n of this.p.door.notices()) this.send(n); // told at connect what is down now
    this.rules.awaitHello(() => {
      if (this.state.kind !== 'connecting' && this.state.kind !== 'awaiting_hello') return;
      this.sendError(makeError(ErrorCode.HELLO_TIMEOUT, `no hello within ${HELLO_TIMEOUT_MS} ms`));
      this.end(CloseCode.HELLO_REQUIRED, 'no hello in time');
    });
    this.enqueue(() => this.authenticate());
  }

  private async authenticate(): Promise<void> {
    const redeemed = await this.p.door.redeem(this.ticket);
    if (this.state.kind !== 'connecting') return;
    if (!redeemed.ok) {
      this.sendError(redeemed.error);
      return this.end(redeemed.code, redeemed.reason);
    }
    this.state = { kind: 'awaiting_hello', claims: redeemed.claims };
    this.books.onAuthenticated(this);
  }

  get connected(): boolean {
    return isConnected(this.state);
  }

  protected get reading(): boolean {
    return this.state.kind !== 'connecting' && this.connected;
  }

  protected async onMessage(msg: ClientMessage): Promise<void> {
    const s = this.state;
    if (s.kind === 'awaiting_hello') {
      if (msg.type !== 'hello') {
        this.sendError(makeError(ErrorCode.HELLO_REQUIRED, 'the first message must be hello'));
        return this.end(CloseCode.HELLO_REQUIRED, 'hello required');
      }
      // The join is traced: under the client's traceparent when hello carries one.
      const span = startSpan('gateway.hello', contextFrom(msg.traceparent), { kind: SpanKind.SERVER, attributes: { 'tilemud.client_trace': msg.traceparent !== undefined } });
      try {
        await inSpan(span, () => this.join(s.claims, msg));
      } finally {
        if (this.worldId) span.setAttribute('tilemud.world', this.worldId);
        span.end();
      }
      return;
    }
    if (s.kind === 'playing') await this.play.onMessage(s, msg);
  }

  /** Hello → joining → (the world has the character, a resume token is issued) → playing. */
  private async join(claims: TicketClaims, hello: Hello): Promise<void> {
    this.rules.helloReceived();
    const joining: Joining = { kind: 'joining', claims, hello: { protocolVersion: hello.protocolVersion, clientVersion: hello.clientVersion } };
    this.state = joining;
    if (!this.checkVersion(this.p.door.minClientVersion())) return;
    // Entering needs the log and the bus: say so now, before a resume token is spent on it.
    const down = this.p.door.refusal();
    if (down) {
      this.sendError(down);
      return this.end(CloseCode.UNAVAILABLE, 'unavailable');
    }
    const resumed = hello.resume ? await this.p.door.claimResume(claims, hello.resume.token) : undefined;
    if (this.state !== joining) return;
    this.liveSince = Date.now();
    await this.books.onHello(this);
    const where = this.state === joining ? await this.p.world.locate(claims.characterId) : undefined;
    if (!where || this.state !== joining) return;
    this.p.intents.register(this.id, (ack) => this.play.ack(ack));
    // A resumed character is still in its world (the old session lingers): entering again only
    // hands it to this session, and the others see nothing.
    const who = { characterId: claims.characterId, name: claims.username, sessionId: this.id };
    const entered = await this.p.world
      .enter({ ...who, ...where })
      .catch((err: Error) => ({ ok: false as const, error: makeError(ErrorCode.UNAVAILABLE, 'the world is not answering; try again shortly'), err }));
    if (!entered.ok) {
      this.p.logger.warn({ code: entered.error.code, sessionId: this.id }, 'join failed');
      this.sendError(entered.error);
      return this.end(CloseCode.UNAVAILABLE, 'could not enter the world');
    }
    // Area of interest: the gateway's setting, unless the client asked for the whole world.
    const { AOI_RADIUS: radius, AOI_MARGIN: margin } = this.p.config;
    const aoi = radius > 0 && hello.aoi !== false ? { characterId: claims.characterId, settings: { radius, margin } } : undefined;
    const view = new WorldView(this.socket, this.p, this, entered.worldId, aoi);
    const now = this.current;
    if (now.kind === 'ended') {
      // The socket went while the world let the character in: take it out again (unless replaced).
      if (now.by !== 'replaced') this.exit.leaveNow({ claims, worldId: () => view.worldId });
      return;
    }
    joining.view = view;
    view.watch();
    this.books.onEntered(this);
    const token = await this.p.tokens.issue({ playerId: claims.playerId, characterId: claims.characterId, sessionId: this.id, worldId: view.worldId });
    if (this.state !== joining) return void this.p.tokens.revoke(claims.playerId, token);
    const playing: Playing = { kind: 'playing', claims, hello: joining.hello, view, resumeToken: token };
    this.state = playing;
    // Replay only into the world the client was shown; a portal crossed meanwhile means a snapshot.
    const replay = resumed && hello.resume && resumed.worldId === entered.worldId ? { from: resumed.sessionId, lastSeq: hello.resume.lastSeq } : undefined;
    await view.sync(entered.seq, replay?.lastSeq, (replayed) => {
      if (hello.resume) this.p.metrics.resume(!resumed ? 'refused' : replayed ? 'replay' : 'snapshot');
      this.send(handshakeAck(this.id, view.worldId, this.p.config.HEARTBEAT_INTERVAL_MS, token, replayed, view.aoi));
    });
    if (replay) this.p.logger.info({ sessionId: this.id, ...replay }, 'session resumed');
    if (this.state === playing) this.rules.start();
  }

  /** Follows the character through a portal, in its turn: frames that arrive meanwhile wait. */
  follow(toWorldId: string): void {
    const done = this.queue.push(async () => {
      const s = this.state;
      if (!('view' in s) || !s.view || !s.claims) return;
      s.view.move(toWorldId);
      // Wait until the new world has the character, then send its full state.
      const arrivedAt = await this.p.world.arrival(s.claims.characterId, toWorldId);
      await s.view.sync(arrivedAt ?? 0);
    });
    this.switching = done.catch(() => undefined).finally(() => (this.switching = null));
  }

  /** Ends the session (4426) when its client is older than `minClientVersion`; true when it may stay. */
  checkVersion(minClientVersion: string): boolean {
    const s = this.state;
    if (s.kind !== 'joining' && s.kind !== 'playing') return true;
    const mismatch = checkClientVersion(s.hello, minClientVersion, this.p.door.serverVersion);
    if (!mismatch) return true;
    this.send(mismatch);
    this.end(CloseCode.VERSION_MISMATCH, 'update required');
    return false;
  }

  /** The socket is gone: a character in its world lingers for the resume window or leaves (WorldExit). */
  protected onClose(by?: TerminationReason): void {
    const s = this.state;
    if (!isConnected(s)) return;
    this.state = { kind: 'ended', by, ...('claims' in s ? { claims: s.claims } : {}) };
    this.rules.stop();
    this.p.intents.unregister(this.id);
    this.p.metrics.sessionClosed(this.id);
    if ((s.kind === 'joining' || s.kind === 'playing') && s.view) {
      const { claims, view } = s;
      view.stop();
      this.state = { kind: 'ended', by, claims, view };
      const token = s.kind === 'playing' ? s.resumeToken : undefined;
      const record = () => recordOf(this.id, claims, view);
      if (this.exit.begin({ claims, worldId: () => view.worldId, resumeToken: token, by, record }) && token) {
        this.state = { kind: 'lingering', claims, view, resumeToken: token };
        this.books.onLinger(this);
      }
    }
    this.books.onClosed(this);
  }
}

/** What a resume token of the session stands for: the world the client was last shown. */
function recordOf(sessionId: string, claims: TicketClaims, view: WorldView): ResumeRecord {
  return { playerId: claims.playerId, characterId: claims.characterId, sessionId, worldId: view.shown ?? view.worldId };
}
