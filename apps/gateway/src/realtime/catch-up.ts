import type { Character, EventStateDelta } from '@tilemud/contracts';
import type { Delta } from './delta';
import type { ReplayService } from '../world/replay.service';
import type { SnapshotService } from '../world/snapshot.service';
import type { FanoutService } from './fanout.service';

/** Where a catch-up is read from: this gateway's live stream, the read model, the event log. */
export interface CatchUpSources {
  fanout: Pick<FanoutService, 'seen'>;
  snapshots: Pick<SnapshotService, 'fresh' | 'seq'>;
  replay: Pick<ReplayService, 'between' | 'charactersAt'>;
  /** RESUME_MAX_REPLAY_EVENTS: beyond this many missed events the client gets a full state. */
  maxReplay: number;
}

/** What to send a client so that the live deltas after `seq` continue its view. */
export interface CaughtUp {
  /** True: the missed deltas; false: one full state. */
  replayed: boolean;
  frames: Array<Delta | EventStateDelta>;
  seq: number;
  /** With `view` asked and the deltas replayed: the world's characters at the replay's start (area of interest). */
  charactersAt?: Character[];
}

/**
 * The deltas the client missed since `replayFrom` when they can be replayed, else a full state at
 * least as new as `minSeq`; undefined when the world does not exist.
 */
export async function catchUp(d: CatchUpSources, worldId: string, minSeq: number, replayFrom?: number, view = false): Promise<CaughtUp | undefined> {
  const missed = replayFrom === undefined ? undefined : await missedDeltas(d, worldId, replayFrom);
  if (missed && replayFrom !== undefined) {
    // A client with an area of interest continues from what it held at `replayFrom`: the world then.
    const charactersAt = view ? await d.replay.charactersAt(worldId, replayFrom) : undefined;
    if (!view) return { replayed: true, frames: missed.frames, seq: missed.upTo };
    if (charactersAt) return { replayed: true, frames: missed.frames, seq: missed.upTo, charactersAt };
  }
  // A full state at least as new as `minSeq` (the client's own acks) and as the log's head now.
  const loaded = await d.snapshots.fresh(worldId, minSeq);
  if (!loaded) return undefined;
  return { replayed: false, frames: [{ type: 'event.state_delta', worldId, seq: loaded.seq, prevSeq: loaded.seq, full: true, changes: [], snapshot: loaded.snapshot }], seq: loaded.seq };
}

/**
 * What brings a client's view of a world up to date: the deltas it missed since `lastSeq`
 * (`upTo` is where the live stream takes over), or undefined when they cannot be replayed.
 * `upTo` is a frame boundary of the live stream: the last delta this gateway has seen, or the
 * read model's checkpoint (a projector frame ends there), whichever is further.
 */
async function missedDeltas(d: CatchUpSources, worldId: string, lastSeq: number): Promise<{ frames: Delta[]; upTo: number } | undefined> {
  const upTo = Math.max(d.fanout.seen(worldId), await d.snapshots.seq(worldId));
  const frames = await d.replay.between(worldId, lastSeq, upTo, d.maxReplay);
  return frames ? { frames, upTo } : undefined;
}
