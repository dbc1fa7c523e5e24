import { CloseCode, PROTOCOL_VERSION, type BootstrapResponse, type ServerMessage } from '@tilemud/contracts';
import type { GameEvent } from '../store/reduce';
import { initialState } from '../store/state';
import { createGameStore, type GameStore } from '../store/store';
import { CLIENT_VERSION } from '../version';
import { reconnectDelay } from './backoff';
import { Heartbeat } from './heartbeat';
import { IntentSeqCounter } from './intent-seq';
import { ackFacts, LinkWatch } from './link-watch';
import { Intents, type IntentBody } from './intents';
import { SnapshotPoller } from './poller';
import { Resync } from './resync';
import type { ConnectionOptions } from './options';
import type { GameSocket } from './socket';
import { capacityClose, closeStatus, describeClose, failureStatus, isTerminal, retryPlan, type ConnectionStatus, type ConnectionView, type Diagnostics, type RetryPlan } from './status';
import { newTraceparent } from './trace';

export type { ConnectionOptions } from './options';

/**
 * The game's one connection: bootstrap, socket, hello (with resume), reconnects with backoff,
 * resending what was in flight, gap resyncs, and the REST polling fallback. It owns the store;
 * the UI reads `view` and calls the intent methods. No React here.
 */
/** The join's own trace (hello's optional traceparent). */
const withTrace = () => {
  const traceparent = newTraceparent();
  return traceparent ? { traceparent } : {};
};

export class Connection {
  private view: ConnectionView;
  private store: GameStore | null = null;
  private socket: GameSocket | null = null;
  private live = false;
  private attempt = 0;
  private openFailures = 0;
  private retryTimer: unknown = null;
  private disposed = false;
  private readonly listeners = new Set<() => void>();
  private readonly heartbeat: Heartbeat;
  private poller: SnapshotPoller | null = null;
  private readonly linkWatch: LinkWatch;
  private readonly resync: Resync;
  /** The error code a socket was refused with just before it closed (a full server says so). */
  private refusedWith: string | undefined;
  readonly intents: Intents;

  constructor(private readonly o: ConnectionOptions) {
    const diag: Diagnostics = { rttMs: null, reconnects: 0, invalidFrames: 0, lastInvalid: null, lastClose: null, polledAt: null, pollError: null };
    this.view = { status: { kind: 'connecting' }, boot: null, game: null, diag, link: { state: 'ok' } };
    this.heartbeat = new Heartbeat(
      o.clock,
      o.pingIntervalMs ?? 5000,
      (ts) => this.socket?.send({ type: 'ping', ts }),
      () => this.socket?.close(4000, 'no pong'),
    );
    this.intents = new Intents(
      o.clock,
      () => this.store,
      (intent) => this.sendLive(intent),
    );
    this.resync = new Resync(
      o.clock,
      o.resyncTimeoutMs ?? 5000,
      () => this.store,
      (lastSeq) => this.sendLive({ type: 'resync', lastSeq }),
    );
    const facts = () => ({ ...ackFacts(this.store?.getState().pending ?? []), pingSentAt: this.heartbeat.pingSentAt, rttMs: this.heartbeat.rttMs });
    this.linkWatch = new LinkWatch(o.clock, facts, (link) => this.update({ link }));
  }

  /** Puts a frame on the wire if the socket is live; false when it is not. */
  private sendLive(m: Parameters<GameSocket['send']>[0]): boolean {
    if (!this.live || !this.socket) return false;
    this.socket.send(m);
    return true;
  }

  getView = (): ConnectionView => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private update(patch: Partial<ConnectionView>, diag?: Partial<Diagnostics>): void {
    this.view = { ...this.view, ...patch, diag: diag ? { ...this.view.diag, ...diag } : this.view.diag };
    for (const l of [...this.listeners]) l();
  }

  private setStatus(status: ConnectionStatus): void {
    if (!isTerminal(this.view.status) || status.kind === 'connecting') this.update({ status });
  }

  start(): void {
    void this.connect();
  }

  /** Stops everything for good (the hook's cleanup). */
  dispose(): void {
    this.disposed = true;
    this.stopTimers();
    this.socket?.close(CloseCode.NORMAL, 'bye');
    this.socket = null;
  }

  /** Try now instead of waiting (the status bar's button, the browser coming back online, "play again"). */
  reconnectNow(): void {
    if (this.disposed || this.live || this.socket) return;
    const { status } = this.view;
    if (status.kind === 'ended' && status.reason !== 'signed_out') {
      this.attempt = 0;
      this.setStatus({ kind: 'connecting' });
      void this.connect();
    } else if (this.retryTimer !== null) {
      void this.connect(); // else an attempt is already under way
    }
  }

  /** Fetch the snapshot now (the offline screen's refresh button). */
  refresh(): void {
    void this.poller?.poll();
  }

  /** Sends an intent now, or when live again (see Intents for what is allowed when). */
  send(body: IntentBody): boolean {
    if (isTerminal(this.view.status)) return false;
    return this.intents.send(body, this.live);
  }

  private async connect(): Promise<void> {
    if (this.retryTimer !== null) this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    try {
      if (!this.view.boot) {
        const boot = await this.o.api.bootstrap(this.o.token);
        if (this.disposed) return;
        this.begin(boot);
        this.open(boot.ws.ticket);
      } else {
        const { ticket } = await this.o.api.ticket(this.o.token);
        if (!this.disposed) this.open(ticket);
      }
    } catch (err) {
      if (this.disposed) return;
      const status = failureStatus(err);
      if (status) this.update({ status });
      else this.retryLater(retryPlan(err));
    }
  }

