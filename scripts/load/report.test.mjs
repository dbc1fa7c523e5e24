// The report and the machine-readable result, built from a run object without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onMessage } from './frames.mjs';
import { parseOptions, UsageError } from './options.mjs';
import { buildReport, countMissingAcks, evaluate } from './report.mjs';
import { resultFigures } from './result.mjs';
import { createRun } from './run.mjs';

/** Two live sessions in one world, a 2 s drive: one applied and one rejected intent, one seen by the other client. */
function finishedRun(args = []) {
  const clock = { t: 0 };
  const run = createRun(parseOptions(['--sessions', '3', '--duration', '2', '--rate', '1', ...args]), { now: () => clock.t });
  const [a, b, c] = run.sessions;
  for (const s of [a, b]) {
    s.live = true;
    s.worldId = 'w';
    s.lastSeq = 10;
  }
  c.failed = true;
  run.setup = { ...run.setup, attempted: 3, live: 2, failed: 1, failuresByReason: { 'guest: HTTP 503': 1 } };
  run.phase = 'drive';
  run.mono.driveStart = 1_000;
  a.pending.set(1, { t: 1_100, worldId: 'w' });
  b.pending.set(1, { t: 1_200, worldId: 'w' }).set(2, { t: 2_900, worldId: 'w' });
  run.intents.sent = 3;
  run.drive.sent = 3;
  const frame = (s, msg, t) => onMessage(run, s, JSON.stringify(msg), t);
  frame(a, { type: 'event.ack', intentSeq: 1, status: 'applied', seq: 11 }, 1_110);
  frame(b, { type: 'event.state_delta', worldId: 'w', prevSeq: 10, seq: 11, changes: [{}] }, 1_130);
  frame(b, { type: 'event.ack', intentSeq: 1, status: 'rejected', error: { code: 'TILE_OCCUPIED' } }, 1_220);
  run.mono.driveEnd = 3_000;
  run.phase = 'closing';
  run.times.endedAt = new Date();
  return run;
}

const extras = (run) => ({ driveCpu: { user: 100_000, system: 100_000 }, driveLoop: null, closing: { closed: 2, terminatedAfterWait: 0 }, missingAcks: countMissingAcks(run) });

test('buildReport: counts, latencies and rates over the drive window', () => {
  const run = finishedRun();
  const r = buildReport(run, extras(run));
  assert.equal(r.tool, 'tilemud-load');
  assert.equal(r.parameters.sessions, 3);
  assert.equal(r.setup.notAttempted, 0);
  assert.equal(r.setup.failureRate, 0.33333);
  assert.equal(r.intents.expected, 4);
  assert.deepEqual(r.intents.missingAcks, { total: 1, onOpenSockets: 1, onClosedSockets: 0 });
  assert.deepEqual(r.intents.ackByStatus, { applied: 1, rejected: 1, duplicate: 0 });
  assert.equal(r.latencyMs.intentToAck.count, 2);
  assert.equal(r.latencyMs.intentToAckApplied.p50, 10);
  assert.equal(r.latencyMs.intentToAckRejected.p50, 20);
  assert.equal(r.latencyMs.intentToDeltaOtherClients.count, 1);
  assert.equal(r.latencyMs.intentToDeltaOtherClients.p99, 30);
  assert.equal(r.throughput.windowSeconds, 2);
  assert.equal(r.throughput.liveSessions, 2);
  assert.equal(r.throughput.worlds, 1);
  assert.equal(r.throughput.intentsSentPerSec, 1.5);
  assert.equal(r.throughput.acksPerSec, 1);
  assert.deepEqual(r.throughput.deltaFramesPerClientPerSec, { mean: 0.25, min: 0, p50: 0, max: 0.5 });
  assert.equal(r.errors.missingAcks, 1);
  assert.equal(r.errors.setupFailed, 1);
  assert.equal(r.harness.cpuDuringDrive.percentOfOneCore, 10);
  assert.equal(r.harness.saturated, false);
  assert.equal(r.times.driveStartedAt, null);
  // JSON all the way down.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('evaluate: setup failures above 1% fail the run; a smoke run also needs every answer', () => {
  const run = finishedRun();
  const r = buildReport(run, extras(run));
  assert.deepEqual(evaluate(r, run.opts), ['setup failed for 33.33% of sessions (limit 1%)']);
  const smoke = finishedRun(['--smoke']);
  assert.deepEqual(evaluate(buildReport(smoke, extras(smoke)), smoke.opts), [
    'setup failed for 33.33% of sessions (limit 1%)',
    'smoke: not every session came up',
    'smoke: not every intent was answered',
  ]);
});

test('resultFigures: the headline figures of a report', () => {
  const run = finishedRun();
  const r = buildReport(run, extras(run));
  r.problems = evaluate(r, run.opts);
  r.exitCode = 1;
  const f = resultFigures(r, '/tmp/report.json');
  assert.equal(f.tool, 'tilemud-load-result');
  assert.equal(f.ok, false);
  assert.deepEqual(f.sessions, { requested: 3, live: 2, failed: 1 });
  assert.equal(f.worlds, 1);
  assert.equal(f.durationSeconds, 2);
  assert.equal(f.intentsPerSec, 1.5);
  assert.deepEqual(f.ackMs, { count: 2, p50: 10, p95: 20, p99: 20 });
  assert.deepEqual(f.deltaMs, { count: 1, p50: 30, p95: 30, p99: 30 });
  assert.equal(f.errors.total, 2);
  assert.equal(f.errors.setupFailed, 1);
  assert.equal(f.errors.missingAcks, 1);
  assert.equal(f.report, '/tmp/report.json');
});

test('resultFigures of a run that never drove: null latencies, no rates', () => {
  const run = createRun(parseOptions(['--sessions', '1', '--duration', '1', '--rate', '1']));
  run.times.endedAt = new Date();
  const r = buildReport(run, { driveCpu: null, driveLoop: null, closing: { closed: 0, terminatedAfterWait: 0 }, missingAcks: countMissingAcks(run) });
  r.problems = [];
  r.exitCode = 0;
  const f = resultFigures(r, null);
  assert.deepEqual(f.ackMs, { count: 0, p50: null, p95: null, p99: null });
  assert.equal(f.intentsPerSec, null);
  assert.equal(f.worlds, 0);
  assert.equal(f.report, null);
});

test('options: --json is optional and needs a path', () => {
  const base = ['--sessions', '1', '--duration', '1', '--rate', '1'];
  assert.equal(parseOptions(base).json, null);
  assert.equal(parseOptions([...base, '--json', 'out/r.json']).json, 'out/r.json');
  assert.throws(() => parseOptions([...base, '--json', '']), UsageError);
  assert.throws(() => parseOptions([...base, '--json']), UsageError);
});
