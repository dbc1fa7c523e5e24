#!/usr/bin/env node
// TileMUD load harness: N guest sessions over the public wire contract
// (/work/shared/spec/protocol.md), each sending intents at a fixed rate;
// measures intent→ack and intent→delta-at-other-clients latency, throughput
// and errors. Usage: `npm run load -- --help`; how it works: scripts/load/README.md.
//
// One process. Times come from performance.now() and are taken when a frame's
// 'message' handler starts, so they include this process's own queueing; the
// report's `harness` section (event-loop delay, CPU) says how busy it was.
//
// This file is the command line only: options, signals, the files written and the summary
// printed. The run itself is scripts/load/harness.mjs, on one run object (scripts/load/run.mjs).

import fs from 'node:fs';
import path from 'node:path';
import { runLoad } from './load/harness.mjs';
import { requestStop } from './load/lifecycle.mjs';
import { parseOptions, USAGE, UsageError } from './load/options.mjs';
import { resultFigures } from './load/result.mjs';
import { createRun } from './load/run.mjs';
import { formatSummary } from './load/summary.mjs';

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`load: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (opts === null) {
  console.log(USAGE);
  process.exit(0);
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
for (const url of opts.urls) {
  if (!loopbackHosts.has(new URL(url).hostname)) console.error(`load: note: ${url} is not a loopback address; load only servers you run.`);
}

const run = createRun(opts);
const onInterrupt = () => {
  if (!requestStop(run)) {
    console.error('load: second interrupt, exiting without a report');
    process.exit(130);
  }
  console.error('load: interrupted; stopping, closing sockets and writing the report (interrupt again to quit now)');
};
process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);

/** Writes a JSON file (directory created); answers whether it could. */
function writeJson(file, value, what) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
    return true;
  } catch (err) {
    console.error(`load: could not write the ${what} to ${file}: ${err.message}`);
    return false;
  }
}

async function main() {
  const report = await runLoad(run);
  const reportPath = path.resolve(opts.report);
  const written = writeJson(reportPath, report, 'report');
  if (opts.json !== null) writeJson(path.resolve(opts.json), resultFigures(report, written ? reportPath : null), 'result');
  const shownPath = path.relative(process.cwd(), reportPath);
  console.log(formatSummary(report, shownPath.startsWith('..') ? reportPath : shownPath));
  process.exitCode = report.exitCode;
  // Let stdout drain and exit naturally; force it if a handle lingers.
  setTimeout(() => process.exit(process.exitCode), 3_000).unref();
}

main().catch((err) => {
  console.error('load: harness failure:', err);
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 1_000).unref();
});
