// Job spread2000: 2,000 sessions × 1/s spread round robin over ten worlds, on the single-process
// layout (one gateway, one sequencer, one projector).
import { runTileLoad } from './tilemud-load.mjs';

export async function runSpread2000(ctx, { system, plan, dir }) {
  return runTileLoad(ctx, system, { ...plan.spread, procs: plan.spread.sessions >= 1000 ? 2 : 1 }, dir);
}
