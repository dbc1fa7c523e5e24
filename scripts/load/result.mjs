// The machine-readable result of a run (`--json PATH`): the headline figures of the report, flat
// and small, for a driver such as a benchmark that runs the harness as a child process.

const sum = (counts) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

const percentiles = (h) => ({ count: h.count, p50: h.p50, p95: h.p95, p99: h.p99 });

/** reportPath: where the full report was written (null when it could not be). */
export function resultFigures(report, reportPath) {
  const e = report.errors;
  const errors = {
    setupFailed: e.setupFailed,
    missingAcks: e.missingAcks,
    eventErrors: sum(e.eventErrorByCode),
    closes: sum(e.closesByCode),
    socketErrors: sum(e.socketErrors),
    gaps: e.gaps,
    malformedFrames: e.malformedFrames,
    versionMismatch: e.versionMismatch,
  };
  return {
    tool: 'tilemud-load-result',
    resultVersion: 1,
    ok: report.exitCode === 0,
    exitCode: report.exitCode,
    interrupted: report.interrupted,
    problems: report.problems,
    sessions: { requested: report.parameters.sessions, live: report.setup.live, failed: report.setup.failed },
    worlds: report.throughput.worlds,
    ratePerSession: report.parameters.ratePerSession,
    durationSeconds: report.throughput.windowSeconds,
    intentsPerSec: report.throughput.intentsSentPerSec,
    acksPerSec: report.throughput.acksPerSec,
    intents: { sent: report.intents.sent, acked: report.intents.acked, applied: report.intents.ackByStatus.applied, rejected: report.intents.ackByStatus.rejected },
    ackMs: percentiles(report.latencyMs.intentToAck),
    deltaMs: percentiles(report.latencyMs.intentToDeltaOtherClients),
    errors: { total: Object.values(errors).reduce((a, b) => a + b, 0), ...errors },
    harnessSaturated: report.harness.saturated,
    report: reportPath,
  };
}
