// What the harness does with each frame a session receives: acks are matched to the intents they
// answer (intent -> ack latency), and each delta's covered seqs to the intents that caused them
// (intent -> delta at other clients: a sample at each client whose frame carries the sender's
// change, since with an area of interest a client is sent only what it sees, and frames holding
// nothing for it are skipped). Pure bookkeeping on the run object; `t` is the arrival time.

import { inc, measuring, worldOf } from './run.mjs';
import { SetupError } from './session.mjs';

/** At most this many seqs are measured per delta frame. */
export const MAX_COVER = 10_000;

export function onMessage(run, s, data, t = run.now()) {
  run.lastFrameAt = t;
  let msg;
  try {
    msg = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    run.errors.malformedFrames++;
    return;
  }
  if (msg === null || typeof msg !== 'object') {
    run.errors.malformedFrames++;
    return;
  }
  switch (msg.type) {
    case 'event.state_delta':
      onDelta(run, s, msg, t);
      break;
    case 'event.ack':
      if (msg.ack === 'handshake') onHandshake(s, msg);
      else onAck(run, s, msg, t);
      break;
    case 'event.error':
      onEventError(run, s, msg);
      break;
    case 'event.degraded':
      inc(run.errors.degraded, `${msg.dependency}:${msg.status}`);
      break;
    case 'event.version_mismatch':
      run.errors.versionMismatch++;
      s.onSetupFail?.(new SetupError('version_mismatch'));
      break;
    case 'event.session_terminated':
      inc(run.errors.sessionTerminatedByReason, String(msg.reason));
      break;
    case 'pong':
      break;
    default:
      inc(run.errors.unknownMessageTypes, String(msg.type));
  }
}

function onHandshake(s, msg) {
  s.gotHandshake = true;
  if (s.worldId === null && typeof msg.worldId === 'string') s.worldId = msg.worldId;
  if (s.gotFull) s.onReady?.();
}

function onDelta(run, s, msg, t) {
  const { deltas, drive } = run;
  const seq = msg.seq;
  const prev = msg.prevSeq;
  if (typeof seq !== 'number' || typeof prev !== 'number') {
    run.errors.malformedFrames++;
    return;
  }
  deltas.frames++;
  s.frames++;
  const inDrive = run.phase === 'drive';
  if (inDrive) {
    drive.frames++;
    s.driveFrames++;
  }

  if (msg.full === true) {
    deltas.fullFrames++;
    if (s.gotFull && msg.worldId !== s.worldId) deltas.worldSwitches++;
    s.worldId = msg.worldId;
    s.lastSeq = seq;
    if (!s.gotFull) {
      s.gotFull = true;
      if (s.gotHandshake) s.onReady?.();
    }
    return;
  }

  const n = Array.isArray(msg.changes) ? msg.changes.length : 0;
  deltas.changes += n;
  if (inDrive) drive.changes += n;

  if (s.lastSeq === null) {
    deltas.beforeFullSnapshot++;
    return;
  }
  if (msg.worldId !== s.worldId) {
    deltas.otherWorld++;
    return;
  }
  // The client's own chain: a frame starts at the client's last seq. One starting further on is
  // a hole; one whose range spans frames other clients got was skipped ahead to (area of interest:
  // the frames between held nothing for it), which is no gap.
  const last = s.lastSeq;
  if (prev !== last) {
    deltas.gaps++;
    if (seq <= last) {
      deltas.gapKinds.stale++;
      return; // nothing new in it
    }
    if (prev > last) deltas.gapKinds.missed++;
    else deltas.gapKinds.overlap++;
  }
  s.lastSeq = seq;
  const w = worldOf(run, msg.worldId);
  noteEnd(w, seq);
  if (n === 0) inc(deltas, 'seqOnlyFrames');
  if (!measuring(run)) return;

  // Covered seqs: prevSeq < q <= seq, minus any this client already saw.
  let lo = prev > last ? prev : last;
  if (seq - lo > MAX_COVER) {
    deltas.coverageTruncated++;
    lo = seq - MAX_COVER;
  }
  const carried = charactersIn(msg.changes);
  let skipped = false;
  for (let q = lo + 1; q <= seq; q++) {
    if (q < seq && w.ends.has(q)) skipped = true;
    coverSeq(run, w, q, s.idx, t, carried);
  }
  if (skipped) inc(deltas, 'skippingFrames');
}

/** Frame ends seen by any client of the world (the last ENDS_KEPT): a frame spanning one was skipped ahead to. */
const ENDS_KEPT = 100_000;
function noteEnd(w, seq) {
  if (w.ends === undefined) w.ends = new Set();
  w.ends.add(seq);
  if (w.ends.size <= ENDS_KEPT) return;
  let drop = ENDS_KEPT / 2;
  for (const e of w.ends) {
    if (drop-- <= 0) break;
    w.ends.delete(e);
  }
}

