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

/**
 * One session's stream of deltas: strictly in seq order, never a hole the client cannot see.
 * While a snapshot is being prepared, deltas are held; afterwards the world's shared frame is
 * written when it starts where the client is, and otherwise (slow socket, joined mid-frame)
 * the client gets its own merged frames once it drains.
 */
export class DeltaDelivery {
  lastSeq = 0;
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
    /**
     * The client's share of each frame, called once per frame written, in seq order (its area of
     * interest, aoi.ts); absent, every client gets the world's shared frame as it is.
     */
    private readonly shape?: (d: Delta) => Change[],
  ) {}

  /** Hold deltas (a snapshot is on its way). */
  hold(): void {
    this.holding = true;
    this.held = [];
    this.own = null;
  }

  /** The snapshot at `seq` was sent: deliver what was held past it. */
  release(seq: number): void {
    this.lastSeq = seq;
    this.holding = false;
    this.catchingUp = false;
    const pending = after(this.held, seq);
    this.held = [];
    if (pending.length) this.enqueueOwn(pending);
  }

  receive(frame: Delta, encoded: EncodedFrame, parts: readonly Delta[]): void {
    if (this.holding) {
      const last = this.held[this.held.length - 1]?.seq ?? -1;
      for (const p of parts) if (p.seq > last && p.seq <= frame.seq) this.held.push(p);
      return;
    }
    if (frame.seq <= this.lastSeq) return;
    if (this.own === null && frame.prevSeq === this.lastSeq && this.socket.bufferedAmount < this.slowBytes) {
      if (this.shape) {
        // Its own share of the frame: same seqs, only the changes it is to see (none, often:
        // then the seq-only frame every such client shares, encoded once).
        if (!this.socket.isOpen) return;
        const mine = this.shape(frame);
        const shared = mine.length ? undefined : seqOnly(frame);
        const bytes = shared ? (this.socket.sendShared(shared), shared.payload.length) : this.sendText(encodeShare(frame, mine));
        this.lastSeq = frame.seq;
        this.sent(bytes, false);
      } else if (this.socket.sendShared(encoded)) {
        this.lastSeq = frame.seq;
        this.sent(encoded.payload.length, false);
      }
      return;
    }
    this.enqueueOwn(parts.filter((p) => p.seq > this.lastSeq && p.seq <= frame.seq && p.prevSeq >= frame.prevSeq));
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
    if (first && first.prevSeq !== this.lastSeq) {
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
    for (const run of mergeRuns(after(this.own, this.lastSeq))) {
      if (!this.socket.isOpen) break;
      const text = this.shape ? encodeShare(run, this.shape(run)) : JSON.stringify(run);
      this.socket.send(text);
      this.lastSeq = run.seq;
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
