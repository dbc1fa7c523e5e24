// The drive: every live session sends an intent every 1000/rate ms on a fixed timeline, then the
// grace waits for the answers and the late deltas.

import WebSocket from 'ws';
import { sleep } from './lifecycle.mjs';

const DIRECTIONS = ['north', 'south', 'east', 'west'];
/** Skip a send while this much is still queued on the socket. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** After the last ack, wait until no frame arrived for this long (within the grace) so late deltas count. */
const QUIET_MS = 250;
/** At most this long waiting for quiet between setup and drive. */
const SETTLE_MAX_MS = 3_000;

/** Session idx's n-th intent: a chat with probability chat, otherwise a move; random() is the dice. */
export function intentFrame(idx, n, chat, random) {
  if (chat > 0 && random() < chat) {
    return { type: 'chat', frame: `{"type":"intent.chat","intentSeq":${n},"payload":{"text":"load ${idx}-${n}","channel":"world"}}` };
  }
  return { type: 'move', frame: `{"type":"intent.move","intentSeq":${n},"payload":{"direction":"${DIRECTIONS[(random() * 4) | 0]}"}}` };
}

export function sendIntent(run, s) {
  const { intents } = run;
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
  const { type, frame } = intentFrame(s.idx, n, run.opts.chat, run.random);
  intents.sentByType[type]++;
  intents.sent++;
  if (run.phase === 'drive') run.drive.sent++;
  s.pending.set(n, { t: run.now(), worldId: s.worldId });
  ws.send(frame);
}

function schedule(run, s, due, periodMs, endAt) {
  if (due >= endAt) return;
  // Open loop on a fixed timeline: a late timer does not push later sends back.
  s.timer = setTimeout(
    () => {
      s.timer = null;
      if (run.stopping || s.closed) return;
      sendIntent(run, s);
      schedule(run, s, due + periodMs, periodMs, endAt);
    },
    Math.max(0, due - run.now()),
  );
}

export async function runDrive(run) {
  const { opts, sessions } = run;
  const periodMs = 1000 / opts.rate;
  const endAt = run.mono.driveStart + opts.duration * 1000;
  for (const s of sessions) {
    if (s.live && !s.closed) schedule(run, s, run.mono.driveStart + run.random() * periodMs, periodMs, endAt);
  }
  await sleep(run, endAt - run.now());
  // Sends due before endAt but not yet fired still go out (during the grace);
  // an interrupt cancels them.
  if (run.stopping) {
    for (const s of sessions) {
      if (s.timer !== null) {
        clearTimeout(s.timer);
        s.timer = null;
      }
    }
  }
}

/** Intents awaiting an answer on open sockets, plus sends still scheduled. */
export function outstanding(run) {
  let n = 0;
  for (const s of run.sessions) if (!s.closed) n += s.pending.size + (s.timer !== null ? 1 : 0);
  return n;
}

/** Lets the joins' deltas settle before the drive, so they are not taken for intents' events. */
export async function settleBeforeDrive(run) {
  const deadline = run.now() + SETTLE_MAX_MS;
  while (!run.stopping && run.now() < deadline && run.now() - run.lastFrameAt < QUIET_MS) await sleep(run, QUIET_MS / 5);
}

export async function runGrace(run) {
  const deadline = run.now() + run.opts.grace * 1000;
  while (!run.stopping && run.now() < deadline) {
    if (outstanding(run) === 0 && run.now() - run.lastFrameAt >= QUIET_MS) break;
    await sleep(run, Math.min(50, deadline - run.now()));
  }
}
