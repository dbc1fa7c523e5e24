import { foldFrom, type StateAt, type WorldMap } from '@tilemud/domain';
import { WorldSnapshots } from '../world-snapshots';
import { LogReader, type Queryable } from './reader';

/** Events read per query of a fold: a long tail is several bounded reads, not one huge one. */
export const STATE_FOLD_PAGE = 5000;

/** A world's state at a seq, and how it was reached. */
export interface FoldedState extends StateAt {
  /** The seq of the stored world snapshot the fold started from (0: the empty world). */
  fromSnapshot: number;
  /** How many events of the log were folded onto it. */
  folded: number;
}

/** The log lacks events a fold needed (a hole, or a seq past the head): a state over it would be wrong unseen. */
export class LogGapError extends Error {
  constructor(
    readonly worldId: string,
    readonly from: number,
    readonly to: number,
  ) {
    super(`world ${worldId}: the log misses events between seq ${from} and ${to}`);
    this.name = 'LogGapError';
  }
}

export interface StateAtOptions {
  /** Events per read (STATE_FOLD_PAGE). */
  page?: number;
  /** Told the seq the fold starts from (the snapshot's, or 0), before it folds anything. */
  onStart?: (fromSeq: number) => void;
  /** Told how many events each page folded (a progress bar). */
  onFolded?: (events: number) => void;
}

/**
 * A world as it stood right after the event `atSeq` (0: before any): the newest stored world
 * snapshot at or below it, with the log's events after it folded on by the domain's own fold (the
 * sequencer's), read through the upcasters a page at a time. One answer for the operator command's
 * `state` and the admin time travel. Give it the client of a transaction for one moment of the log.
 * Throws LogGapError when the log lacks an event of the range.
 */
export async function stateAt(db: Queryable, map: WorldMap, atSeq: number, options: StateAtOptions = {}): Promise<FoldedState> {
  const page = options.page ?? STATE_FOLD_PAGE;
  const reader = new LogReader(db);
  const start = await new WorldSnapshots(db).nearest(map.id, atSeq);
  let at = start ?? foldFrom(map, undefined, []);
  options.onStart?.(at.seq);
  let folded = 0;
  while (at.seq < atSeq) {
    const to = Math.min(atSeq, at.seq + page);
    const events = await reader.eventsAfter(map.id, at.seq, { upTo: to, limit: page });
    if (events.length !== to - at.seq) throw new LogGapError(map.id, at.seq + 1, to);
    at = foldFrom(map, at, events);
    folded += events.length;
    options.onFolded?.(events.length);
  }
  return { ...at, fromSnapshot: start?.seq ?? 0, folded };
}
