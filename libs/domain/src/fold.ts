import { WorldDraft } from './evolve';
import { initialWorldState, WorldState } from './state';
import { upcast } from './versions';
import type { WorldMap } from './world-map';

/** A world's state at a seq: what a fold starts from and returns. */
export interface StateAt {
  state: WorldState;
  seq: number;
}

/** One stored event, as the log holds it. `version` absent: written before versions were stored (1). */
export interface LogEntry {
  seq: number;
  type: string;
  payload: unknown;
  version?: number;
}

/**
 * The state after folding logged events onto `from` (the empty world at seq 0, or a snapshot),
 * each read through its upcasters. Throws on a gap: a state built over a hole would be wrong in
 * ways nobody could see.
 */
export function foldFrom(map: WorldMap, from: StateAt | undefined, rows: Iterable<LogEntry>): StateAt {
  const draft = new WorldDraft(from?.state ?? initialWorldState(map));
  let seq = from?.seq ?? 0;
  for (const r of rows) {
    if (r.seq !== seq + 1) throw new Error(`world ${map.id}: log has a gap after seq ${seq}`);
    draft.apply([upcast(r.type, r.version ?? 1, r.payload)]);
    seq = r.seq;
  }
  return { state: draft.state, seq };
}

/** A world's state folded from its whole log (seq 1 on). */
export function foldLog(map: WorldMap, rows: Iterable<LogEntry>): StateAt {
  return foldFrom(map, undefined, rows);
}
