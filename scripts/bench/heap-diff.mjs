#!/usr/bin/env node
// What grew between two V8 heap snapshots (e.g. the idle job's, BENCH_HEAP_SNAPSHOTS=<dir>): the
// self size summed by node type and constructor name, largest growth first, per `--per N` (the
// sessions added) when given. A rough look at what a session retains, not a retainer analysis.
// Usage: node scripts/bench/heap-diff.mjs A.heapsnapshot B.heapsnapshot [--per N] [--top 30]

import { readFileSync } from 'node:fs';

function summary(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields: fields, node_types: types } = snap.snapshot.meta;
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const typeNames = types[iType];
  const out = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = typeNames[nodes[i + iType]];
    // Strings and code by type only: their "names" are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' || type === 'code' || type === 'hidden' || type === 'array' ? snap.strings[nodes[i + iName]] : '';
    const key = `${type} ${name}`.slice(0, 90);
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : Number(args.splice(i, 2)[1]);
};
const per = opt('--per', 1);
const top = opt('--top', 30);
const [a, b] = args.map(summary);
const rows = [];
let total = 0;
for (const [key, e] of b) {
  const before = a.get(key) ?? { count: 0, bytes: 0 };
  const d = { key, count: e.count - before.count, bytes: e.bytes - before.bytes };
  total += d.bytes;
  rows.push(d);
}
rows.sort((x, y) => y.bytes - x.bytes);
console.log(`self size grown: ${(total / 1024 / per).toFixed(2)} KiB per unit (per = ${per})`);
for (const r of rows.slice(0, top)) console.log(`${(r.bytes / per).toFixed(0).padStart(8)} B  ${(r.count / per).toFixed(2).padStart(7)} ×  ${r.key}`);