/** The characters whose changes a frame carries (the move's, the joiner's, the emote's, the chat line's author). */
export function charactersIn(changes) {
  const ids = new Set();
  if (!Array.isArray(changes)) return ids;
  for (const c of changes) {
    if (c === null || typeof c !== 'object') continue;
    const id = c.characterId ?? c.character?.id ?? c.message?.from?.id ?? c.id;
    if (typeof id === 'string') ids.add(id);
  }
  return ids;
}

/** Whether a frame carrying `carried` holds the change of the intent `sender` sent (unknown character: yes). */
function carries(run, sender, carried) {
  const id = run.sessions[sender]?.characterId;
  return typeof id !== 'string' || carried.has(id);
}

function coverSeq(run, w, q, receiver, t, carried) {
  const { deltas } = run;
  deltas.seqArrivals++;
  const e = w.sent.get(q);
  if (e !== undefined) {
    if (e.sender === receiver) deltas.ownSeqArrivals++;
    else if (e.sender < 0) deltas.ambiguousArrivals++;
    else if (!carries(run, e.sender, carried)) inc(deltas, 'arrivalsWithoutChange');
    else recordDelta(run, t - e.t);
    return;
  }
  // The ack naming this seq has not arrived (yet): park the arrival (lifecycle.mjs counts pairs).
  const p = w.pending.get(q);
  const at = { receiver, carried };
  if (p === undefined) w.pending.set(q, [t, at, t]);
  else p.push(at, t);
}

function recordDelta(run, ms) {
  run.latency.delta.record(ms);
  if (run.phase === 'drive') run.drive.deltaSamples++;
}

function registerSeq(run, worldId, seq, sendT, sender, t) {
  const w = worldOf(run, worldId);
  const existing = w.sent.get(seq);
  if (existing !== undefined) {
    // Two applied intents named the same seq: neither can be attributed.
    run.intents.seqCollisions++;
    existing.sender = -1;
    return;
  }
  w.sent.set(seq, { t: sendT, sender, at: t });
  const p = w.pending.get(seq);
  if (p !== undefined) {
    w.pending.delete(seq);
    for (let i = 1; i < p.length; i += 2) {
      if (p[i].receiver === sender) {
        run.deltas.ownSeqArrivals++;
      } else if (!carries(run, sender, p[i].carried)) {
        inc(run.deltas, 'arrivalsWithoutChange');
      } else {
        run.deltas.resolvedAfterAck++;
        recordDelta(run, p[i + 1] - sendT);
      }
    }
  }
}

function onAck(run, s, msg, t) {
  const { intents, latency } = run;
  const p = s.pending.get(msg.intentSeq);
  if (p === undefined) {
    intents.unknownAcks++;
    return;
  }
  s.pending.delete(msg.intentSeq);
  if (run.phase === 'closing' || run.phase === 'done') {
    intents.acksAfterGrace++; // already counted as missing
    return;
  }
  const dt = t - p.t;
  intents.acked++;
  if (run.phase === 'drive') run.drive.acks++;
  latency.ack.record(dt);
  switch (msg.status) {
    case 'applied':
      intents.ackByStatus.applied++;
      latency.ackApplied.record(dt);
      if (typeof msg.seq !== 'number') intents.appliedWithoutSeq++;
      else if (s.worldId !== p.worldId) intents.unattributedSeqs++;
      else registerSeq(run, p.worldId, msg.seq, p.t, s.idx, t);
      break;
    case 'rejected':
      intents.ackByStatus.rejected++;
      latency.ackRejected.record(dt);
      inc(intents.rejectedByCode, String(msg.error?.code ?? 'NO_ERROR_CODE'));
      break;
    case 'duplicate':
      intents.ackByStatus.duplicate++;
      inc(intents.duplicateByOriginalStatus, String(msg.originalStatus ?? 'applied'));
      break;
    default:
      inc(intents.ackByStatus, `other:${String(msg.status)}`);
  }
}

function onEventError(run, s, msg) {
  const code = String(msg.error?.code ?? 'NO_ERROR_CODE');
  inc(run.errors.eventErrorByCode, code);
  if (typeof msg.intentSeq === 'number' && run.phase !== 'closing' && run.phase !== 'done' && s.pending.delete(msg.intentSeq)) {
    run.intents.answeredByError++;
    inc(run.intents.answeredByErrorCode, code);
  }
}

export function onClose(run, s, code) {
  s.closed = true;
  if (s.timer !== null) {
    clearTimeout(s.timer);
    s.timer = null;
  }
  if (!s.closedByHarness) {
    inc(run.errors.closesByCode, String(code));
    if (s.live && measuring(run)) run.errors.closesDuringDrive++;
  }
  s.onSetupFail?.(new SetupError(`closed ${code}`));
}
