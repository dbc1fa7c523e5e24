// Top frames of a V8 CPU profile (`node --cpu-prof`), by self time: what docs/performance.md
// records before and after a change. Usage: node scripts/bench/profile-top.mjs FILE.cpuprofile [N]

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Self time per frame (function, file, line), most first; shares of the whole and of the busy time. */
export function topFrames(profile, n = 20) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ticks = new Map();
  const dt = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    ticks.set(id, (ticks.get(id) ?? 0) + (dt[i] ?? 0));
  }
  const frames = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of ticks) {
    const { callFrame: f } = byId.get(id);
    total += us;
    if (f.functionName === '(idle)') idle += us;
    const file = f.url
      ? f.url
          .replace(/^file:\/\//, '')
          .split(/node_modules\/|apps\/|libs\//)
          .pop()
      : '';
    const name = f.functionName || '(anonymous)';
    const key = file ? `${name} ${file}:${f.lineNumber + 1}` : name;
    frames.set(key, (frames.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const rows = [...frames.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([frame, us]) => ({ frame, ms: Math.round(us / 1000), ofAll: us / total, ofBusy: frame.startsWith('(idle)') ? null : us / (busy || 1) }));
  return { totalMs: Math.round(total / 1000), busyMs: Math.round(busy / 1000), rows };
}

const pct = (x) => (x === null ? '' : `${(100 * x).toFixed(1)} %`);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node scripts/bench/profile-top.mjs FILE.cpuprofile [N]');
    process.exit(2);
  }
  const { totalMs, busyMs, rows } = topFrames(JSON.parse(readFileSync(file, 'utf8')), Number(n) || 20);
  console.log(`${path.basename(file)}: ${totalMs} ms profiled, ${busyMs} ms busy (${pct(busyMs / totalMs)})`);
  console.log('| frame | self ms | of all | of busy |\n| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| \`${r.frame}\` | ${r.ms} | ${pct(r.ofAll)} | ${pct(r.ofBusy)} |`);
}
