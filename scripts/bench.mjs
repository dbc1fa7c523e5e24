#!/usr/bin/env node
// `npm run bench`: the benchmark suite of issue #16. Starts its own TileMUD (and Colyseus beside
// it), runs the jobs, prints one table (TileMUD, Colyseus, ratio) and writes
// reports/bench-<time>.json and .svg. Usage: `npm run bench -- --help`; the parts: scripts/bench/.
//
// This file is the command line only: options, signals, the files written and the table printed.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext, requestStop } from './bench/context.mjs';
import { parsePlan, USAGE, UsageError } from './bench/options.mjs';
import { layoutOf, reportsDirFor, runSuite } from './bench/suite.mjs';
import { saturationChart } from './bench/svg.mjs';
import { formatResults } from './bench/table.mjs';

let plan;
try {
  plan = parsePlan(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`bench: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (plan === null) {
  console.log(USAGE);
  process.exit(0);
}

const ctx = createContext();
let interrupts = 0;
const onInterrupt = () => {
  interrupts++;
  if (interrupts === 1) {
    ctx.log('interrupted: stopping the runs, then removing the database, streams and Redis keys (interrupt twice more to quit at once)');
    requestStop(ctx);
  } else if (interrupts >= 3) {
    for (const c of ctx.children) c.proc.kill('SIGKILL');
    process.exit(130);
  }
};
process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);
// Whatever ends this process, no child of it is left behind.
process.on('exit', () => {
  for (const c of ctx.children) c.proc.kill('SIGKILL');
});

const layout = layoutOf(plan);
const meta = {
  stamp: plan.stamp,
  quick: plan.quick,
  gateways: layout.gateways,
  pin: layout.pin,
  cpus: os.cpus().length,
  loadAverage: os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' '),
};
ctx.log(`bench ${plan.stamp}: ${plan.jobs.join(', ')}${plan.quick ? ' (quick)' : ''}, ${layout.gateways} gateway${layout.gateways > 1 ? 's' : ''}`);
if (layout.pin.note) ctx.log(`--pin: ${layout.pin.pinned ? `harness on CPU ${layout.pin.harness}, apps on CPU ${layout.pin.apps}; ` : ''}${layout.pin.note}`);
const { results, cleanupProblems, interrupted } = await runSuite(ctx, plan, reportsDirFor(plan), layout);

const base = path.join(plan.outDir, `bench-${plan.stamp}`);
const document = {
  tool: 'tilemud-bench',
  benchVersion: 1,
  ...meta,
  loadAverageAtEnd: os.loadavg(),
  environment: { node: process.version, platform: process.platform, arch: process.arch, cpuModel: os.cpus()[0]?.model ?? null, totalMemoryBytes: os.totalmem() },
  plan,
  interrupted,
  results,
  cleanupProblems,
};
mkdirSync(plan.outDir, { recursive: true });
writeFileSync(`${base}.json`, `${JSON.stringify(document, null, 2)}\n`);
writeFileSync(`${base}.svg`, saturationChart(results, plan.stamp));

console.log(formatResults(results, meta));
console.log(`\nresults: ${base}.json\nchart:   ${base}.svg${cleanupProblems.length ? `\nclean-up problems: ${cleanupProblems.join('; ')}` : ''}`);
const failed = Object.values(results).some((r) => r?.error);
process.exit(interrupted ? 130 : failed || cleanupProblems.length ? 1 : 0);
