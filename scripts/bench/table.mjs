// The bench's one table (TileMUD, Colyseus, the ratio, the issue's target), from the results
// object. Pure: results in, text out.

/** A figure for the table: 3 significant digits below 100, whole numbers above; '—' when missing. */
export function fmt(x, unit = '') {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const s = Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  return `${s}${unit}`;
}

/** TileMUD / Colyseus (lower is better for latencies); null unless both are positive numbers. */
export function ratio(tile, other) {
  if (!Number.isFinite(tile) || !Number.isFinite(other) || other <= 0 || tile < 0) return null;
  return tile / other;
}

/** A count: whole, with thousands separators. */
export const fmtCount = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '?');

export const fmtRatio = (r) => (r === null ? '—' : `${r.toFixed(2)}×`);

const pick = (o, ...keys) => keys.reduce((v, k) => (v == null ? undefined : v[k]), o);

/** The rows: [figure, TileMUD, Colyseus, ratio, target]. */
export function tableRows(results) {
  const rows = [];
  const tile = results.tilemud500;
  const coly = results.colyseus500;
  const colyOk = coly && !coly.skipped && !coly.error;
  if (tile || coly) {
    const n = pick(tile, 'sessions', 'requested') ?? pick(coly, 'sessions', 'requested') ?? '?';
    const label = `${fmtCount(n)} × 1/s, one world`;
    const side = (what, get, target) => {
      const a = tile && !tile.error ? get(tile) : undefined;
      const b = colyOk ? get(coly) : undefined;
      rows.push([`${label}: ${what}`, fmt(a), fmt(b), fmtRatio(ratio(a, b)), target]);
    };
    side('ack p50 (ms)', (r) => pick(r, 'ackMs', 'p50'), '');
    side('ack p99 (ms)', (r) => pick(r, 'ackMs', 'p99'), '≤ 10 ms and ≤ 1× Colyseus');
    side('delta p50 (ms)', (r) => pick(r, 'deltaMs', 'p50'), '');
    side('delta p99 (ms)', (r) => pick(r, 'deltaMs', 'p99'), '≤ 20 ms and ≤ 0.3× Colyseus');
    side('acked intents/s', (r) => r.acksPerSec, '');
  }
  const spread = results.spread2000;
  if (spread && !spread.error) {
    const label = `${fmtCount(spread.sessions.requested)} × 1/s, ${spread.worlds} worlds`;
    rows.push([`${label}: ack p50 / p99 (ms)`, `${fmt(spread.ackMs?.p50)} / ${fmt(spread.ackMs?.p99)}`, '', '', 'p99 ≤ 10 ms']);
    rows.push([`${label}: delta p50 / p99 (ms)`, `${fmt(spread.deltaMs?.p50)} / ${fmt(spread.deltaMs?.p99)}`, '', '', 'p99 ≤ 20 ms']);
  }
  for (const s of results.saturation?.steps ?? []) {
    const cell = s.error ? `failed: ${s.error.slice(0, 40)}` : `${fmt(s.acksPerSec)}/s, p99 ${fmt(s.ackMs?.p99)} ms`;
    rows.push([`saturation, offered ${fmtCount(s.offeredPerSec)}/s: acked, ack p99`, cell, '', '', '≥ 10,000 acked/s']);
  }
  for (const s of results.seqsat?.steps ?? []) {
    const cell = s.error ? `failed: ${s.error.slice(0, 40)}` : `${fmt(s.acksPerSec)}/s, p99 ${fmt(s.ackMs?.p99)} ms`;
    rows.push([`sequencer alone, offered ${fmtCount(s.offeredPerSec)}/s: acked, ack p99`, cell, '', '', '≥ 10,000 acked/s']);
  }
  const idle = results.idle;
  if (idle && !idle.error) {
    const n = fmtCount(idle.sessions.live);
    rows.push([`idle: RSS KiB per session after GC (${n} sessions)`, fmt(idle.kibPerSession), '', '', '≤ 16 KiB']);
    if (idle.heapKibPerSession !== undefined) rows.push([`idle: JS heap KiB per session after GC (${n})`, fmt(idle.heapKibPerSession), '', '', '']);
  }
  const cold = results.coldstart;
  for (const c of [cold?.early, cold]) {
    if (!c || c.error) continue;
    const log = `log ${fmtCount(c.logEvents)} events`;
    for (const role of ['sequencer', 'projector']) {
      const ready = fmt(c[`${role}Ms`]);
      const cell = c[`${role}WorldsMs`] === undefined ? ready : `ready ${ready}, its ${c[`${role}Worlds`]} worlds held ${fmt(c[`${role}WorldsMs`])}`;
      rows.push([`cold start, ${role} (ms; ${log})`, cell, '', '', 'flat in the log length']);
    }
  }
  return rows;
}

