// Job saturation: the offered load stepped up with the players spread over ten worlds (so that few
// moves are refused); at each step the acked intents/s and the ack and delta percentiles. A step
// that fails is recorded with its error and the curve goes on.
import { checkStop } from './context.mjs';
import { runTileLoad } from './tilemud-load.mjs';

export async function runSaturation(ctx, { system, plan, dir }) {
  const steps = [];
  for (const step of plan.saturation) {
    checkStop(ctx);
    try {
      steps.push(await runTileLoad(ctx, system, step, dir));
    } catch (err) {
      checkStop(ctx);
      steps.push({ offeredPerSec: step.offered, error: err.message.split('\n')[0] });
    }
  }
  return { steps };
}
