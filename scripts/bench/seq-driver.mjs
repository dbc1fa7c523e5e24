#!/usr/bin/env node
// The sequencer-only driver (job seqsat): publishes intents straight to the INTENTS stream, as a
// gateway does, and reads the sequencer's answers on its own ack subject, so that one sequencer's
// durable throughput is measured without the gateway and the WebSocket harness on the same cores.
// Its players enter their worlds first (system enters, home), then each step offers moves at its
// rate for its duration, then the step's stragglers are waited for; at the end every player leaves.
//
// node scripts/bench/seq-driver.mjs '<json: {natsUrl, prefix, worlds, players, steps: [perSec...], durationS, graceS}>'
// Prints `seqsat: step <perSec> start|end` as each drive starts and ends (the bench reads CPU time
// there), progress lines, and one `RESULT {json}` line at the end.

import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DIRECTIONS, DRIVER_GATEWAY, answersOf, dueNow, moveEnvelope, stepFigures, systemEnvelope } from './seq-driver-lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const { connect, headers } = require('@nats-io/transport-node');
const { topology } = require(path.join(ROOT, 'libs', 'runtime', 'dist', 'nats', 'names.js'));

const opts = JSON.parse(process.argv[2] ?? '{}');
const { natsUrl, prefix, worlds, players: playerCount, steps, durationS = 10, graceS = 10 } = opts;
if (!natsUrl || !prefix || !Array.isArray(worlds) || !worlds.length || !(playerCount > 0) || !Array.isArray(steps)) {
  console.error('usage: seq-driver.mjs \'{"natsUrl":..,"prefix":..,"worlds":[..],"players":N,"steps":[perSec..]}\'');
  process.exit(2);
}

const t = topology(prefix);
const nc = await connect({ servers: natsUrl.split(','), name: 'bench-seqsat', noAsyncTraces: true });
const players = Array.from({ length: playerCount }, (_, i) => ({
  characterId: randomUUID(),
  sessionId: randomUUID(),
  name: `seqsat${i}`,
  worldId: worlds[i % worlds.length],
  nextSeq: 1,
}));

// Answers: system ones by requestId, moves by character and intentSeq.
const waitingSystem = new Map();
const sentMoves = new Map(); // `${characterId}:${intentSeq}` -> { at, step }
let current = null; // the step being driven or drained
let answersInWindow = 0;
const sub = nc.subscribe(t.ackSubject(DRIVER_GATEWAY), {
  callback: (err, msg) => {
    if (err) return;
    const now = performance.now();
    for (const a of answersOf(msg.json())) {
      if (a.requestId) {
        waitingSystem.get(a.requestId)?.(a);
        continue;
      }
      const key = `${a.characterId}:${a.intentSeq}`;
      const sent = sentMoves.get(key);
      if (!sent) continue;
      sentMoves.delete(key);
      if (current?.driving) answersInWindow++;
      const s = sent.step;
      s.latencies.push(now - sent.at);
      s.byStatus[a.status] = (s.byStatus[a.status] ?? 0) + 1;
      const code = a.error?.code;
      if (code) s.byCode[code] = (s.byCode[code] ?? 0) + 1;
    }
  },
});

function publish(env, msgId) {
  const h = headers();
  h.set('Nats-Msg-Id', msgId); // as the gateway's: JetStream drops a resent copy
  nc.publish(t.intentSubject(env.worldId), JSON.stringify(env), { headers: h });
}

/** Every player's enter or leave, answered (or not, after the timeout): counts by status and code. */
async function everyone(op, timeoutMs = 60_000) {
  const counts = {};
  await Promise.all(
    players.map(
      (p) =>
        new Promise((resolve) => {
          const requestId = randomUUID();
          const timer = setTimeout(() => done({ status: 'unanswered' }), timeoutMs);
          const done = (a) => {
            clearTimeout(timer);
            waitingSystem.delete(requestId);
            const k = a.error?.code ?? a.status;
            counts[k] = (counts[k] ?? 0) + 1;
            if (op === 'enter') p.entered = a.status === 'applied' || a.status === 'duplicate';
            resolve();
          };
          waitingSystem.set(requestId, done);
          publish(systemEnvelope(p, op, requestId), `${p.characterId}:${op}:${requestId}`);
        }),
    ),
  );
  return counts;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runStep(perSec, playing) {
  const step = { latencies: [], byStatus: {}, byCode: {} };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  answersInWindow = 0;
  current = { driving: true };
  console.log(`seqsat: step ${perSec} start`);
  const t0 = performance.now();
  let sent = 0;
  let next = 0;
  while (performance.now() - t0 < durationS * 1000) {
    const n = dueNow(perSec, performance.now() - t0, sent);
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const p = playing[next++ % playing.length];
      const seq = p.nextSeq++;
      sentMoves.set(`${p.characterId}:${seq}`, { at: performance.now(), step });
      publish(moveEnvelope(p, seq, DIRECTIONS[(Math.random() * 4) | 0], now), `${p.characterId}:${seq}`);
    }
    sent += n;
    await sleep(2);
  }
  current.driving = false;
  console.log(`seqsat: step ${perSec} end`);
  const acked = answersInWindow;
  // The step's stragglers, before the next step starts on a clean queue.
  const drainUntil = performance.now() + graceS * 1000;
  while (step.latencies.length < sent && performance.now() < drainUntil) await sleep(20);
  loop.disable();
  for (const [key, s] of sentMoves) if (s.step === step) sentMoves.delete(key); // unanswered: counted as such
  const figures = stepFigures({
    offered: perSec,
    durationS,
    sent,
    latencies: step.latencies,
    ackedInWindow: acked,
    byStatus: step.byStatus,
    byCode: step.byCode,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
  });
  console.log(`seqsat: ${perSec}/s offered: ${figures.acksPerSec}/s answered during the drive, p50 ${figures.ackMs.p50} ms, p99 ${figures.ackMs.p99} ms, ${figures.unanswered} unanswered`);
  return figures;
}

const entered = await everyone('enter');
const playing = players.filter((p) => p.entered);
console.log(`seqsat: ${playing.length} of ${players.length} players in ${worlds.length} worlds (${JSON.stringify(entered)})`);
const results = [];
if (playing.length) for (const perSec of steps) results.push(await runStep(perSec, playing));
const left = await everyone('leave');
sub.unsubscribe();
await nc.drain();
console.log(`RESULT ${JSON.stringify({ players: players.length, entered, left, worlds: worlds.length, steps: results })}`);
