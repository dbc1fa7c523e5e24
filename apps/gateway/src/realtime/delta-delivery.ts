import { after, Delta, mergeRuns } from './delta';
import type { EncodedFrame } from './fanout.service';
import type { SessionSocket } from './session-socket';
import { textFrame } from './ws-frame';
import { encodeShare } from './share-encoding';
import type { Change } from '@tilemud/contracts';

/** The seq-only version of a world's frame, encoded once for every client that sees none of its changes. */
const seqOnlyFrames = new WeakMap<Delta, EncodedFrame>();

function seqOnly(frame: Delta): EncodedFrame {
  let e = seqOnlyFrames.get(frame);
  if (!e) {
    const payload = Buffer.from(JSON.stringify({ ...frame, changes: [] }));
    seqOnlyFrames.set(frame, (e = { payload, wire: textFrame(payload) }));
  }
  return e;
}

/** More changes than this waiting for a slow client: it gets a fresh full snapshot instead. */
const MAX_OWN_CHANGES = 20_000;

/** A client with an area of interest: its share of each frame, and how long it may go without a write. */
export interface ShareRule {
  /** The client's share of each frame, called once per frame in seq order (aoi.ts: the lens is fed). */
  shape(d: Delta): Change[];
  /** FANOUT_IDLE_FRAME_MS: a client skipped this long gets a seq-only frame bringing it to the world's seq. */
  idleMs: number;
}

/**
 * One session's stream of deltas: strictly in seq order, never a hole the client cannot see.
 * While a snapshot is being prepared, deltas are held; afterwards the world's shared frame is
 * written when it starts where the client is, and otherwise (slow socket, joined mid-frame)
 * the client gets its own merged frames once it drains.
 *
 * With an area of interest (`share`), a frame whose share is empty is not written at all: the
 * stream moves on (`streamSeq`) while the client stays at its last seq (`lastSeq`), and its next
 * share starts there (prevSeq = the client's last seq: the frames between held nothing for it,
 * so applying it is exactly applying them all). A client skipped for `idleMs` gets a seq-only
 * frame up to the stream's seq (its freshness; a resume replays little).
 */
export class DeltaDelivery {
  /** The last seq the client was sent (it holds the world as of this seq). */
  lastSeq = 0;
  /** The last seq of the world's stream taken in (shaped, skipped or sent); lastSeq <= streamSeq. */
  private streamSeq = 0;
  /** The frame that ended at streamSeq (what an idle seq-only frame is made from). */
  private streamFrame: Delta | null = null;
  /** When the client was last written a delta (or the snapshot/replay). */
  private lastWriteAt = 0;
  private holding = true;
  private held: Delta[] = [];
  private own: Delta[] | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  /** A catch-up was asked for and not yet delivered (`release`). */
  private catchingUp = false;

