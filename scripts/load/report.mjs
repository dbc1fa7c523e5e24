// The JSON report of a run (reportVersion 1, described in README.md), built from the run object
// once it is over, and the checks that decide the exit code.

import os from 'node:os';
import { LOOP_RESOLUTION_MS } from './lifecycle.mjs';
import { CLIENT_VERSION, PROTOCOL_VERSION } from './run.mjs';

export const round = (v, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10 ** d) / 10 ** d);
const perSec = (n, secs) => (secs > 0 ? round(n / secs, 2) : null);

function roundSummary(summary) {
  const out = {};
  for (const [k, v] of Object.entries(summary)) out[k] = typeof v === 'number' && k !== 'count' ? round(v) : v;
  return out;
}

/** Intents still unanswered at the end of the grace period. */
export function countMissingAcks(run) {
  let onOpenSockets = 0;
  let onClosedSockets = 0;
  for (const s of run.sessions) {
    if (s.closed) onClosedSockets += s.pending.size;
    else onOpenSockets += s.pending.size;
  }
  return { total: onOpenSockets + onClosedSockets, onOpenSockets, onClosedSockets };
}

/**
 * driveCpu: process.cpuUsage() over the drive; driveLoop: the event-loop delay histogram of the drive
 * (both null when there was no drive); closing: closeAll's answer; missingAcks: countMissingAcks's.
 */
