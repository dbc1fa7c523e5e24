// End-to-end checks of scripts/load.mjs against the in-process mock gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMockServer } from './mock-server.mjs';
import { formatSummary } from './summary.mjs';

const script = fileURLToPath(new URL('../load.mjs', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tilemud-load-test-'));

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function withMock(options, fn) {
  const mock = createMockServer(options);
  const url = await mock.listen(0);
  try {
    return await fn(url, mock);
  } finally {
    await mock.close();
  }
}

test('--smoke runs end to end and writes a complete report', async () => {
  await withMock({ rejectEvery: 2, deltaFirstEvery: 2 }, async (url) => {
    const report = path.join(tmp, 'nested', 'smoke.json');
    const result = path.join(tmp, 'nested', 'smoke-result.json');
    const { code, out, err } = await run(['--smoke', '--url', url, '--report', report, '--chat', '0.2', '--json', result]);
    assert.equal(code, 0, out + err);
    assert.match(out, /intent -> ack/);
    assert.match(out, /intent -> delta \(other clients\)/);
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    assert.equal(r.parameters.sessions, 2);
    assert.equal(r.parameters.durationSeconds, 3);
    assert.equal(r.parameters.ratePerSession, 2);
    assert.equal(r.setup.live, 2);
    assert.equal(r.setup.failed, 0);
    assert.ok(r.intents.sent >= 10 && r.intents.sent <= 14, `sent ${r.intents.sent}`);
    assert.equal(r.intents.acked, r.intents.sent);
    assert.equal(r.intents.missingAcks.total, 0);
    const { applied, rejected } = r.intents.ackByStatus;
    assert.equal(applied + rejected, r.intents.acked);
    assert.ok(rejected > 0, 'the mock rejects every 2nd move');
    assert.equal(
      Object.values(r.intents.rejectedByCode).reduce((a, b) => a + b, 0),
      rejected,
    );
    assert.equal(r.latencyMs.intentToAck.count, r.intents.acked);
    // Two sessions: each applied intent reaches exactly one other client.
    assert.equal(r.latencyMs.intentToDeltaOtherClients.count, applied);
    assert.ok(r.deltas.resolvedAfterAck > 0, 'some deltas arrived before their ack');
    assert.equal(r.deltas.gaps, 0);
    assert.deepEqual(r.errors.closesByCode, {});
    assert.equal(r.closing.closed, 2);
    assert.equal(r.environment.node, process.version);
    assert.ok(r.environment.cpus >= 1 && r.environment.totalMemoryBytes > 0);
    assert.ok(Date.parse(r.times.startedAt) <= Date.parse(r.times.endedAt));
    assert.equal(r.exitCode, 0);
    // The headline figures, for a benchmark driver.
    const f = JSON.parse(fs.readFileSync(result, 'utf8'));
    assert.equal(f.ok, true);
    assert.deepEqual(f.sessions, { requested: 2, live: 2, failed: 0 });
    assert.equal(f.worlds, 1);
    assert.equal(f.ackMs.p99, r.latencyMs.intentToAck.p99);
    assert.equal(f.deltaMs.p50, r.latencyMs.intentToDeltaOtherClients.p50);
    assert.equal(f.intentsPerSec, r.throughput.intentsSentPerSec);
    assert.equal(f.errors.total, 0);
    assert.equal(f.report, report);
    // The summary renders from the JSON alone.
    assert.match(formatSummary(r), /throughput over/);
  });
});

test('--url a,b spreads the sessions over two servers, each session staying on its own', async () => {
  await withMock({}, (urlA, mockA) =>
    withMock({}, async (urlB, mockB) => {
      const report = path.join(tmp, 'two.json');
      const { code, out, err } = await run(['--sessions', '4', '--duration', '1', '--rate', '2', '--url', `${urlA},${urlB}`, '--report', report]);
      assert.equal(code, 0, out + err);
      const r = JSON.parse(fs.readFileSync(report, 'utf8'));
      assert.deepEqual(r.parameters.urls, [urlA, urlB]);
      assert.equal(r.setup.live, 4);
      assert.equal(r.intents.acked, r.intents.sent);
      // Guest, bootstrap, socket and intents of each session went to one server: two each.
      assert.equal(mockA.stats().guests, 2);
      assert.equal(mockB.stats().guests, 2);
      assert.ok(mockA.stats().moves > 0 && mockB.stats().moves > 0);
    }),
  );
});

test('setup failing for more than 1% of sessions exits 1', async () => {
  await withMock({ failGuestEvery: 2 }, async (url) => {
    const report = path.join(tmp, 'fail.json');
    const { code, out } = await run(['--sessions', '4', '--duration', '0.5', '--rate', '2', '--url', url, '--report', report]);
    assert.equal(code, 1, out);
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    assert.equal(r.setup.failed, 2);
    assert.equal(r.setup.live, 2);
    assert.equal(r.setup.failuresByReason['guest: HTTP 503 CAPACITY_EXCEEDED'], 2);
    assert.match(out, /FAIL: setup failed for 50\.00% of sessions/);
  });
});

test('no server: every setup fails, the harness still reports', async () => {
  // Port of a server that has just been closed: nothing listens there.
  const mock = createMockServer();
  const url = await mock.listen(0);
  await mock.close();
  const report = path.join(tmp, 'down.json');
  const { code } = await run(['--sessions', '3', '--duration', '1', '--rate', '1', '--url', url, '--report', report]);
  assert.equal(code, 1);
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  assert.equal(r.setup.failed, 3);
  assert.equal(r.intents.sent, 0);
  assert.equal(r.times.driveStartedAt, null);
  assert.ok(Object.keys(r.setup.failuresByReason)[0].startsWith('guest: '));
});

test('refused intents, a server-closed socket and missing acks are counted', async () => {
  await withMock({ rateLimitEvery: 5, closeFirstAfter: 3 }, async (url) => {
    const report = path.join(tmp, 'errors.json');
    const { code, out } = await run(['--sessions', '3', '--duration', '2', '--rate', '4', '--url', url, '--report', report, '--grace', '0.5']);
    assert.equal(code, 0, out); // setup went fine
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    assert.equal(r.errors.closesByCode['4429'], 1);
    assert.equal(r.errors.closesDuringDrive, 1);
    assert.ok(r.intents.answeredByErrorCode.RATE_LIMITED > 0);
    assert.equal(r.errors.eventErrorByCode.RATE_LIMITED, r.intents.answeredByError);
    // The 4th intent of the closed session was never answered.
    assert.equal(r.intents.missingAcks.onClosedSockets, 1);
    assert.equal(r.intents.acked + r.intents.answeredByError + r.intents.missingAcks.total, r.intents.sent);
    assert.match(out, /socket closes {7}4429 1 \(1 during the drive\)/);
  });
});

test('an interrupt stops the run, still writes the report and exits 130', async () => {
  await withMock({}, async (url) => {
    const report = path.join(tmp, 'interrupted.json');
    const child = spawn(process.execPath, [script, '--sessions', '2', '--duration', '60', '--rate', '2', '--url', url, '--report', report], { stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (/setup done/.test(out)) setTimeout(() => child.kill('SIGINT'), 800);
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 130);
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    assert.equal(r.interrupted, true);
    assert.ok(r.times.driveSeconds < 10);
    assert.equal(r.closing.closed, 2);
  });
});

test('bad arguments exit 2 with usage', async () => {
  const { code, err } = await run(['--sessions', '0', '--duration', '1', '--rate', '1']);
  assert.equal(code, 2);
  assert.match(err, /--sessions must be/);
  const missing = await run(['--sessions', '2']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--duration is required/);
});

test('frameMs: the mock gathers changes into one frame per interval (the bench floor), chained without a gap', async () => {
  await withMock({ rejectEvery: 0, deltaFirstEvery: 0, commitDelayMs: 0, frameMs: 200 }, async (url, mock) => {
    const report = path.join(tmp, 'framed.json');
    const { code, out, err } = await run(['--url', url, '--sessions', '5', '--rate', '10', '--duration', '2', '--grace', '2', '--chat', '0', '--report', report]);
    assert.equal(code, 0, out + err);
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    assert.equal(r.intents.missingAcks.total, 0);
    assert.equal(r.deltas.gaps, 0);
    // Answered in the turn they arrive: every intent acked, and the changes of many in each frame.
    assert.equal(r.intents.acked, r.intents.sent);
    const applied = r.intents.ackByStatus.applied;
    assert.ok(applied > 50, `applied ${applied}`);
    const framesPerClient = r.deltas.frames / 5;
    assert.ok(framesPerClient < applied / 3, `${framesPerClient} frames per client for ${applied} changes`);
    // Each client sees every other client's applied changes (every frame goes to everyone).
    assert.ok(r.latencyMs.intentToDeltaOtherClients.count >= applied * 4 * 0.9, `${r.latencyMs.intentToDeltaOtherClients.count} samples`);
    assert.equal(mock.stats().seq - 100, applied + 10); // one change per applied intent, one per join and one per leave
  });
});
