// Frame bookkeeping on a run object, without sockets: acks against intents, deltas against seqs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onClose, onMessage } from './frames.mjs';
import { parseOptions } from './options.mjs';
import { createRun } from './run.mjs';

const W = 'world-1';

/** A run of n sessions, all joined to W at seq 100, in the drive, on a clock the test sets. */
function drivingRun(n = 3) {
  const clock = { t: 0 };
  const run = createRun(parseOptions(['--sessions', String(n), '--duration', '1', '--rate', '1']), { now: () => clock.t });
  for (const s of run.sessions) {
    onMessage(run, s, JSON.stringify({ type: 'event.ack', ack: 'handshake', worldId: W }), 0);
    onMessage(run, s, JSON.stringify({ type: 'event.state_delta', full: true, worldId: W, seq: 100, prevSeq: 0, changes: [] }), 0);
  }
  run.phase = 'drive';
  return { run, clock };
}

const send = (s, intentSeq, t) => s.pending.set(intentSeq, { t, worldId: s.worldId });
const frame = (run, s, msg, t) => onMessage(run, s, JSON.stringify(msg), t);
const ack = (intentSeq, status, extra = {}) => ({ type: 'event.ack', ack: 'intent', intentSeq, status, ...extra });
const delta = (prevSeq, seq, changes = 1) => ({ type: 'event.state_delta', worldId: W, prevSeq, seq, changes: Array(changes).fill({}) });

test('a session is ready after both the handshake ack and the first full delta', () => {
  const run = createRun(parseOptions(['--sessions', '1', '--duration', '1', '--rate', '1']));
  const [s] = run.sessions;
  let ready = 0;
  s.onReady = () => ready++;
  frame(run, s, { type: 'event.state_delta', full: true, worldId: W, seq: 7, prevSeq: 0 }, 1);
  assert.equal(ready, 0);
  frame(run, s, { type: 'event.ack', ack: 'handshake', worldId: W }, 2);
  assert.equal(ready, 1);
  assert.equal(s.lastSeq, 7);
  assert.equal(s.worldId, W);
  assert.equal(run.lastFrameAt, 2);
});

test('given an intent sent at 10, when its ack arrives at 25, then intent -> ack is 15 ms', () => {
  const { run } = drivingRun();
  const [a] = run.sessions;
  send(a, 1, 10);
  frame(run, a, ack(1, 'applied', { seq: 101 }), 25);
  assert.equal(run.intents.acked, 1);
  assert.equal(run.drive.acks, 1);
  assert.equal(run.latency.ack.max, 15);
  assert.equal(run.latency.ackApplied.count, 1);
  assert.equal(a.pending.size, 0);
});

test("a delta after the ack gives one sample per other client; the sender's own is not a sample", () => {
  const { run } = drivingRun(3);
  const [a, b, c] = run.sessions;
  send(a, 1, 10);
  frame(run, a, ack(1, 'applied', { seq: 101 }), 20);
  frame(run, a, delta(100, 101), 30);
  frame(run, b, delta(100, 101), 40);
  frame(run, c, delta(100, 101), 50);
  assert.equal(run.latency.delta.count, 2);
  assert.equal(run.latency.delta.min, 30);
  assert.equal(run.latency.delta.max, 40);
  assert.equal(run.deltas.ownSeqArrivals, 1);
  assert.equal(run.deltas.seqArrivals, 3);
  assert.equal(run.drive.deltaSamples, 2);
  assert.equal(run.drive.changes, 3);
});

test('a delta before its ack is parked and resolved when the ack names its seq', () => {
  const { run } = drivingRun(2);
  const [a, b] = run.sessions;
  send(a, 1, 10);
  frame(run, b, delta(100, 101), 18);
  assert.equal(run.latency.delta.count, 0);
  assert.equal(run.worlds.get(W).pending.size, 1);
  frame(run, a, ack(1, 'applied', { seq: 101 }), 20);
  assert.equal(run.deltas.resolvedAfterAck, 1);
  assert.equal(run.latency.delta.max, 8);
  assert.equal(run.worlds.get(W).pending.size, 0);
});

test('rejected, duplicate, unknown and late acks are counted apart', () => {
  const { run } = drivingRun(1);
  const [a] = run.sessions;
  send(a, 1, 0);
  send(a, 2, 0);
  send(a, 3, 0);
  frame(run, a, ack(1, 'rejected', { error: { code: 'TILE_OCCUPIED' } }), 5);
  frame(run, a, ack(2, 'duplicate', { originalStatus: 'rejected' }), 5);
  frame(run, a, ack(9, 'applied', { seq: 101 }), 5);
  run.phase = 'closing';
  frame(run, a, ack(3, 'applied', { seq: 102 }), 5);
  assert.deepEqual(run.intents.ackByStatus, { applied: 0, rejected: 1, duplicate: 1 });
  assert.deepEqual(run.intents.rejectedByCode, { TILE_OCCUPIED: 1 });
  assert.deepEqual(run.intents.duplicateByOriginalStatus, { rejected: 1 });
  assert.equal(run.intents.unknownAcks, 1);
  assert.equal(run.intents.acksAfterGrace, 1);
  assert.equal(run.intents.acked, 2);
});

test('two applied intents naming one seq: a collision, and its arrivals are ambiguous', () => {
  const { run } = drivingRun(3);
  const [a, b, c] = run.sessions;
  send(a, 1, 0);
  send(b, 1, 0);
  frame(run, a, ack(1, 'applied', { seq: 101 }), 5);
  frame(run, b, ack(1, 'applied', { seq: 101 }), 5);
  frame(run, c, delta(100, 101), 9);
  assert.equal(run.intents.seqCollisions, 1);
  assert.equal(run.deltas.ambiguousArrivals, 1);
  assert.equal(run.latency.delta.count, 0);
});

