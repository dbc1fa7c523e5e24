// Human-readable summary of a load report (the JSON that scripts/load.mjs writes).

const ms = (v) => (v === null || v === undefined ? '-' : v.toFixed(2));
const int = (v) => (v === null || v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));
const rate = (v) => (v === null || v === undefined ? '-' : `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })}/s`);
const pct = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

function counts(obj) {
  const entries = Object.entries(obj ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, n]) => `${k} ${int(n)}`).join(', ') : 'none';
}

function latencyRow(label, h) {
  return [label.padEnd(32), int(h.count).padStart(11), ...[h.p50, h.p95, h.p99, h.max].map((v) => ms(v).padStart(10))].join('');
}

export function formatSummary(r, reportPath) {
  const p = r.parameters;
  const i = r.intents;
  const t = r.throughput;
  const e = r.errors;
  const d = r.deltas;
  const lines = [];
  lines.push('');
  lines.push(
    `TileMUD load: ${p.url}  sessions ${p.sessions}  duration ${p.durationSeconds} s  rate ${p.ratePerSession}/s/session  chat ${p.chatProbability}` +
      (p.rampSeconds ? `  ramp ${p.rampSeconds} s` : '') +
      (r.interrupted ? '  (INTERRUPTED)' : ''),
  );
  lines.push(
    `setup: ${r.setup.live}/${p.sessions} live, ${r.setup.failed} failed (${(r.setup.failureRate * 100).toFixed(2)}%) in ${r.times.setupSeconds} s;` +
      ` per session p50 ${ms(r.setup.latencyMs.total.p50)} ms, p99 ${ms(r.setup.latencyMs.total.p99)} ms`,
  );
  lines.push('');
  lines.push(['latency (ms)'.padEnd(32), 'count'.padStart(11), ...['p50', 'p95', 'p99', 'max'].map((s) => s.padStart(10))].join(''));
  lines.push(latencyRow('intent -> ack (all)', r.latencyMs.intentToAck));
  lines.push(latencyRow('  applied', r.latencyMs.intentToAckApplied));
  lines.push(latencyRow('  rejected', r.latencyMs.intentToAckRejected));
  lines.push(latencyRow('intent -> delta (other clients)', r.latencyMs.intentToDeltaOtherClients));
  lines.push('');
  lines.push(`throughput over the ${t.windowSeconds} s drive (${t.liveSessions} sessions):`);
  lines.push(`  intents sent    ${rate(t.intentsSentPerSec)}  (${int(i.sent)} sent of ${int(i.expected)} planned; move ${int(i.sentByType.move)}, chat ${int(i.sentByType.chat)})`);
  lines.push(
    `  acks            ${rate(t.acksPerSec)}  (applied ${pct(i.ackByStatus.applied, i.acked)}, rejected ${pct(i.ackByStatus.rejected, i.acked)}, duplicate ${pct(i.ackByStatus.duplicate, i.acked)})`,
  );
  const pc = t.deltaFramesPerClientPerSec;
  lines.push(`  delta frames    ${rate(t.deltaFramesPerSec)} total; per client mean ${rate(pc.mean)} (min ${rate(pc.min)}, max ${rate(pc.max)})`);
  lines.push(`  changes         ${rate(t.changesPerSec)} total; ${rate(t.changesPerClientPerSec)} per client`);
  lines.push(`  delta samples   ${rate(t.deltaLatencySamplesPerSec)}`);
  lines.push('');
  lines.push(`rejected by code: ${counts(i.rejectedByCode)}`);
  if (i.answeredByError) lines.push(`intents answered by event.error: ${counts(i.answeredByErrorCode)}`);
  lines.push('errors:');
  lines.push(`  setup failures      ${r.setup.failed ? counts(r.setup.failuresByReason) : 'none'}`);
  lines.push(`  event.error         ${counts(e.eventErrorByCode)}`);
  lines.push(`  socket closes       ${counts(e.closesByCode)}${e.closesDuringDrive ? ` (${e.closesDuringDrive} during the drive)` : ''}`);
  lines.push(`  socket errors       ${counts(e.socketErrors)}`);
  lines.push(`  missing acks        ${int(i.missingAcks.total)}${i.missingAcks.onClosedSockets ? ` (${int(i.missingAcks.onClosedSockets)} on closed sockets)` : ''}`);
  lines.push(`  gaps                ${int(d.gaps)}${d.gaps ? ` (missed ${d.gapKinds.missed}, overlap ${d.gapKinds.overlap}, stale ${d.gapKinds.stale})` : ''}`);
  const other = {
    session_terminated: Object.values(e.sessionTerminatedByReason).reduce((a, b) => a + b, 0),
    'degraded events': Object.values(e.degraded).reduce((a, b) => a + b, 0),
    'version mismatch': e.versionMismatch,
    'malformed frames': e.malformedFrames,
    'unknown message types': Object.values(e.unknownMessageTypes).reduce((a, b) => a + b, 0),
    'unknown acks': i.unknownAcks,
    'unmatched delta arrivals': d.unmatchedArrivals,
    'skipped sends': i.skippedNotOpen + i.skippedBackpressure,
  };
  lines.push(`  other               ${counts(other)}`);
  const h = r.harness;
  if (h.eventLoopDelayMsDuringDrive) {
    lines.push('');
    lines.push(
      `harness: event-loop delay p99 ${ms(h.eventLoopDelayMsDuringDrive.p99)} ms (max ${ms(h.eventLoopDelayMsDuringDrive.max)}),` +
        ` CPU ${h.cpuDuringDrive?.percentOfOneCore ?? '-'}% of one core, peak RSS ${Math.round(h.peakRssBytes / 2 ** 20)} MiB` +
        ` on ${r.environment.cpus} CPUs, Node ${r.environment.node}`,
    );
    if (h.saturated) lines.push('WARNING: the harness itself was saturated; latencies include its own queueing. Use fewer sessions per process.');
  }
  if (r.problems?.length) {
    lines.push('');
    for (const problem of r.problems) lines.push(`FAIL: ${problem}`);
  }
  if (reportPath) lines.push(`report: ${reportPath}`);
  return lines.join('\n');
}