export function buildReport(run, { driveCpu, driveLoop, closing, missingAcks }) {
  const { opts, times, mono, setup, intents, latency, deltas, drive, errors } = run;
  const windowSecs = mono.driveEnd > mono.driveStart ? (mono.driveEnd - mono.driveStart) / 1000 : 0;
  const liveAtDrive = run.sessions.filter((s) => s.live);
  const perClient = liveAtDrive.map((s) => (windowSecs > 0 ? s.driveFrames / windowSecs : 0)).sort((a, b) => a - b);

  const failureRate = setup.failed / opts.sessions;
  // monitorEventLoopDelay samples include its own timer period.
  const loopMs = (ns) => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS));
  const cpuMs = driveCpu ? (driveCpu.user + driveCpu.system) / 1000 : 0;

  const hist = (h) => roundSummary(h.summary({ buckets: true }));
  return {
    tool: 'tilemud-load',
    reportVersion: 1,
    parameters: {
      url: opts.url,
      urls: opts.urls,
      sessions: opts.sessions,
      durationSeconds: opts.duration,
      ratePerSession: opts.rate,
      chatProbability: opts.chat,
      rampSeconds: opts.ramp,
      setupConcurrency: opts.concurrency,
      graceSeconds: opts.grace,
      worlds: opts.worlds,
      setupTimeoutSeconds: opts.setupTimeout,
      permessageDeflate: opts.deflate,
      smoke: opts.smoke,
      protocolVersion: PROTOCOL_VERSION,
      clientVersion: CLIENT_VERSION,
    },
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      totalMemoryBytes: os.totalmem(),
      loadAverage: os.loadavg().map((v) => round(v, 2)),
    },
    times: {
      startedAt: times.startedAt.toISOString(),
      setupEndedAt: times.setupEndedAt?.toISOString() ?? null,
      driveStartedAt: times.driveStartedAt?.toISOString() ?? null,
      driveEndedAt: times.driveEndedAt?.toISOString() ?? null,
      measureEndedAt: times.measureEndedAt?.toISOString() ?? null,
      endedAt: times.endedAt.toISOString(),
      setupSeconds: round((mono.setupEnd - mono.start) / 1000),
      driveSeconds: round(windowSecs),
      graceSeconds: mono.measureEnd > mono.driveEnd ? round((mono.measureEnd - mono.driveEnd) / 1000) : 0,
    },
    interrupted: run.interrupted,
    setup: {
      attempted: setup.attempted,
      live: setup.live,
      failed: setup.failed,
      notAttempted: opts.sessions - setup.attempted,
      failureRate: round(failureRate, 5),
      failuresByReason: setup.failuresByReason,
      latencyMs: {
        guest: roundSummary(setup.latency.guest.summary()),
        bootstrap: roundSummary(setup.latency.bootstrap.summary()),
        websocket: roundSummary(setup.latency.websocket.summary()),
        total: roundSummary(setup.latency.total.summary()),
      },
    },
    intents: {
      expected: Math.round(setup.live * opts.duration * opts.rate),
      sent: intents.sent,
      sentByType: intents.sentByType,
      skippedNotOpen: intents.skippedNotOpen,
      skippedBackpressure: intents.skippedBackpressure,
      acked: intents.acked,
      ackByStatus: intents.ackByStatus,
      rejectedByCode: intents.rejectedByCode,
      duplicateByOriginalStatus: intents.duplicateByOriginalStatus,
      answeredByError: intents.answeredByError,
      answeredByErrorCode: intents.answeredByErrorCode,
      missingAcks,
      acksAfterGrace: intents.acksAfterGrace,
      unknownAcks: intents.unknownAcks,
      appliedWithoutSeq: intents.appliedWithoutSeq,
      unattributedSeqs: intents.unattributedSeqs,
      seqCollisions: intents.seqCollisions,
    },
    latencyMs: {
      intentToAck: hist(latency.ack),
      intentToAckApplied: hist(latency.ackApplied),
      intentToAckRejected: hist(latency.ackRejected),
      intentToDeltaOtherClients: hist(latency.delta),
    },
    deltas: { ...deltas, gapKinds: { ...deltas.gapKinds } },
    throughput: {
      windowSeconds: round(windowSecs),
      liveSessions: liveAtDrive.length,
      worlds: new Set(liveAtDrive.map((s) => s.worldId).filter((id) => id !== null)).size,
      intentsSentPerSec: perSec(drive.sent, windowSecs),
      acksPerSec: perSec(drive.acks, windowSecs),
      deltaFramesPerSec: perSec(drive.frames, windowSecs),
      deltaFramesPerClientPerSec: {
        mean: perClient.length ? round(perClient.reduce((a, b) => a + b, 0) / perClient.length, 2) : null,
        min: perClient.length ? round(perClient[0], 2) : null,
        p50: perClient.length ? round(perClient[Math.ceil(perClient.length / 2) - 1], 2) : null,
        max: perClient.length ? round(perClient[perClient.length - 1], 2) : null,
      },
      changesPerSec: perSec(drive.changes, windowSecs),
      changesPerClientPerSec: liveAtDrive.length ? perSec(drive.changes / liveAtDrive.length, windowSecs) : null,
      deltaLatencySamplesPerSec: perSec(drive.deltaSamples, windowSecs),
    },
    errors: {
      ...errors,
      gaps: deltas.gaps,
      missingAcks: missingAcks.total,
      setupFailed: setup.failed,
    },
    closing,
    harness: {
      eventLoopDelayMsDuringDrive: driveLoop ? { mean: loopMs(driveLoop.mean), p50: loopMs(driveLoop.percentile(50)), p99: loopMs(driveLoop.percentile(99)), max: loopMs(driveLoop.max) } : null,
      cpuDuringDrive: driveCpu
        ? { userMs: round(driveCpu.user / 1000), systemMs: round(driveCpu.system / 1000), percentOfOneCore: windowSecs > 0 ? round((cpuMs / (windowSecs * 1000)) * 100, 1) : null }
        : null,
      peakRssBytes: run.peakRss,
      saturated: driveLoop ? driveLoop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS > 50 || (windowSecs > 0 && cpuMs / (windowSecs * 1000) > 0.9) : false,
    },
  };
}

/** Why the run failed, if it did (an empty list: it passed). */
export function evaluate(report, opts) {
  const problems = [];
  if (report.setup.failureRate > 0.01) {
    problems.push(`setup failed for ${(report.setup.failureRate * 100).toFixed(2)}% of sessions (limit 1%)`);
  }
  if (opts.smoke) {
    if (report.setup.live !== opts.sessions) problems.push('smoke: not every session came up');
    if (report.intents.sent === 0) problems.push('smoke: no intent was sent');
    if (report.intents.acked + report.intents.answeredByError !== report.intents.sent) {
      problems.push('smoke: not every intent was answered');
    }
  }
  return problems;
}