/**
 * The floor job's own table: the same harness and workload against a server that does nothing but
 * the protocol, per frame interval (what no server can beat on this machine with this harness).
 */
export function floorRows(results) {
  return (results.floor?.steps ?? []).map((s) =>
    s.error
      ? [fmtCount(s.frameMs), `failed: ${s.error.split('\n')[0].slice(0, 60)}`, '', '', '', '', '']
      : [fmtCount(s.frameMs), fmt(s.ackMs?.p50), fmt(s.ackMs?.p99), fmt(s.deltaMs?.p50), fmt(s.deltaMs?.p99), fmt(s.acksPerSec), s.harnessSaturated ? 'yes' : 'no'],
  );
}

/** A Markdown table with padded columns (readable in a terminal, pasteable into docs). */
export function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** How the run was laid out: `1 gateway, unpinned` or `2 gateways, harness on CPU 1, apps on CPU 0`. */
export function layoutLine({ gateways = 1, pin = null } = {}) {
  const gw = `${gateways} gateway${gateways === 1 ? '' : 's'}`;
  if (pin?.pinned) return `${gw}, harness on CPU ${pin.harness}, apps on CPU ${pin.apps}`;
  return `${gw}, ${pin?.requested ? 'unpinned (--pin could not pin)' : 'unpinned'}`;
}

/** A load step's CPU (cpu.mjs) in one line: each app's share of a core and ms per 1,000 acked intents; the machine's busy and steal shares. */
export function cpuLine(cpu) {
  if (!cpu) return '';
  const pct = (x) => `${Math.round(x * 100)} %`;
  const apps = Object.entries(cpu.apps).map(([name, a]) => `${name} ${pct(a.cores)} of a core (${fmt(a.msPer1000Acked)} ms per 1,000 acked)`);
  const machine = cpu.machine ? `; machine ${pct(cpu.machine.busy)} busy, ${pct(cpu.machine.steal)} stolen` : '';
  return `${apps.join(', ')}${machine}`;
}

/** The whole printed block: the table and, under it, what did not run or ran saturated. */
export function formatResults(results, meta) {
  const header = ['figure', 'TileMUD', 'Colyseus', 'ratio T/C', 'target (issue #16)'];
  const notes = meta.pin?.note ? [`--pin: ${meta.pin.note}`] : [];
  for (const [job, r] of Object.entries(results)) {
    if (r?.skipped) notes.push(`${job}: skipped (${r.skipped})`);
    if (r?.error) notes.push(`${job}: failed (${r.error.split('\n')[0]})`);
    if (r?.harnessSaturated) notes.push(`${job}: the load harness was saturated (its own queueing is in the figures)`);
    // A step is named by its label (the floor's frame interval) or its offered load.
    const step = (s) => s.label ?? `${s.offeredPerSec}/s`;
    for (const s of r?.steps ?? []) if (s.harnessSaturated) notes.push(`${job} ${step(s)}: the load harness was saturated`);
    const cpu = cpuLine(r?.cpu);
    if (cpu) notes.push(`${job}: CPU over the drive: ${cpu}`);
    for (const s of r?.steps ?? []) if (s.cpu) notes.push(`${job} ${step(s)}: CPU over the drive: ${cpuLine(s.cpu)}`);
  }
  const head = `TileMUD bench ${meta.stamp} (${meta.quick ? 'quick' : 'full'}; ${meta.cpus} CPUs, load average ${meta.loadAverage}; ${layoutLine(meta)})`;
  const rows = tableRows(results);
  const floor = floorRows(results);
  const floorBlock = floor.length
    ? [
        '',
        `Floor: the same harness and workload (${fmtCount(results.floor.sessions)} × ${results.floor.rate}/s, one world) against a server that does nothing but the protocol`,
        '',
        formatTable(['frames every (ms)', 'ack p50 (ms)', 'ack p99 (ms)', 'delta p50 (ms)', 'delta p99 (ms)', 'acked/s', 'harness saturated'], floor),
      ]
    : [];
  return [head, ...(rows.length ? ['', formatTable(header, rows)] : []), ...floorBlock, ...(notes.length ? ['', ...notes.map((n) => `note: ${n}`)] : [])].join('\n');
}
