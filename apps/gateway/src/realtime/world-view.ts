import type { ServerMessage } from '@tilemud/contracts';
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

  constructor(
    socket: SessionSocket,
    private readonly p: Pick<SessionPorts, 'config' | 'world' | 'metrics'>,
    private readonly host: ViewHost,
    public worldId: string,
  ) {
    this.deltas = new DeltaDelivery(
      socket,
      p.config.FANOUT_SLOW_CLIENT_BYTES,
      (from) => host.enqueue(() => this.sync(0, from)),
      (bytes, merged) => p.metrics.deltaSent(this.shownWorldId ?? this.worldId, bytes, merged),
    );
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
    const caught = await this.p.world.catchUp(this.worldId, minSeq, replayFrom);
    if (!caught || !this.host.connected) return;
    before?.(caught.replayed);
    this.shownWorldId = this.worldId;
    for (const f of caught.frames) this.host.send(f);
    if (!this.host.connected) return; // over its send budget midway
    this.deltas.release(caught.seq);
  }

  receive(frame: Delta, encoded: EncodedFrame, parts: readonly Delta[]): void {
    if (this.host.connected) this.deltas.receive(frame, encoded, parts);
  }

  /** The socket is gone. */
  stop(): void {
    this.deltas.stop();
    this.p.world.unwatch(this.worldId, this);
  }
}
