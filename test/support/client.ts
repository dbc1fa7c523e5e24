import WebSocket from 'ws';
import { sleep } from './eventually';
import type {
  AuthResponse,
  BootstrapResponse,
  Change,
  Character,
  CharacterPresenceChange,
  ClientMessageInput,
  Direction,
  EventStateDelta,
  HandshakeAck,
  IntentAck,
  IntentType,
  Item,
  ServerMessage,
  TicketResponse,
} from '@tilemud/contracts';
import { isHandshakeAck, isIntentAck } from '@tilemud/contracts';

/** A guest's sign-in answer. */
export type Guest = AuthResponse;

/** A message of one type of the contract's server messages. */
export type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A change of one op of the contract's delta changes. */
export type ChangeOf<O extends Change['op']> = Extract<Change, { op: O }>;

/** The changes of one op in a delta, typed as that change. */
export function changesOf<O extends Change['op']>(m: EventStateDelta, op: O): ChangeOf<O>[] {
  return m.changes.filter((c): c is ChangeOf<O> => c.op === op);
}

/** The character a change is about: its `id`, or that of the character it carries (item, chat and inventory changes name none so). */
export function subjectOf(c: Change): string | undefined {
  return 'id' in c ? c.id : 'character' in c ? c.character.id : undefined;
}

/** A delta with a change `op` about character `id` (and, for presence, `status`): a predicate for waitFor and filter. */
export const shows =
  (id: string, op: Change['op'], status?: CharacterPresenceChange['status']) =>
  (m: ServerMessage): boolean =>
    m.type === 'event.state_delta' && m.changes.some((x) => x.op === op && subjectOf(x) === id && (status === undefined || ('status' in x && x.status === status)));

/** A full delta: it carries the snapshot. */
export type FullDelta = EventStateDelta & { full: true; snapshot: NonNullable<EventStateDelta['snapshot']> };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the default keeps the other suites' untyped callers compiling until they all pass T; then it becomes unknown
export async function api<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  // Whatever the route answers: each caller says the body it expects (T), unchecked.
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** A socket message's text: ws hands a Buffer (its default binaryType); the other shapes of RawData for completeness. */
export function messageText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString();
  return Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data).toString();
}

