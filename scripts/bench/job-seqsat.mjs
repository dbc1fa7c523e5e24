// Job seqsat: one sequencer's durable throughput without the gateway and the WebSocket harness.
// seq-driver.mjs publishes intents straight to the INTENTS stream, as a gateway does, at each
// offered rate of the plan, and reads the answers; the sequencer decides, appends to PostgreSQL
// (fsync'd), publishes the events and answers, exactly as under the full load; the projector
// projects them. Per step: answers/s during the drive, ack p50/p99 (publish → answer at the
// driver), and each process's CPU.
import path from 'node:path';
import { checkStop, spawnChild, stopChild } from './context.mjs';
import { cpuBetween, cpuReading } from './cpu.mjs';
import { cpusFor, pinnedCommand } from './pin.mjs';
import { ROOT } from './system.mjs';

const STEP_LINE = /^seqsat: step (\d+) (start|end)$/;

export async function runSeqsat(ctx, { system, plan }) {
  const p = plan.seqsat;
  const args = { natsUrl: system.env.NATS_URL, prefix: system.id, worlds: p.worlds, players: p.players, steps: p.offered, durationS: p.duration, graceS: p.grace };
  ctx.log(`seqsat: ${p.players} players over ${p.worlds.length} worlds, offered ${p.offered.join(', ')} intents/s for ${p.duration} s each, straight to the sequencer`);
  const readings = new Map(); // perSec -> { start, end }
  let result = null;
  let child = null;
  const onLine = (line) => {
    const m = STEP_LINE.exec(line);
    if (m) {
      const r = readings.get(m[1]) ?? {};
      r[m[2]] = cpuReading({ ...system.apps, driver: child });
      readings.set(m[1], r);
      return;
    }
    if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length));
    else if (line.startsWith('seqsat: ')) ctx.log(`  ${line}`);
  };
  const [command, argv] = pinnedCommand(cpusFor(system.pin, 'harness'), process.execPath, [path.join(ROOT, 'scripts', 'bench', 'seq-driver.mjs'), JSON.stringify(args)]);
  child = spawnChild(ctx, 'seqsat driver', command, argv, { cwd: ROOT, onLine });
  const limitMs = (p.offered.length * (p.duration + p.grace) + 180) * 1000;
  const timer = setTimeout(() => void stopChild(child, 10_000), limitMs);
  const exit = await child.exited;
  clearTimeout(timer);
  checkStop(ctx);
  if (!result) throw new Error(`seqsat driver ended without a result (exit ${exit.code ?? exit.signal}):\n${child.lines.slice(-10).join('\n')}`);
  for (const s of result.steps) {
    const r = readings.get(String(s.offeredPerSec));
    if (r?.start && r?.end) s.cpu = cpuBetween(r.start, r.end, (s.acksPerSec * (r.end.at - r.start.at)) / 1000);
  }
  return result;
}
