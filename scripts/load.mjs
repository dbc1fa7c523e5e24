#!/usr/bin/env node
// TileMUD load harness: N guest sessions over the public wire contract
// (/work/shared/spec/protocol.md), each sending intents at a fixed rate;
// measures intent→ack and intent→delta-at-other-clients latency, throughput
// and errors. Usage: `npm run load -- --help`.
//
// One process. Times come from performance.now() and are taken when a frame's
// 'message' handler starts, so they include this process's own queueing; the
// report's `harness` section (event-loop delay, CPU) says how busy it was.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Histogram } from './load/histogram.mjs';
import { parseOptions, USAGE, UsageError } from './load/options.mjs';
import { formatSummary } from './load/summary.mjs';

const PROTOCOL_VERSION = '1.0.0';
const CLIENT_VERSION = '1.0.0';
const HELLO = JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
const DIRECTIONS = ['north', 'south', 'east', 'west'];
const PROGRESS_EVERY_MS = 5_000;
const HOUSEKEEPING_EVERY_MS = 1_000;
/** An applied intent's send time is kept this long after its ack, for slow deltas. */
const SENT_RETENTION_MS = 60_000;
/** A delta-covered seq waits this long for the ack that names it, then counts as unmatched. */
const PENDING_RETENTION_MS = 15_000;
/** After the last ack, wait until no frame arrived for this long (within the grace) so late deltas count. */
const QUIET_MS = 250;
/** At most this many seqs are measured per delta frame. */
const MAX_COVER = 10_000;
/** Skip a send while this much is still queued on the socket. */
const MAX_BUFFERED_BYTES = 1 << 20;
const CLOSE_WAIT_MS = 2_000;
const LOOP_RESOLUTION_MS = 10;
/** At most this long waiting for quiet between setup and drive. */
const SETTLE_MAX_MS = 3_000;