/** A scripted player speaking the wire contract over real REST and WebSocket. */
export class TestClient {
  ws?: WebSocket;
  readonly received: ServerMessage[] = [];
  closed?: { code: number; reason: string };
  guest?: Guest;
  bootstrap?: BootstrapResponse;
  handshake?: HandshakeAck;
  snapshot?: FullDelta;
  lastSeq = 0;
  intentSeq = 0;
  /** False: the socket stops answering the server's pings (as a half-dead connection does). */
  autoPong = true;
  private waiters: Array<{ pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  private closeWaiters: Array<(c: { code: number; reason: string }) => void> = [];

  constructor(
    readonly baseUrl: string,
    readonly wsUrl: string,
  ) {}

  async signIn(): Promise<this> {
    const g = await api<Guest>(this.baseUrl, 'POST', '/api/auth/guest');
    if (g.status !== 201) throw new Error(`guest: ${g.status} ${JSON.stringify(g.body)}`);
    this.guest = g.body;
    const b = await api<BootstrapResponse>(this.baseUrl, 'POST', '/api/session/bootstrap', { token: g.body.accessToken, body: { clientVersion: '1.0.0' } });
    if (b.status !== 200) throw new Error(`bootstrap: ${b.status} ${JSON.stringify(b.body)}`);
    this.bootstrap = b.body;
    return this;
  }

  get characterId(): string {
    if (!this.bootstrap) throw new Error('not signed in');
    return this.bootstrap.character.id;
  }

  /** The world as this client sees it: characters by id, from the snapshot and every delta since. */
  readonly characters = new Map<string, Character>();
  readonly items = new Map<string, Item>();
  readonly emotes: { characterId: string; emote: string }[] = [];
  tiles: string[] = [];
  worldId = '';

  private track(m: EventStateDelta): void {
    if (m.snapshot) {
      this.characters.clear();
      this.items.clear();
      this.tiles = m.snapshot.world.tiles;
      this.worldId = m.worldId;
      for (const c of m.snapshot.characters) this.characters.set(c.id, c);
      for (const i of m.snapshot.items) this.items.set(i.id, i);
    }
    for (const c of m.changes) {
      if (c.op === 'character.joined') this.characters.set(c.character.id, c.character);
      if (c.op === 'character.moved') this.characters.set(c.id, { ...this.characters.get(c.id)!, x: c.x, y: c.y });
      if (c.op === 'character.left') this.characters.delete(c.id);
      if (c.op === 'item.placed') this.items.set(c.item.id, c.item);
      if (c.op === 'item.removed') this.items.delete(c.itemId);
      if (c.op === 'inventory.changed' && this.characters.has(c.characterId)) this.characters.set(c.characterId, { ...this.characters.get(c.characterId)!, inventory: c.inventory });
      if (c.op === 'emote') this.emotes.push({ characterId: c.characterId, emote: c.emote });
    }
  }

  /** This client's view of the world, for comparing clients: characters (with inventories) and items. */
  view(): unknown {
    const chars = [...this.characters.values()].map((c) => ({ id: c.id, x: c.x, y: c.y, inventory: c.inventory ?? [] })).sort((a, b) => a.id.localeCompare(b.id));
    const items = [...this.items.values()].sort((a, b) => a.id.localeCompare(b.id));
    return { worldId: this.worldId, characters: chars, items };
  }

  get me() {
    return this.characters.get(this.characterId)!;
  }

  /** Lying items, nearest first (by straight steps), leaving out those `skip` says. */
  itemsByDistance(skip: (i: { x: number; y: number }) => boolean = () => false) {
    const d = (i: { x: number; y: number }) => Math.abs(i.x - this.me.x) + Math.abs(i.y - this.me.y);
    return [...this.items.values()].filter((i) => !skip(i)).sort((p, q) => d(p) - d(q));
  }

  /**
   * Walks to (x, y) one step at a time along a shortest path over floor, around other characters;
   * re-plans when someone steps into the way. Resolves true when there.
   */
  async walkTo(x: number, y: number, maxSteps = 400): Promise<boolean> {
    // The pauses below are a walker's back-off before it tries a blocked step again, not waits.
    let stuck = 0;
    for (let i = 0; i < maxSteps; i++) {
      const me = this.me;
      if (me.x === x && me.y === y) return true;
      // Two walkers wanting each other's tile in a narrow place would wait forever: after a few
      // blocked tries, step aside at random and plan again.
      const dir = stuck >= 3 ? this.randomFreeStep() : this.firstStep(x, y);
      if (!dir) {
        stuck++;
        await sleep(30 + Math.random() * 50);
        continue;
      }
      const ack = await this.move(dir);
      if (ack.status === 'applied') {
        stuck = 0;
        await this.waitFor(() => this.me.x !== me.x || this.me.y !== me.y, 5000, this.received.length).catch(() => undefined);
      } else {
        stuck++;
        await sleep(20 + Math.random() * 30);
      }
    }
    return false;
  }

  private randomFreeStep(): 'north' | 'south' | 'east' | 'west' | undefined {
    const me = this.me;
    const taken = new Set([...this.characters.values()].map((c) => `${c.x},${c.y}`));
    const steps = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] } as const;
    const free = (Object.entries(steps) as ['north', readonly [number, number]][]).filter(([, [dx, dy]]) => this.tiles[me.y + dy]?.[me.x + dx] === '.' && !taken.has(`${me.x + dx},${me.y + dy}`));
    return free.length ? free[Math.floor(Math.random() * free.length)]![0] : undefined;
  }

  private firstStep(tx: number, ty: number): 'north' | 'south' | 'east' | 'west' | undefined {
    const me = this.me;
    const taken = new Set([...this.characters.values()].filter((c) => c.id !== this.characterId).map((c) => `${c.x},${c.y}`));
    const steps = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] } as const;
    const prev = new Map<string, { from: string; dir: keyof typeof steps }>();
    const start = `${me.x},${me.y}`;
    const queue = [[me.x, me.y] as [number, number]];
    const seen = new Set([start]);
    while (queue.length) {
      const [x, y] = queue.shift()!;
      if (x === tx && y === ty) break;
      for (const [dir, [dx, dy]] of Object.entries(steps) as [keyof typeof steps, readonly [number, number]][]) {
        const nx = x + dx;
        const ny = y + dy;
        const key = `${nx},${ny}`;
        if (seen.has(key) || this.tiles[ny]?.[nx] !== '.' || taken.has(key)) continue;
        seen.add(key);
        prev.set(key, { from: `${x},${y}`, dir });
        queue.push([nx, ny]);
      }
    }
    let key = `${tx},${ty}`;
    if (!prev.has(key)) return undefined;
    for (;;) {
      const p = prev.get(key)!;
      if (p.from === start) return p.dir;
      key = p.from;
    }
  }

  /** A direction this client's character can step in now (floor, nobody there). */
  freeDirection(): 'north' | 'south' | 'east' | 'west' {
    const me = this.characters.get(this.characterId)!;
    const steps = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] } as const;
    for (const [dir, [dx, dy]] of Object.entries(steps)) {
      const x = me.x + dx;
      const y = me.y + dy;
      const taken = [...this.characters.values()].some((c) => c.x === x && c.y === y);
      if (this.tiles[y]?.[x] === '.' && !taken) return dir as 'north';
    }
    throw new Error('boxed in');
  }

  /** Opens the socket with a ticket (the bootstrap one by default) without saying hello. */
  async open(ticket: string = this.bootstrap!.ws.ticket, wsUrl = this.wsUrl): Promise<this> {
    const ws = new WebSocket(`${wsUrl}/ws?ticket=${encodeURIComponent(ticket)}`, { autoPong: this.autoPong });
    this.ws = ws;
    ws.on('message', (data) => {
      // What the server sent, taken as the contract says (the suites check what matters of it).
      const m = JSON.parse(messageText(data)) as ServerMessage;
      this.received.push(m);
      if (m.type === 'event.state_delta') {
        this.lastSeq = m.seq;
        this.track(m);
      }
      for (const w of [...this.waiters]) {
        if (w.pred(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.closeWaiters.splice(0).forEach((r) => r(this.closed!));
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => resolve());
    });
    return this;
  }

  /** Opens, says hello and waits for the handshake ack and the full snapshot. */
  async join(): Promise<this> {
    if (!this.bootstrap) await this.signIn();
    await this.open();
    this.send({ type: 'hello', protocolVersion: '1.0.0' });
    this.handshake = await this.waitFor(isHandshakeAck);
    this.snapshot = await this.waitFor(isFullDelta);
    return this;
  }

  /** The connection is lost without a close frame (as a network drop looks to the server). */
  drop(): void {
    this.ws?.terminate();
  }

  /**
   * Reconnects (to `via`, another gateway, if given) with a fresh ticket and `hello.resume` from
   * where this client is; resolves with the handshake ack. The token is this client's latest.
   */
  async resume(via: { baseUrl: string; wsUrl: string } = this, lastSeq = this.lastSeq, token: string | undefined = this.handshake?.resumeToken): Promise<HandshakeAck> {
    const t = await api<TicketResponse>(via.baseUrl, 'POST', '/api/session/ticket', { token: this.guest!.accessToken });
    if (t.status !== 200) throw new Error(`ticket: ${t.status} ${JSON.stringify(t.body)}`);
    const from = this.received.length;
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) await this.waitClose();
    await this.open(t.body.ticket, via.wsUrl);
    this.closed = undefined;
    this.send({ type: 'hello', protocolVersion: '1.0.0', resume: { token: token!, lastSeq } });
    this.handshake = await this.waitFor(isHandshakeAck, 10_000, from);
    return this.handshake;
  }

  /** The deltas received from index `from` on: each must start where the one before ended (or be full). */
  chainBreaks(from = 0): string[] {
    const breaks: string[] = [];
    let seq: number | undefined;
    for (const m of this.received.slice(from)) {
      if (m.type !== 'event.state_delta') continue;
      if (!m.full && seq !== undefined && m.prevSeq !== seq) breaks.push(`${m.prevSeq} after ${seq}`);
      seq = m.seq;
    }
    return breaks;
  }

  /** A message of the contract, or any text (malformed input is a string). */
  send(m: ClientMessageInput | string): void {
    this.ws!.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** Sends an intent with the next intentSeq and waits for its ack. */
  async intent(type: IntentType, payload: unknown, intentSeq = ++this.intentSeq): Promise<IntentAck> {
    const from = this.received.length;
    // The payload is the suite's to get right or wrong (bad payloads are tested): sent as given.
    this.send(JSON.stringify({ type, intentSeq, payload }));
    return this.waitForAck(intentSeq, 10_000, from);
  }

  /**
   * A marker through the whole pipeline: a chat line of this client's, waited for until its own
   * delta arrives. Deltas of a world come in seq order, so once it is here everything the world
   * committed before it has been projected and delivered: the way to check that something did
   * NOT happen, instead of sleeping. Adds one event to the world.
   */
  async barrier(what = 'a barrier'): Promise<void> {
    const from = this.received.length;
    const ack = await this.intent('intent.chat', { text: `barrier: ${what}`.slice(0, 200), channel: 'world' });
    if (ack.status !== 'applied') throw new Error(`barrier chat not applied: ${JSON.stringify(ack)}`);
    await this.waitFor((m) => m.type === 'event.state_delta' && m.seq >= ack.seq!, 10_000, from, `the barrier's delta (seq ${ack.seq}): ${what}`);
  }

  move(direction: Direction): Promise<IntentAck> {
    return this.intent('intent.move', { direction });
  }

  /**
   * The first message (already received from index `from`, or yet to come) that matches; fails
   * after `timeoutMs` naming `what` (or the predicate's text) and the last messages received.
   */
  waitFor<M extends ServerMessage>(pred: (m: ServerMessage) => m is M, timeoutMs?: number, from?: number, what?: string): Promise<M>;
  waitFor(pred: (m: ServerMessage) => boolean, timeoutMs?: number, from?: number, what?: string): Promise<ServerMessage>;
  waitFor(pred: (m: ServerMessage) => boolean, timeoutMs = 10_000, from = 0, what = `a message matching ${pred.toString().slice(0, 300)}`): Promise<ServerMessage> {
    const seen = this.received.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (m: ServerMessage) => (clearTimeout(t), resolve(m)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last received: ${JSON.stringify(this.received.slice(-5)).slice(0, 2000)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** The first message of `type` (from index `from` on) that `pred` accepts, typed as that message. */
  waitForType<T extends ServerMessage['type']>(
    type: T,
    pred: (m: MessageOf<T>) => boolean = () => true,
    timeoutMs = 10_000,
    from = 0,
    what = `a ${type} matching ${pred.toString().slice(0, 300)}`,
  ): Promise<MessageOf<T>> {
    return this.waitFor((m): m is MessageOf<T> => m.type === type && pred(m as MessageOf<T>), timeoutMs, from, what);
  }

  /** The answer to the intent `intentSeq` (from index `from` on). */
  waitForAck(intentSeq: number, timeoutMs = 10_000, from = 0): Promise<IntentAck> {
    return this.waitFor((m): m is IntentAck => isIntentAck(m) && m.intentSeq === intentSeq, timeoutMs, from, `the answer to intent ${intentSeq}`);
  }

  waitClose(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for the socket to close`)), timeoutMs);
      this.closeWaiters.push((c) => (clearTimeout(t), resolve(c)));
    });
  }

  messages<T extends ServerMessage['type']>(type: T): MessageOf<T>[] {
    return this.received.filter((m): m is MessageOf<T> => m.type === type);
  }

  async close(): Promise<void> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(1000);
      await this.waitClose().catch(() => undefined);
    }
  }
}

export function isFullDelta(m: ServerMessage): m is FullDelta {
  return m.type === 'event.state_delta' && m.full && m.snapshot !== undefined;
}

/** A new guest player who has joined the system's world over a real socket. */
export function joinPlayer(system: { baseUrl: string; wsUrl: string }): Promise<TestClient> {
  return new TestClient(system.baseUrl, system.wsUrl).join();
}

/** Re-exported for the suites that import it from here; see eventually.ts for when a pause is right. */
export { sleep } from './eventually';