  private begin(boot: BootstrapResponse): void {
    this.store = createGameStore(initialState(boot.character.id));
    this.store.subscribe(() => this.update({ game: this.store!.getState() }));
    this.intents.counter = new IntentSeqCounter(boot.character.id, this.o.storage, this.o.clock.now());
    this.poller = new SnapshotPoller(
      this.o.api,
      this.o.clock,
      this.o.pollIntervalMs ?? 5000,
      () => ({ token: this.o.token, worldId: this.store?.getState().worldId ?? boot.world.id }),
      (snapshot, seq) => this.dispatch({ type: 'snapshot.polled', snapshot, seq }),
      () => this.update({}, { polledAt: this.poller!.lastPolledAt, pollError: this.poller!.lastError }),
    );
    this.update({ boot, game: this.store.getState() });
  }

  private open(ticket: string): void {
    const boot = this.view.boot!;
    let socket: GameSocket | null = null;
    const mine = () => socket !== null && socket === this.socket && !this.disposed;
    socket = this.o.socketFactory(this.o.wsUrl(boot.ws.path, ticket), {
      onOpen: () => mine() && this.hello(socket!),
      onMessage: (m) => mine() && this.onMessage(m),
      onClose: (code, reason, opened) => mine() && this.onClose(code, reason, opened),
      onInvalid: (detail) => this.update({}, { invalidFrames: this.view.diag.invalidFrames + 1, lastInvalid: detail }),
    });
    this.socket = socket;
    this.refusedWith = undefined;
  }

  private hello(socket: GameSocket): void {
    const game = this.store!.getState();
    const token = game.session?.resumeToken;
    socket.send({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      clientVersion: CLIENT_VERSION,
      ...(token && game.seq !== null ? { resume: { token, lastSeq: game.seq } } : {}),
      ...(this.o.aoi === false ? { aoi: false } : {}),
      ...withTrace(),
    });
  }

  private onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'event.version_mismatch':
        this.update({ status: { kind: 'update_required', clientVersion: CLIENT_VERSION, minClientVersion: m.minClientVersion, serverVersion: m.serverVersion } });
        return;
      case 'event.session_terminated':
        // A server shutting down is a restart to ride out; anything else ends the session.
        if (m.reason !== 'shutdown') this.update({ status: { kind: 'ended', reason: m.reason } });
        return;
      case 'pong':
        this.heartbeat.pong(m.ts);
        this.update({}, { rttMs: this.heartbeat.rttMs });
        this.linkWatch.check();
        return;
      default:
        if (m.type === 'event.error' && !this.live) this.refusedWith = m.error.code;
        this.dispatch({ type: 'server', message: m, now: this.o.clock.now() });
        if (m.type === 'event.ack') this.linkWatch.check();
        if (m.type === 'event.ack' && m.ack === 'handshake') this.onLive();
        else if (this.live) this.intents.sendWaiting();
        this.resync.ifGap();
    }
  }

  private onLive(): void {
    this.live = true;
    this.attempt = 0;
    this.openFailures = 0;
    this.poller?.stop();
    this.setStatus({ kind: 'live' });
    this.heartbeat.start();
    this.linkWatch.start();
    this.intents.sendWaiting(); // what was in flight, with the same intentSeq, and what waited
  }

  private onClose(code: number, reason: string, opened: boolean): void {
    this.socket = null;
    this.live = false;
    this.heartbeat.stop();
    this.linkWatch.stop();
    this.update({}, { lastClose: { code, reason } });
    this.dispatch({ type: 'connection.lost' });
    if (isTerminal(this.view.status)) return;
    const ending = closeStatus(code);
    if (ending) return this.update({ status: ending });
    const capacity = capacityClose(code, reason, this.refusedWith);
    if (!opened && !capacity) this.openFailures++;
    this.retryLater(capacity ? { reason: 'the server is full', capacity } : { reason: describeClose(code, reason) });
  }

  private retryLater({ reason, capacity, retryAfterMs }: RetryPlan): void {
    if (this.disposed || isTerminal(this.view.status)) return;
    this.attempt++;
    const delay = retryAfterMs ?? reconnectDelay(this.attempt, this.o.random());
    const retryAt = this.o.clock.now() + delay;
    // A full server answers; polling it would not help.
    const polling = !capacity && this.view.boot !== null && this.openFailures >= (this.o.openFailuresBeforePolling ?? 2);
    const status: ConnectionStatus = polling
      ? { kind: 'offline', attempt: this.attempt, retryAt, reason }
      : { kind: 'reconnecting', attempt: this.attempt, retryAt, reason, ...(capacity ? { capacity } : {}) };
    this.update({ status }, { reconnects: this.view.diag.reconnects + 1 });
    if (polling) this.poller?.start();
    this.retryTimer = this.o.clock.setTimeout(() => void this.connect(), delay);
  }

  dispatch(event: GameEvent): void {
    this.store?.dispatch(event);
  }

  private stopTimers(): void {
    if (this.retryTimer !== null) this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.resync.stop();
    this.intents.stop();
    this.heartbeat.stop();
    this.linkWatch.stop();
    this.poller?.stop();
  }
}
