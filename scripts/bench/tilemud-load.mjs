// One TileMUD load step: the load harness (scripts/load.mjs) as one or more child processes
// against the bench's system, their full reports read back and combined (merge.mjs).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkStop, spawnChild, stopChild } from './context.mjs';
import { cpuBetween, cpuReading } from './cpu.mjs';
import { combineReports } from './merge.mjs';
import { cpusFor, pinnedCommand } from './pin.mjs';
import { ROOT } from './system.mjs';

/** Splits n sessions over k processes as evenly as possible. */
export function splitSessions(n, k) {
  const procs = Math.max(1, Math.min(k, n));
  return Array.from({ length: procs }, (_, i) => Math.floor(n / procs) + (i < n % procs ? 1 : 0));
}

/**
 * step: { name, sessions, duration, rate, chat, worlds (array or null), procs }. dir: where the
 * reports go. Answers the combined figures plus the report paths.
 */
export async function runTileLoad(ctx, system, step, dir) {
  const shares = splitSessions(step.sessions, step.procs ?? 1);
  ctx.log(
    `tilemud ${step.name}: ${step.sessions} sessions × ${step.rate}/s for ${step.duration} s` +
      `${step.worlds ? ` over ${step.worlds.length} worlds` : ' in one world'}${shares.length > 1 ? `, ${shares.length} harness processes` : ''}` +
      `${system.urls?.length > 1 ? `, ${system.urls.length} gateways` : ''}`,
  );
  // The apps' CPU time over the drive: read when every harness process has finished its setup,
  // and again when every one has finished its drive.
  const cpu = { setups: 0, drives: 0, start: null, end: null };
  const phase = (line) => {
    if (/^load: setup done/.test(line) && ++cpu.setups === shares.length) cpu.start = cpuReading(system.apps);
    if (/^load: drive done/.test(line) && ++cpu.drives === shares.length) cpu.end = cpuReading(system.apps);
  };
  const runs = shares.map((sessions, i) => {
    const report = path.join(dir, `${step.name}-${i}.report.json`);
    const args = [
      path.join(ROOT, 'scripts', 'load.mjs'),
      '--url',
      // Every gateway of the system: the harness spreads its sessions over them round robin.
      (system.urls ?? [system.baseUrl]).join(','),
      '--sessions',
      String(sessions),
      '--duration',
      String(step.duration),
      '--rate',
      String(step.rate),
      '--chat',
      String(step.chat ?? 0.05),
      '--grace',
      String(step.grace ?? 5),
      '--report',
      report,
    ];
    if (step.ramp) args.push('--ramp', String(step.ramp));
    if (step.worlds) args.push('--worlds', step.worlds.join(','), '--database-url', system.databaseUrl);
    // The harness's progress lines (every few seconds) and its phase lines go to the bench's log.
    const onLine = (line) => {
      phase(line);
      if (/^(\[\s*[\d.]+s\]|load: (setup|interrupted))/.test(line)) ctx.log(`  ${step.name}#${i} ${line}`);
    };
    const [command, argv] = pinnedCommand(cpusFor(system.pin, 'harness'), process.execPath, args);
    const child = spawnChild(ctx, `load ${step.name}#${i}`, command, argv, { cwd: ROOT, onLine });
    return { child, report };
  });
  // A harness that hangs past any sensible end is stopped (it still writes its report on SIGTERM).
  // Generous: on a busy 2-core machine 2,000 setups took minutes (4 per second is the floor here).
  const limitMs = (step.duration + (step.grace ?? 5) + 120 + step.sessions / 4) * 1000;
  const timer = setTimeout(() => runs.forEach((r) => void stopChild(r.child, 60_000)), limitMs); // time to log out and write
  const exits = await Promise.all(runs.map((r) => r.child.exited));
  clearTimeout(timer);
  checkStop(ctx);
  const reports = [];
  for (const [i, r] of runs.entries()) {
    try {
      reports.push(JSON.parse(await readFile(r.report, 'utf8')));
    } catch {
      const tail = r.child.lines.slice(-10).join('\n');
      throw new Error(`load ${step.name}#${i} wrote no report (exit ${exits[i].code ?? exits[i].signal}):\n${tail}`);
    }
  }
  const figures = combineReports(reports);
  const window = cpu.start && cpu.end ? (cpu.end.at - cpu.start.at) / 1000 : 0;
  return {
    ...figures,
    // Each app's share of a core and CPU ms per 1,000 acked intents over the drive; the machine's busy and steal shares.
    cpu: window > 0 ? cpuBetween(cpu.start, cpu.end, figures.acksPerSec * window) : null,
    offeredPerSec: step.sessions * step.rate,
    gateways: (system.urls ?? [system.baseUrl]).length,
    harnessProcesses: shares.length,
    harnessCpus: cpusFor(system.pin, 'harness'),
    reports: runs.map((r) => path.relative(ROOT, r.report)),
  };
}
