import type { DeltaFrame } from '@tilemud/runtime';

/** An incremental `event.state_delta` covering the world's events prevSeq+1..seq (the projector's frame, libs/runtime/src/wire.ts). */
export type Delta = DeltaFrame;

/**
 * Merges consecutive deltas into runs that each cover prevSeq..seq without a hole, so a client
 * applying one frame is exactly as if it had applied every delta in it. A hole starts a new run.
 */
export function mergeRuns(deltas: readonly Delta[]): Delta[] {
  const runs: Delta[] = [];
  for (const d of deltas) {
    const last = runs[runs.length - 1];
    if (last && last.seq === d.prevSeq) runs[runs.length - 1] = { ...last, seq: d.seq, changes: [...last.changes, ...d.changes] };
    else runs.push({ ...d, changes: [...d.changes] });
  }
  return runs;
}

/** The part of a run of deltas a client at `lastSeq` still needs (deltas wholly at or below it are dropped). */
export function after(deltas: readonly Delta[], lastSeq: number): Delta[] {
  return deltas.filter((d) => d.seq > lastSeq);
}
