// Job tilemud500: N sessions × 1 intent/s in one world (the lobby), the headline workload.
import { runTileLoad } from './tilemud-load.mjs';

export async function runTilemud500(ctx, { system, plan, dir }) {
  const w = plan.oneWorld;
  return runTileLoad(ctx, system, { name: 'tilemud500', sessions: w.sessions, duration: w.duration, rate: w.rate, chat: w.chat, worlds: null }, dir);
}