  constructor(
    private readonly socket: Pick<SessionSocket, 'isOpen' | 'bufferedAmount' | 'send' | 'sendShared'>,
    private readonly slowBytes: number,
    /**
     * Called when the live stream cannot continue the client's view: with its last seq when the
     * deltas after it are to be replayed from the log (a hole this gateway missed, or a frame
     * starting before it), without one when only a full snapshot helps (too far behind).
     */
    private readonly catchUp: (fromSeq?: number) => void,
    /** Told of each delta frame written: its bytes, and whether it was merged for this client alone. */
    private readonly sent: (bytes: number, merged: boolean) => void = () => undefined,
    /** The client's area of interest; absent, every client gets the world's shared frame as it is. */
    private readonly share?: ShareRule,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Hold deltas (a snapshot is on its way). */
  hold(): void {
    this.holding = true;
    this.held = [];
    this.own = null;
  }

  /** The snapshot at `seq` was sent: deliver what was held past it. */
  release(seq: number): void {
    this.lastSeq = this.streamSeq = seq;
    this.streamFrame = null;
    this.lastWriteAt = this.clock();
    this.holding = false;
    this.catchingUp = false;
    const pending = after(this.held, seq);
    this.held = [];
    if (pending.length) this.enqueueOwn(pending);
  }

  /** A frame of the world; `now` is the fan-out's clock. Answers the socket writes it made (0 or 1; merged ones are not counted). */
  receive(frame: Delta, encoded: EncodedFrame, parts: readonly Delta[], now = this.clock()): number {
    if (this.holding) {
      const last = this.held[this.held.length - 1]?.seq ?? -1;
      for (const p of parts) if (p.seq > last && p.seq <= frame.seq) this.held.push(p);
      return 0;
    }
    if (frame.seq <= this.streamSeq) return 0;
    if (this.own === null && frame.prevSeq === this.streamSeq && this.socket.bufferedAmount < this.slowBytes) {
      if (this.share) return this.socket.isOpen ? this.writeShare(frame, this.share, false, now) : 0;
      if (!this.socket.sendShared(encoded)) return 0;
      this.lastSeq = this.streamSeq = frame.seq;
      this.sent(encoded.payload.length, false);
      return 1;
    }
    this.enqueueOwn(parts.filter((p) => p.seq > this.streamSeq && p.seq <= frame.seq && p.prevSeq >= frame.prevSeq));
    return 0;
  }

  /**
   * The world's frames held nothing for the client for `idleMs`: a seq-only frame brings it to the
   * stream's seq. Called by the fan-out when the world has gone quiet (and at each skipped frame).
   */
  idle(now = this.clock()): number {
    const f = this.streamFrame;
    if (!this.share || !f || f.seq !== this.streamSeq || this.lastSeq >= f.seq || this.holding || this.own !== null) return 0;
    if (now - this.lastWriteAt < this.share.idleMs || !this.socket.isOpen || this.socket.bufferedAmount >= this.slowBytes) return 0;
    let bytes: number;
    if (this.lastSeq === f.prevSeq) {
      const shared = seqOnly(f);
      this.socket.sendShared(shared);
      bytes = shared.payload.length;
    } else bytes = this.sendText(encodeShare(f, [], this.lastSeq));
    this.lastSeq = f.seq;
    this.lastWriteAt = now;
    this.sent(bytes, false);
    return 1;
  }

  /** Takes a frame (or a merged run) that continues the stream through the client's share of it. */
  private writeShare(frame: Delta, rule: ShareRule, merged: boolean, now: number): number {
    const mine = rule.shape(frame);
    this.streamSeq = frame.seq;
    this.streamFrame = frame;
    if (!mine.length) return this.idle(now);
    const bytes = this.sendText(encodeShare(frame, mine, this.lastSeq));
    this.lastSeq = frame.seq;
    this.lastWriteAt = now;
    this.sent(bytes, merged);
    return 1;
  }

  private enqueueOwn(parts: Delta[]): void {
    const pending = [...(this.own ?? []), ...parts];
    const first = pending[0];
    if (pending.reduce((n, p) => n + p.changes.length, 0) > MAX_OWN_CHANGES) {
      this.own = null;
      this.askCatchUp();
      return;
    }
    // A hole before the first (this gateway missed deltas), or a first that starts before the
    // client's seq (its snapshot was folded from the log, between two projector frames).
    if (first && first.prevSeq !== this.streamSeq) {
      this.own = null;
      this.askCatchUp(this.lastSeq);
      return;
    }
    this.own = pending;
    this.drain();
  }

  /**
   * One catch-up at a time: from the moment it is asked for, what arrives is held (the catch-up
   * covers every delta this gateway has seen), never asked for again. Asked again for each frame
   * arriving before the first ran, the catch-ups queued behind it replayed from the same old seq
   * after the client had moved on (a full run's NATS cut: 766 frames starting behind the client).
   */
  private askCatchUp(fromSeq?: number): void {
    this.holding = true;
    this.held = [];
    if (this.catchingUp) return;
    this.catchingUp = true;
    this.catchUp(fromSeq);
  }

  private drain(): void {
    if (!this.own || this.holding) return;
    if (this.socket.bufferedAmount >= this.slowBytes) {
      if (!this.drainTimer) this.drainTimer = setTimeout(() => ((this.drainTimer = null), this.drain()), 20);
      return;
    }
    for (const run of mergeRuns(after(this.own, this.streamSeq))) {
      if (!this.socket.isOpen) break;
      if (this.share) {
        this.writeShare(run, this.share, true, this.clock());
        continue;
      }
      const text = JSON.stringify(run);
      this.socket.send(text);
      this.lastSeq = this.streamSeq = run.seq;
      this.sent(Buffer.byteLength(text), true);
    }
    this.own = null;
  }

  private sendText(text: string): number {
    this.socket.send(text);
    return Buffer.byteLength(text);
  }

  stop(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.own = null;
    this.held = [];
    this.catchingUp = false;
  }
}
