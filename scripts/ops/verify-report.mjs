// What `ops verify` found, ranked and rendered: each check with what it holds when clean, the
// problems (`{ check, worldId, seq, message }`, worldId null for the log table's guards) and the
// first of them, the one to look at first. Pure: no I/O here.
import { table } from './cli.mjs';

/** The checks, in the order their problems rank, with what each one holds when it passes. */
const CHECKS = [
  ['guards', () => "action_events refuses UPDATE, DELETE and TRUNCATE, and hashes every insert into its world's chain"],
  ['log', (r) => `${r.worlds.length} world(s), ${r.worlds.reduce((n, w) => n + w.events, 0)} events: gapless from seq 1, each prev_hash its predecessor's hash, each hash its event's`],
  ['truncation', () => "no checkpoint, world snapshot or stream message remembers a seq past its world's head"],
  ['checkpoints', () => "no projection checkpoint ahead of its world's head"],
  ['snapshots', () => "no world snapshot past its world's head"],
  [
    'stream',
    (r, opts) =>
      opts.streamLast === 0 ? 'skipped (--stream-last 0)' : `the EVENTS stream holds ${opts.streamLast === 'all' ? 'every seq' : `each world's last ${opts.streamLast} seqs`} as the log does`,
  ],
  ['read-model', (r, opts) => (opts.skipReadModels ? 'skipped (--skip-read-models)' : "the read models equal the projector's fold of the log up to each checkpoint")],
];
/** Problems listed per check and world; the rest are counted. */
const SHOWN = 10;

/** A problem for each thing the log's triggers should refuse or do and do not (a trigger missing or disabled). */
export function guardProblems(guards) {
  const missing = [
    ...['update', 'delete', 'truncate'].filter((op) => !guards[op]).map((op) => `does not refuse ${op.toUpperCase()} (its append-only trigger is missing or disabled)`),
    ...(guards.chain ? [] : ['does not hash its inserts (the trigger action_events_chain is missing or disabled)']),
  ];
  return missing.map((message) => ({ check: 'guards', worldId: null, seq: null, message }));
}

/**
 * A truncated tail, named through what remembers it: for each world whose head some witness
 * (`{ worldId, what, seq }`: a checkpoint, a world snapshot, the stream) is past, a problem at the
 * first missing seq.
 */
export function truncations(worlds, witnesses) {
  const problems = [];
  for (const w of worlds.values()) {
    const past = witnesses.filter((x) => x.worldId === w.worldId && x.seq > w.head);
    if (!past.length) continue;
    const last = Math.max(...past.map((x) => x.seq));
    const names = past.map((x) => `${x.what} (seq ${x.seq})`);
    const who = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0];
    problems.push({
      check: 'truncation',
      worldId: w.worldId,
      seq: w.head + 1,
      message: `the log ends at seq ${w.head} but ${who} remember${past.length === 1 ? 's' : ''} more: its tail was removed, seqs ${w.head + 1}..${last} are missing`,
    });
  }
  return problems;
}

/** By check (in the order above), then world, then seq. */
function sortProblems(problems) {
  const order = (p) => CHECKS.findIndex(([name]) => name === p.check);
  return [...problems].sort((a, b) => order(a) - order(b) || (a.worldId ?? '').localeCompare(b.worldId ?? '') || (a.seq ?? Infinity) - (b.seq ?? Infinity));
}

/** The report verify prints (as JSON with --json): `{ ok, first, checks, worlds, problems }`. */
export function report(worlds, problems, opts) {
  const sorted = sortProblems(problems);
  const first = sorted[0];
  const out = { ok: !first, first: first ?? null, checks: [], worlds: [...worlds.values()].sort((a, b) => a.worldId.localeCompare(b.worldId)), problems: sorted };
  out.checks = CHECKS.map(([check, holds]) => {
    const n = sorted.filter((p) => p.check === check).length;
    return { check, ok: n === 0, problems: n, holds: holds(out, opts) };
  });
  return out;
}

const where = (p) => `${p.worldId === null ? 'action_events' : `world ${p.worldId}`}${p.seq === null ? '' : ` seq ${p.seq}`}`;

export function render(r, opts) {
  const firstOf = (worldId, check) => r.problems.find((p) => p.worldId === worldId && p.check === check);
  const rows = r.worlds.map((w) => {
    const log = firstOf(w.worldId, 'log');
    const bad = (check) => Boolean(firstOf(w.worldId, check));
    return {
      world: w.worldId,
      head: String(w.head),
      log: log ? `${log.message.split(':')[0].toUpperCase()} at ${log.seq}` : bad('truncation') ? 'TRUNCATED' : 'chained',
      checkpoint: w.checkpoint === null ? '-' : `${w.checkpoint}${bad('checkpoints') ? ' AHEAD' : ''}`,
      snapshot: w.snapshot === null ? '-' : `${w.snapshot}${bad('snapshots') ? ' AHEAD' : ''}`,
      stream: w.stream ? `${w.stream.held}/${w.stream.checked} of ${w.stream.from}..${w.stream.to}${bad('stream') ? ' BAD' : ''}` : opts.streamLast === 0 ? 'skipped' : bad('stream') ? 'BAD' : '-',
      'read models': opts.skipReadModels ? 'skipped' : bad('read-model') ? 'DIFFER' : 'equal',
    };
  });
  const lines = [rows.length ? table(rows) : 'the log has no events', '', 'checks:'];
  const width = Math.max(...r.checks.map((c) => c.check.length));
  for (const c of r.checks) lines.push(`  ${c.check.padEnd(width)}  ${c.ok ? 'ok    ' : 'FAILED'}  ${c.ok ? c.holds : `${c.problems} problem(s)`}`);
  const shown = new Map();
  for (const p of r.problems) {
    const key = `${p.check}/${p.worldId ?? 'action_events'}`;
    shown.set(key, (shown.get(key) ?? 0) + 1);
    if (shown.get(key) <= SHOWN) lines.push(`  ${p.check}: ${where(p)}: ${p.message}`);
  }
  for (const [key, n] of shown) if (n > SHOWN) lines.push(`  ${key}: … and ${n - SHOWN} more`);
  const f = r.first;
  lines.push(f ? `verify: FAILED, ${r.problems.length} problem(s); first: ${where(f)} (${f.check}): ${f.message}` : 'verify: OK');
  return lines.join('\n');
}