// ---------------------------------------------------------------- options

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`load: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (opts === null) {
  console.log(USAGE);
  process.exit(0);
}

const base = new URL(opts.url);
const wsProtocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
const setupTimeoutMs = opts.setupTimeout * 1000;
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
if (!loopbackHosts.has(base.hostname)) {
  console.error(`load: note: ${base.origin} is not a loopback address; load only servers you run.`);
}

// ---------------------------------------------------------------- state

const now = () => performance.now();
const inc = (obj, key, n = 1) => {
  obj[key] = (obj[key] ?? 0) + n;
};

const setup = {
  attempted: 0,
  live: 0,
  failed: 0,
  failuresByReason: {},
  latency: { guest: new Histogram(), bootstrap: new Histogram(), websocket: new Histogram(), total: new Histogram() },
};
const intents = {
  sent: 0,
  sentByType: { move: 0, chat: 0 },
  skippedNotOpen: 0,
  skippedBackpressure: 0,
  acked: 0,
  ackByStatus: { applied: 0, rejected: 0, duplicate: 0 },
  rejectedByCode: {},
  duplicateByOriginalStatus: {},
  /** Intents answered by `event.error` (carrying their intentSeq) instead of an ack. */
  answeredByError: 0,
  answeredByErrorCode: {},
  acksAfterGrace: 0,
  unknownAcks: 0,
  appliedWithoutSeq: 0,
  /** Applied acks whose seq could not be attributed (world changed, e.g. a portal, or two intents named one seq). */
  unattributedSeqs: 0,
  seqCollisions: 0,
};
const latency = {
  ack: new Histogram(),
  ackApplied: new Histogram(),
  ackRejected: new Histogram(),
  delta: new Histogram(),
};
const deltas = {
  frames: 0,
  fullFrames: 0,
  changes: 0,
  gaps: 0,
  gapKinds: { missed: 0, overlap: 0, stale: 0 },
  beforeFullSnapshot: 0,
  otherWorld: 0,
  worldSwitches: 0,
  // Below, an arrival is one (covered seq, receiving client) pair.
  seqArrivals: 0,
  ownSeqArrivals: 0,
  resolvedAfterAck: 0,
  unmatchedArrivals: 0,
  ambiguousArrivals: 0,
  coverageTruncated: 0,
};
// Counted only while phase === 'drive', for rates.
const drive = { sent: 0, acks: 0, frames: 0, changes: 0, deltaSamples: 0 };
const errors = {
  eventErrorByCode: {},
  closesByCode: {},
  closesDuringDrive: 0,
  sessionTerminatedByReason: {},
  degraded: {},
  versionMismatch: 0,
  malformedFrames: 0,
  socketErrors: {},
  unknownMessageTypes: {},
};

/** worldId -> { sent: Map<seq, {t, sender, at}>, pending: Map<seq, [firstArrival, receiver, t, receiver, t, ...]> } */
const worlds = new Map();
function world(id) {
  let w = worlds.get(id);
  if (w === undefined) {
    w = { sent: new Map(), pending: new Map() };
    worlds.set(id, w);
  }
  return w;
}

let phase = 'setup'; // setup -> drive -> grace -> closing -> done
let stopping = false; // SIGINT
let interrupted = false;
let lastFrameAt = 0;
const measuring = () => phase === 'drive' || phase === 'grace';

const times = { startedAt: new Date(), setupEndedAt: null, driveStartedAt: null, driveEndedAt: null, measureEndedAt: null, endedAt: null };
const mono = { start: now(), setupEnd: 0, driveStart: 0, driveEnd: 0, measureEnd: 0 };

class Session {
  constructor(idx) {
    this.idx = idx;
    this.ws = null;
    this.playerId = null;
    this.characterId = null;
    this.worldId = null;
    this.lastSeq = null;
    this.intentSeq = 0;
    /** intentSeq -> { t, worldId } */
    this.pending = new Map();
    this.live = false;
    this.failed = false;
    this.closed = false;
    this.closedByHarness = false;
    this.gotHandshake = false;
    this.gotFull = false;
    this.onReady = null;
    this.onSetupFail = null;
    this.frames = 0;
    this.driveFrames = 0;
    this.timer = null;
  }
}
const sessions = Array.from({ length: opts.sessions }, (_, i) => new Session(i));

// ---------------------------------------------------------------- sleeping, interrupt

const sleepers = new Set();
function sleep(ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sleepers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    sleepers.add(done);
  });
}
function wakeAll() {
  for (const done of [...sleepers]) done();
}

const onInterrupt = () => {
  if (stopping) {
    console.error('load: second interrupt, exiting without a report');
    process.exit(130);
  }
  stopping = true;
  interrupted = true;
  console.error('load: interrupted; stopping, closing sockets and writing the report (interrupt again to quit now)');
  wakeAll();
};
process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);

// ---------------------------------------------------------------- inbound frames

function onMessage(s, data) {
  const t = now();
  lastFrameAt = t;
  let msg;
  try {
    msg = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    errors.malformedFrames++;
    return;
  }
  if (msg === null || typeof msg !== 'object') {
    errors.malformedFrames++;
    return;
  }
  switch (msg.type) {
    case 'event.state_delta':
      onDelta(s, msg, t);
      break;
    case 'event.ack':
      if (msg.ack === 'handshake') onHandshake(s, msg);
      else onAck(s, msg, t);
      break;
    case 'event.error':
      onEventError(s, msg);
      break;
    case 'event.degraded':
      inc(errors.degraded, `${msg.dependency}:${msg.status}`);
      break;
    case 'event.version_mismatch':
      errors.versionMismatch++;
      s.onSetupFail?.(new SetupError('version_mismatch'));
      break;
    case 'event.session_terminated':
      inc(errors.sessionTerminatedByReason, String(msg.reason));
      break;
    case 'pong':
      break;
    default:
      inc(errors.unknownMessageTypes, String(msg.type));
  }
}

function onHandshake(s, msg) {
  s.gotHandshake = true;
  if (s.worldId === null && typeof msg.worldId === 'string') s.worldId = msg.worldId;
  if (s.gotFull) s.onReady?.();
}

function onDelta(s, msg, t) {
  const seq = msg.seq;
  const prev = msg.prevSeq;
  if (typeof seq !== 'number' || typeof prev !== 'number') {
    errors.malformedFrames++;
    return;
  }
  deltas.frames++;
  s.frames++;
  const inDrive = phase === 'drive';
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
  if (!measuring()) return;

  // Covered seqs: prevSeq < q <= seq, minus any this client already saw.
  let lo = prev > last ? prev : last;
  if (seq - lo > MAX_COVER) {
    deltas.coverageTruncated++;
    lo = seq - MAX_COVER;
  }
  const w = world(msg.worldId);
  for (let q = lo + 1; q <= seq; q++) coverSeq(w, q, s.idx, t);
}

function coverSeq(w, q, receiver, t) {
  deltas.seqArrivals++;
  const e = w.sent.get(q);
  if (e !== undefined) {
    if (e.sender === receiver) deltas.ownSeqArrivals++;
    else if (e.sender < 0) deltas.ambiguousArrivals++;
    else recordDelta(t - e.t);
    return;
  }
  // The ack naming this seq has not arrived (yet): park the arrival.
  const p = w.pending.get(q);
  if (p === undefined) w.pending.set(q, [t, receiver, t]);
  else p.push(receiver, t);
}

function recordDelta(ms) {
  latency.delta.record(ms);
  if (phase === 'drive') drive.deltaSamples++;
}

function registerSeq(worldId, seq, sendT, sender, t) {
  const w = world(worldId);
  const existing = w.sent.get(seq);
  if (existing !== undefined) {
    // Two applied intents named the same seq: neither can be attributed.
    intents.seqCollisions++;
    existing.sender = -1;
    return;
  }
  w.sent.set(seq, { t: sendT, sender, at: t });
  const p = w.pending.get(seq);
  if (p !== undefined) {
    w.pending.delete(seq);
    for (let i = 1; i < p.length; i += 2) {
      if (p[i] === sender) {
        deltas.ownSeqArrivals++;
      } else {
        deltas.resolvedAfterAck++;
        recordDelta(p[i + 1] - sendT);
      }
    }
  }
}

function onAck(s, msg, t) {
  const p = s.pending.get(msg.intentSeq);
  if (p === undefined) {
    intents.unknownAcks++;
    return;
  }
  s.pending.delete(msg.intentSeq);
  if (phase === 'closing' || phase === 'done') {
    intents.acksAfterGrace++; // already counted as missing
    return;
  }
  const dt = t - p.t;
  intents.acked++;
  if (phase === 'drive') drive.acks++;
  latency.ack.record(dt);
  switch (msg.status) {
    case 'applied':
      intents.ackByStatus.applied++;
      latency.ackApplied.record(dt);
      if (typeof msg.seq !== 'number') intents.appliedWithoutSeq++;
      else if (s.worldId !== p.worldId) intents.unattributedSeqs++;
      else registerSeq(p.worldId, msg.seq, p.t, s.idx, t);
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

function onEventError(s, msg) {
  const code = String(msg.error?.code ?? 'NO_ERROR_CODE');
  inc(errors.eventErrorByCode, code);
  if (typeof msg.intentSeq === 'number' && phase !== 'closing' && phase !== 'done' && s.pending.delete(msg.intentSeq)) {
    intents.answeredByError++;
    inc(intents.answeredByErrorCode, code);
  }
}

function onClose(s, code) {
  s.closed = true;
  if (s.timer !== null) {
    clearTimeout(s.timer);
    s.timer = null;
  }
  if (!s.closedByHarness) {
    inc(errors.closesByCode, String(code));
    if (s.live && measuring()) errors.closesDuringDrive++;
  }
  s.onSetupFail?.(new SetupError(`closed ${code}`));
}

// ---------------------------------------------------------------- setup

class SetupError extends Error {}

function failureReason(stage, err) {
  if (err instanceof SetupError) return `${stage}: ${err.message}`;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `${stage}: timeout`;
  const code = err?.cause?.code ?? err?.code;
  if (code) return `${stage}: ${code}`;
  return `${stage}: ${String(err?.message ?? err).slice(0, 120)}`;
}

async function postJson(pathname, body, token, okStatuses) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(new URL(pathname, base), {
    method: 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
    signal: AbortSignal.timeout(setupTimeoutMs),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // reported below
  }
  if (!okStatuses.includes(res.status)) {
    const code = json?.error?.code;
    throw new SetupError(`HTTP ${res.status}${code ? ` ${code}` : ''}`);
  }
  if (json === null || typeof json !== 'object') throw new SetupError(`HTTP ${res.status} without a JSON body`);
  return json;
}

function openSocket(s, wsPath, ticket) {
  return new Promise((resolve, reject) => {
    let url;
    try {
      url = new URL(wsPath, base);
    } catch {
      reject(new SetupError('bad ws.path'));
      return;
    }
    if (url.host !== base.host) {
      reject(new SetupError('ws.path names another host'));
      return;
    }
    url.protocol = wsProtocol;
    url.searchParams.set('ticket', ticket);

    let settled = false;
    const settle = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.onReady = null;
      s.onSetupFail = null;
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => settle(new SetupError(`timeout waiting for ${!s.ws || s.ws.readyState === WebSocket.CONNECTING ? 'upgrade' : s.gotHandshake ? 'full state_delta' : 'handshake ack'}`)),
      setupTimeoutMs,
    );
    s.onReady = () => settle(null);
    s.onSetupFail = (err) => settle(err);

    const ws = new WebSocket(url, {
      perMessageDeflate: opts.deflate,
      handshakeTimeout: setupTimeoutMs,
      followRedirects: false,
      // Frames are parsed as JSON anyway; a bad byte shows up as a malformed frame.
      skipUTF8Validation: true,
    });
    s.ws = ws;
    ws.on('open', () => ws.send(HELLO));
    ws.on('message', (data) => onMessage(s, data));
    ws.on('error', (err) => {
      const key = err?.code ?? String(err?.message ?? err).slice(0, 80);
      inc(errors.socketErrors, key);
      settle(new SetupError(key));
    });
    ws.on('close', (code) => onClose(s, code));
  });
}

async function setupSession(s) {
  const t0 = now();
  let stage = 'guest';
  try {
    const guest = await postJson('/api/auth/guest', undefined, null, [200, 201]);
    const t1 = now();
    setup.latency.guest.record(t1 - t0);
    if (typeof guest.accessToken !== 'string') throw new SetupError('no accessToken');
    s.playerId = guest.player?.id ?? null;
    s.accessToken = guest.accessToken;

    stage = 'bootstrap';
    const boot = await postJson('/api/session/bootstrap', { clientVersion: CLIENT_VERSION }, guest.accessToken, [200]);
    const t2 = now();
    setup.latency.bootstrap.record(t2 - t1);
    s.characterId = boot.character?.id ?? null;
    s.worldId = boot.world?.id ?? null;
    const ticket = boot.ws?.ticket;
    if (typeof ticket !== 'string') throw new SetupError('no ws.ticket');

    stage = 'websocket';
    if (stopping) throw new SetupError('interrupted');
    await openSocket(s, typeof boot.ws.path === 'string' ? boot.ws.path : '/ws', ticket);
    const t3 = now();
    setup.latency.websocket.record(t3 - t2);
    setup.latency.total.record(t3 - t0);
    s.live = true;
    setup.live++;
  } catch (err) {
    s.failed = true;
    setup.failed++;
    inc(setup.failuresByReason, failureReason(stage, err));
    if (s.ws && !s.closed) {
      s.closedByHarness = true;
      s.ws.terminate();
    }
  }
}

async function runSetup() {
  const n = opts.sessions;
  const rampMs = opts.ramp * 1000;
  const t0 = now();
  let next = 0;
  const worker = async () => {
    while (!stopping) {
      const i = next++;
      if (i >= n) return;
      if (rampMs > 0) {
        const wait = t0 + (i * rampMs) / n - now();
        if (wait > 0) await sleep(wait);
        if (stopping) return;
      }
      setup.attempted++;
      await setupSession(sessions[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, n) }, worker));
}

// ---------------------------------------------------------------- drive

function sendIntent(s) {
  const ws = s.ws;
  if (ws === null || ws.readyState !== WebSocket.OPEN) {
    intents.skippedNotOpen++;
    return;
  }
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    intents.skippedBackpressure++;
    return;
  }
  const n = ++s.intentSeq;
  let frame;
  if (opts.chat > 0 && Math.random() < opts.chat) {
    frame = `{"type":"intent.chat","intentSeq":${n},"payload":{"text":"load ${s.idx}-${n}","channel":"world"}}`;
    intents.sentByType.chat++;
  } else {
    frame = `{"type":"intent.move","intentSeq":${n},"payload":{"direction":"${DIRECTIONS[(Math.random() * 4) | 0]}"}}`;
    intents.sentByType.move++;
  }
  intents.sent++;
  if (phase === 'drive') drive.sent++;
  s.pending.set(n, { t: now(), worldId: s.worldId });
  ws.send(frame);
}

function schedule(s, due, periodMs, endAt) {
  if (due >= endAt) return;
  // Open loop on a fixed timeline: a late timer does not push later sends back.
  s.timer = setTimeout(() => {
    s.timer = null;
    if (stopping || s.closed) return;
    sendIntent(s);
    schedule(s, due + periodMs, periodMs, endAt);
  }, Math.max(0, due - now()));
}

async function runDrive() {
  const periodMs = 1000 / opts.rate;
  const endAt = mono.driveStart + opts.duration * 1000;
  for (const s of sessions) {
    if (s.live && !s.closed) schedule(s, mono.driveStart + Math.random() * periodMs, periodMs, endAt);
  }
  await sleep(endAt - now());
  // Sends due before endAt but not yet fired still go out (during the grace);
  // an interrupt cancels them.
  if (stopping) {
    for (const s of sessions) {
      if (s.timer !== null) {
        clearTimeout(s.timer);
        s.timer = null;
      }
    }
  }
}

/** Intents awaiting an answer on open sockets, plus sends still scheduled. */
function outstanding() {
  let n = 0;
  for (const s of sessions) if (!s.closed) n += s.pending.size + (s.timer !== null ? 1 : 0);
  return n;
}

/** Lets the joins' deltas settle before the drive, so they are not taken for intents' events. */
async function settleBeforeDrive() {
  const deadline = now() + SETTLE_MAX_MS;
  while (!stopping && now() < deadline && now() - lastFrameAt < QUIET_MS) await sleep(QUIET_MS / 5);
}

async function runGrace() {
  const deadline = now() + opts.grace * 1000;
  while (!stopping && now() < deadline) {
    if (outstanding() === 0 && now() - lastFrameAt >= QUIET_MS) break;
    await sleep(Math.min(50, deadline - now()));
  }
}

// ---------------------------------------------------------------- housekeeping, progress

let peakRss = process.memoryUsage().rss;
function housekeeping() {
  const t = now();
  for (const w of worlds.values()) {
    for (const [q, e] of w.sent) {
      if (t - e.at <= SENT_RETENTION_MS) break;
      w.sent.delete(q);
    }
    for (const [q, p] of w.pending) {
      if (t - p[0] <= PENDING_RETENTION_MS) break;
      deltas.unmatchedArrivals += (p.length - 1) / 2;
      w.pending.delete(q);
    }
  }
  const rss = process.memoryUsage().rss;
  if (rss > peakRss) peakRss = rss;
}

const progressLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
progressLoop.enable();
function progress() {
  const secs = ((now() - mono.start) / 1000).toFixed(1).padStart(6);
  const pending = sessions.reduce((n, s) => n + s.pending.size, 0);
  const lagP99 = Math.max(0, progressLoop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS).toFixed(1);
  progressLoop.reset();
  console.log(
    `[${secs}s] ${phase.padEnd(7)} live ${setup.live}/${opts.sessions}` +
      (setup.failed ? ` failed ${setup.failed}` : '') +
      ` | sent ${intents.sent} acks ${intents.acked} pending ${pending}` +
      ` | deltas ${deltas.frames} samples ${latency.delta.count}` +
      ` | loop p99 ${lagP99} ms`,
  );
}

// ---------------------------------------------------------------- closing

async function closeAll() {
  const open = sessions.filter((s) => s.ws !== null && !s.closed);
  // The players quit (logout): their characters leave at once instead of staying for the resume
  // window, so that the next run starts from the same world as this one did.
  for (const s of open) s.closedByHarness = true;
  await Promise.all(open.map((s) => (s.accessToken ? postJson('/api/session/logout', undefined, s.accessToken, [204]).catch(() => undefined) : undefined)));
  for (const s of open) {
    s.closedByHarness = true;
    try {
      if (s.ws.readyState === WebSocket.CONNECTING) s.ws.terminate();
      else s.ws.close(1000, 'load test done');
    } catch {
      s.ws.terminate();
    }
  }
  const deadline = now() + CLOSE_WAIT_MS;
  while (now() < deadline && open.some((s) => !s.closed)) await sleep(50);
  let terminated = 0;
  for (const s of open) {
    if (!s.closed) {
      terminated++;
      s.ws.terminate();
    }
  }
  return { closed: open.length, terminatedAfterWait: terminated };
}

// ---------------------------------------------------------------- report

const round = (v, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10 ** d) / 10 ** d);
const perSec = (n, secs) => (secs > 0 ? round(n / secs, 2) : null);

function roundSummary(summary) {
  const out = {};
  for (const [k, v] of Object.entries(summary)) out[k] = typeof v === 'number' && k !== 'count' ? round(v) : v;
  return out;
}

/** Intents still unanswered at the end of the grace period. */
function countMissingAcks() {
  let onOpenSockets = 0;
  let onClosedSockets = 0;
  for (const s of sessions) {
    if (s.closed) onClosedSockets += s.pending.size;
    else onOpenSockets += s.pending.size;
  }
  return { total: onOpenSockets + onClosedSockets, onOpenSockets, onClosedSockets };
}

function buildReport({ driveCpu, driveLoop, closing, missingAcks }) {
  const windowSecs = mono.driveEnd > mono.driveStart ? (mono.driveEnd - mono.driveStart) / 1000 : 0;
  const liveAtDrive = sessions.filter((s) => s.live);
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
      sessions: opts.sessions,
      durationSeconds: opts.duration,
      ratePerSession: opts.rate,
      chatProbability: opts.chat,
      rampSeconds: opts.ramp,
      setupConcurrency: opts.concurrency,
      graceSeconds: opts.grace,
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
    interrupted,
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
      eventLoopDelayMsDuringDrive: driveLoop
        ? { mean: loopMs(driveLoop.mean), p50: loopMs(driveLoop.percentile(50)), p99: loopMs(driveLoop.percentile(99)), max: loopMs(driveLoop.max) }
        : null,
      cpuDuringDrive: driveCpu
        ? { userMs: round(driveCpu.user / 1000), systemMs: round(driveCpu.system / 1000), percentOfOneCore: windowSecs > 0 ? round((cpuMs / (windowSecs * 1000)) * 100, 1) : null }
        : null,
      peakRssBytes: peakRss,
      saturated: driveLoop ? driveLoop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS > 50 || (windowSecs > 0 && cpuMs / (windowSecs * 1000) > 0.9) : false,
    },
  };
}

function evaluate(report) {
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

// ---------------------------------------------------------------- main

async function main() {
  const housekeepingTimer = setInterval(housekeeping, HOUSEKEEPING_EVERY_MS);
  const progressTimer = setInterval(progress, PROGRESS_EVERY_MS);
  console.log(
    `load: ${opts.sessions} sessions, ${opts.duration} s at ${opts.rate}/s each, chat ${opts.chat}` +
      `${opts.ramp ? `, ramp ${opts.ramp} s` : ''} -> ${opts.url}${opts.smoke ? ' (smoke)' : ''}`,
  );

  await runSetup();
  mono.setupEnd = now();
  times.setupEndedAt = new Date();
  console.log(`load: setup done in ${((mono.setupEnd - mono.start) / 1000).toFixed(1)} s: ${setup.live} live, ${setup.failed} failed`);

  let driveCpu = null;
  let driveLoop = null;
  if (setup.live > 0) await settleBeforeDrive();
  if (setup.live > 0 && !stopping) {
    driveLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    driveLoop.enable();
    const cpu0 = process.cpuUsage();
    phase = 'drive';
    mono.driveStart = now();
    times.driveStartedAt = new Date();
    await runDrive();
    mono.driveEnd = now();
    times.driveEndedAt = new Date();
    driveCpu = process.cpuUsage(cpu0);
    driveLoop.disable();
    phase = 'grace';
    await runGrace();
  }
  mono.measureEnd = now();
  times.measureEndedAt = new Date();
  phase = 'closing';
  const missingAcks = countMissingAcks();

  // Deltas whose seq no ack ever named.
  for (const w of worlds.values()) {
    for (const p of w.pending.values()) deltas.unmatchedArrivals += (p.length - 1) / 2;
    w.pending.clear();
  }

  const closing = await closeAll();
  clearInterval(housekeepingTimer);
  clearInterval(progressTimer);
  progressLoop.disable();
  housekeeping();
  phase = 'done';
  times.endedAt = new Date();

  const report = buildReport({ driveCpu, driveLoop, closing, missingAcks });
  const problems = evaluate(report);
  report.problems = problems;
  report.exitCode = interrupted ? 130 : problems.length ? 1 : 0;

  const reportPath = path.resolve(opts.report);
  try {
    fs.mkdirSync(path.dirname(reportPath), { recursive: true });
    fs.writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  } catch (err) {
    console.error(`load: could not write the report to ${reportPath}: ${err.message}`);
  }
  const shownPath = path.relative(process.cwd(), reportPath);
  console.log(formatSummary(report, shownPath.startsWith('..') ? reportPath : shownPath));
  process.exitCode = report.exitCode;
  // Let stdout drain and exit naturally; force it if a handle lingers.
  setTimeout(() => process.exit(process.exitCode), 3_000).unref();
}

main().catch((err) => {
  console.error('load: harness failure:', err);
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 1_000).unref();
});