test('gaps: missed, overlap and stale deltas', () => {
  const { run } = drivingRun(1);
  const [a] = run.sessions;
  frame(run, a, delta(102, 103), 1); // missed 101..102
  frame(run, a, delta(101, 105), 2); // overlaps 102..103
  frame(run, a, delta(100, 104), 3); // nothing new
  assert.equal(run.deltas.gaps, 3);
  assert.deepEqual(run.deltas.gapKinds, { missed: 1, overlap: 1, stale: 1 });
  assert.equal(a.lastSeq, 105);
  // Covered seqs: 103 from the first frame (101..102 never arrived), 104..105 from the second.
  assert.equal(run.deltas.seqArrivals, 3);
});

test('deltas outside the drive and grace move the seq but are not measured', () => {
  const { run } = drivingRun(1);
  run.phase = 'setup';
  const [a] = run.sessions;
  frame(run, a, delta(100, 101), 1);
  assert.equal(a.lastSeq, 101);
  assert.equal(run.deltas.seqArrivals, 0);
  assert.equal(run.drive.frames, 0);
});

test('event.error carrying an intentSeq answers that intent', () => {
  const { run } = drivingRun(1);
  const [a] = run.sessions;
  send(a, 1, 0);
  frame(run, a, { type: 'event.error', intentSeq: 1, error: { code: 'RATE_LIMITED' } }, 2);
  frame(run, a, { type: 'event.error', error: { code: 'INTERNAL' } }, 2);
  assert.equal(run.intents.answeredByError, 1);
  assert.deepEqual(run.intents.answeredByErrorCode, { RATE_LIMITED: 1 });
  assert.deepEqual(run.errors.eventErrorByCode, { RATE_LIMITED: 1, INTERNAL: 1 });
  assert.equal(a.pending.size, 0);
});

test('malformed, unknown and other frames are counted as errors', () => {
  const { run } = drivingRun(1);
  const [a] = run.sessions;
  onMessage(run, a, Buffer.from('not json'), 1);
  onMessage(run, a, 'null', 1);
  frame(run, a, { type: 'event.state_delta', seq: 'x', prevSeq: 1 }, 1);
  frame(run, a, { type: 'event.mystery' }, 1);
  frame(run, a, { type: 'event.degraded', dependency: 'nats', status: 'down' }, 1);
  frame(run, a, { type: 'event.session_terminated', reason: 'logout' }, 1);
  frame(run, a, { type: 'pong' }, 1);
  assert.equal(run.errors.malformedFrames, 3);
  assert.deepEqual(run.errors.unknownMessageTypes, { 'event.mystery': 1 });
  assert.deepEqual(run.errors.degraded, { 'nats:down': 1 });
  assert.deepEqual(run.errors.sessionTerminatedByReason, { logout: 1 });
});

test('a close the harness did not ask for is counted, during the drive apart', () => {
  const { run } = drivingRun(2);
  const [a, b] = run.sessions;
  a.live = true;
  b.closedByHarness = true;
  const failures = [];
  a.onSetupFail = (err) => failures.push(err.message);
  onClose(run, a, 4429);
  onClose(run, b, 1000);
  assert.deepEqual(run.errors.closesByCode, { 4429: 1 });
  assert.equal(run.errors.closesDuringDrive, 1);
  assert.deepEqual(failures, ['closed 4429']);
  assert.ok(a.closed && b.closed);
});

test("with an area of interest, a sample is taken only where the frame carries the sender's change", () => {
  const { run } = drivingRun(3);
  const [a, b, c] = run.sessions;
  a.characterId = 'ca';
  b.characterId = 'cb';
  c.characterId = 'cc';
  const moveOfA = { op: 'character.moved', id: 'ca', x: 1, y: 1, facing: 'north' };
  send(a, 1, 10);
  frame(run, a, ack(1, 'applied', { seq: 101 }), 20);
  frame(run, b, { ...delta(100, 101), changes: [moveOfA] }, 30); // b sees a
  frame(run, c, { ...delta(100, 101), changes: [{ op: 'character.moved', id: 'cb', x: 5, y: 5, facing: 'south' }] }, 40); // c does not
  assert.equal(run.latency.delta.count, 1);
  assert.equal(run.latency.delta.max, 20);
  assert.equal(run.deltas.arrivalsWithoutChange, 1);

  // Parked before the ack: the same rule when the ack names the seq.
  send(a, 2, 50);
  frame(run, b, { ...delta(101, 102), changes: [{ op: 'character.joined', character: { id: 'ca' }, view: true }] }, 55);
  frame(run, c, { ...delta(101, 102), changes: [{ op: 'chat.message', message: { from: { id: 'cb' } } }] }, 56);
  frame(run, a, ack(2, 'applied', { seq: 102 }), 60);
  assert.equal(run.latency.delta.count, 2);
  assert.equal(run.latency.delta.max, 20);
  assert.equal(run.deltas.arrivalsWithoutChange, 2);
  assert.equal(run.deltas.resolvedAfterAck, 1);
});

test("a frame skipping ahead from the client's own seq is no gap, and is counted as skipping", () => {
  const { run } = drivingRun(2);
  const [a, b] = run.sessions;
  frame(run, a, delta(100, 101), 1);
  frame(run, a, delta(101, 103), 2);
  frame(run, b, delta(100, 103), 3); // b's share of 100..101 and 101..103: it got nothing before 103
  frame(run, b, delta(103, 104, 0), 4); // a seq-only frame (idle)
  assert.equal(run.deltas.gaps, 0);
  assert.equal(run.deltas.skippingFrames, 1);
  assert.equal(run.deltas.seqOnlyFrames, 1);
  assert.equal(b.lastSeq, 104);
});
