import type { EventStateDelta, ServerMessage } from '@tilemud/contracts';
import { AoiSettings, ViewLens } from './aoi';
import type { Delta } from './delta';
import { DeltaDelivery } from './delta-delivery';
import type { DeltaReceiver, EncodedFrame } from './fanout.service';
import type { SessionPorts } from './session-ports';
import type { SessionSocket } from './session-socket';

/** What a view needs of its session. */
export interface ViewHost {
  /** The socket is still there (nothing is sent, and no stream followed, once it is gone). */
  readonly connected: boolean;
  send(msg: ServerMessage | Record<string, unknown>): void;
  /** Runs a catch-up in the session's turn (after the frames before it). */
  enqueue(step: () => Promise<void>): void;
}

/**
 * The client's view of the world its character is in: which world it follows, which one it was
 * last shown (a crossing runs ahead of it), and its stream of deltas.
 */
export class WorldView implements DeltaReceiver {
  /** The world whose state the client was last sent (worldId runs ahead of it during a crossing). */
  private shownWorldId?: string;
  private readonly deltas: DeltaDelivery;
  /** The client's area of interest (aoi.ts); absent, it gets every change of the world. */
  private readonly lens?: ViewLens;

  constructor(
    socket: SessionSocket,
    private readonly p: Pick<SessionPorts, 'config' | 'world' | 'metrics'>,
    private readonly host: ViewHost,
    public worldId: string,
    aoi?: { characterId: string; settings: AoiSettings },
  ) {
    if (aoi) this.lens = new ViewLens(aoi.characterId, aoi.settings);
    const lens = this.lens;
    this.deltas = new DeltaDelivery(
      socket,
      p.config.FANOUT_SLOW_CLIENT_BYTES,
      (from) => host.enqueue(() => this.sync(0, from)),
      (bytes, merged) => p.metrics.deltaSent(this.shownWorldId ?? this.worldId, bytes, merged),
      lens && { shape: (d) => lens.filter(d.changes), idleMs: p.config.FANOUT_IDLE_FRAME_MS },
    );
  }

  /** The area of interest in use, for the handshake ack (absent: the whole world). */
  get aoi(): AoiSettings | undefined {
    return this.lens?.settings;
  }

  /** The world the client was shown; mid-crossing it is about to get the new one anyway. */
  get shown(): string | undefined {
    return this.shownWorldId;
  }

  /** Follows the view's world's deltas (holding them until the next snapshot is sent). */
  watch(): void {
    this.deltas.hold();
    this.p.world.watch(this.worldId, this);
  }

  /** The character crossed to another world: its deltas from now on, none of the old one's. */
  move(worldId: string): void {
    this.p.world.unwatch(this.worldId, this);
    this.worldId = worldId;
    if (this.host.connected) this.watch();
  }

  /**
   * Brings the client up to date: the deltas it missed since `replayFrom` when they can be
   * replayed, else a full state at least as new as `minSeq`; then whatever deltas came meanwhile.
   * `before` runs first, told which of the two follows.
   */
  async sync(minSeq: number, replayFrom?: number, before?: (replayed: boolean) => void): Promise<void> {
    if (!this.host.connected) return;
    this.deltas.hold();
    const caught = await this.p.world.catchUp(this.worldId, minSeq, replayFrom, !!this.lens);
    if (!caught || !this.host.connected) return;
    before?.(caught.replayed);
    this.shownWorldId = this.worldId;
    if (this.lens && caught.charactersAt) this.lens.resume(caught.charactersAt);
    for (const f of caught.frames) this.host.send(this.lens ? this.through(this.lens, f) : f);
    if (!this.host.connected) return; // over its send budget midway
    this.deltas.release(caught.seq);
  }

  /** A catch-up frame as this client is to see it: a full state starts the lens, a replayed delta goes through it. */
  private through(lens: ViewLens, f: Delta | EventStateDelta): Delta | EventStateDelta {
    if (f.full && f.snapshot) return { ...f, snapshot: { ...f.snapshot, characters: lens.reset(f.snapshot.characters) } };
    return { ...f, changes: lens.filter(f.changes) };
  }

  receive(frame: Delta, encoded: EncodedFrame, parts: readonly Delta[], now?: number): number {
    return this.host.connected ? this.deltas.receive(frame, encoded, parts, now) : 0;
  }

  idle(now: number): number {
    return this.host.connected ? this.deltas.idle(now) : 0;
  }

  /** The socket is gone. */
  stop(): void {
    this.deltas.stop();
    this.p.world.unwatch(this.worldId, this);
  }
}
