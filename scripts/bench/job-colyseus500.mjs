// Job colyseus500: the one-world workload on Colyseus, right after TileMUD's, in the same run.
// Colyseus sends every 10th intent as a chat; the TileMUD step uses --chat 0.1 to match.
import { ensureColyseus, runColyseus } from './colyseus.mjs';

export async function runColyseus500(ctx, { plan }) {
  const installed = await ensureColyseus(ctx);
  if (installed.skipped) {
    ctx.log(`colyseus skipped: ${installed.skipped}`);
    return { skipped: installed.skipped, sessions: { requested: plan.oneWorld.sessions } };
  }
  const w = plan.oneWorld;
  const figures = await runColyseus(ctx, installed.dir, { sessions: w.sessions, duration: w.duration, rate: w.rate });
  return { ...figures, installCached: installed.cached };
}
