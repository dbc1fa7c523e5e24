// The pure parts of the drive and of the run's clockwork.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { intentFrame, outstanding, sendIntent } from './drive.mjs';
import { flushUnmatched, housekeeping, progressLine, requestStop, sleep } from './lifecycle.mjs';
import { parseOptions, parseUrlList, UsageError } from './options.mjs';
import { createRun, worldOf } from './run.mjs';
import { failureReason, socketUrl } from './setup.mjs';
import { SetupError } from './session.mjs';

const newRun = (args = [], deps = {}) => createRun(parseOptions(['--sessions', '2', '--duration', '1', '--rate', '1', ...args]), deps);
const dice =
  (...values) =>
  () =>
    values.shift();

test('intentFrame: a chat below the chat probability, otherwise a move in a direction from the dice', () => {
  const chat = intentFrame(3, 7, 0.5, dice(0.1));
  assert.equal(chat.type, 'chat');
  assert.deepEqual(JSON.parse(chat.frame), { type: 'intent.chat', intentSeq: 7, payload: { text: 'load 3-7', channel: 'world' } });
  const move = intentFrame(3, 8, 0.5, dice(0.9, 0.6));
  assert.equal(move.type, 'move');
  assert.deepEqual(JSON.parse(move.frame), { type: 'intent.move', intentSeq: 8, payload: { direction: 'east' } });
  // Without chat the dice are thrown once, for the direction.
  assert.equal(JSON.parse(intentFrame(0, 1, 0, dice(0)).frame).payload.direction, 'north');
});

test('sendIntent numbers intents from 1, remembers the send time and skips closed or backed-up sockets', () => {
  const run = newRun(['--chat', '0'], { now: () => 42, random: () => 0.3 });
  const [s] = run.sessions;
  s.worldId = 'w';
  const sent = [];
  s.ws = { readyState: WebSocket.OPEN, bufferedAmount: 0, send: (f) => sent.push(JSON.parse(f)) };
  run.phase = 'drive';
  sendIntent(run, s);
  sendIntent(run, s);
  assert.deepEqual(
    sent.map((f) => f.intentSeq),
    [1, 2],
  );
  assert.deepEqual(s.pending.get(2), { t: 42, worldId: 'w' });
  assert.equal(run.intents.sent, 2);
  assert.equal(run.drive.sent, 2);
  assert.equal(run.intents.sentByType.move, 2);
  s.ws.bufferedAmount = 2 << 20;
  sendIntent(run, s);
  s.ws.readyState = WebSocket.CLOSED;
  sendIntent(run, s);
  assert.equal(run.intents.skippedBackpressure, 1);
  assert.equal(run.intents.skippedNotOpen, 1);
  assert.equal(sent.length, 2);
});

test('outstanding: pending intents and scheduled sends of open sockets only', () => {
  const run = newRun();
  const [a, b] = run.sessions;
  a.pending.set(1, {}).set(2, {});
  a.timer = 1;
  b.pending.set(1, {});
  b.closed = true;
  assert.equal(outstanding(run), 3);
});

test('an interrupt wakes every sleep at once; a second one answers false', async () => {
  const run = newRun();
  const started = Date.now();
  const sleeps = Promise.all([sleep(run, 60_000), sleep(run, 60_000)]);
  assert.equal(requestStop(run), true);
  await sleeps;
  assert.ok(Date.now() - started < 1_000);
  assert.ok(run.stopping && run.interrupted);
  assert.equal(run.sleepers.size, 0);
  assert.equal(requestStop(run), false);
});

test('housekeeping forgets old sends and counts parked arrivals past their wait as unmatched', () => {
  const run = newRun();
  const w = worldOf(run, 'w');
  w.sent.set(1, { t: 0, sender: 0, at: 0 }).set(2, { t: 0, sender: 0, at: 50_000 });
  w.pending.set(3, [0, 1, 0, 2, 1]).set(4, [50_000, 1, 50_000]);
  housekeeping(run, 61_000);
  assert.deepEqual([...w.sent.keys()], [2]);
  assert.deepEqual([...w.pending.keys()], [4]);
  assert.equal(run.deltas.unmatchedArrivals, 2);
  flushUnmatched(run);
  assert.equal(run.deltas.unmatchedArrivals, 3);
  assert.equal(w.pending.size, 0);
  assert.ok(run.peakRss > 0);
});

test('progressLine', () => {
  const clock = { t: 0 };
  const run = newRun([], { now: () => clock.t });
  clock.t = 5_000;
  run.phase = 'drive';
  run.setup.live = 1;
  run.setup.failed = 1;
  run.intents.sent = 9;
  run.sessions[0].pending.set(1, {});
  assert.equal(progressLine(run, 1.25), '[   5.0s] drive   live 1/2 failed 1 | sent 9 acks 0 pending 1 | deltas 0 samples 0 | loop p99 1.3 ms');
});

test('failureReason names the stage and the cause', () => {
  assert.equal(failureReason('guest', new SetupError('HTTP 503 CAPACITY_EXCEEDED')), 'guest: HTTP 503 CAPACITY_EXCEEDED');
  assert.equal(failureReason('bootstrap', Object.assign(new Error('x'), { name: 'TimeoutError' })), 'bootstrap: timeout');
  assert.equal(failureReason('guest', new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })), 'guest: ECONNREFUSED');
  assert.equal(failureReason('websocket', new Error('x'.repeat(200))).length, 'websocket: '.length + 120);
});

test("socketUrl stays on the run's origin and carries the ticket", () => {
  const run = newRun(['--url', 'https://127.0.0.1:8443']);
  const base = run.sessions[0].base;
  assert.equal(socketUrl(base, '/ws', 'a b').href, 'wss://127.0.0.1:8443/ws?ticket=a+b');
  assert.throws(() => socketUrl(base, 'ws://evil.example/ws', 't'), /another host/);
  assert.throws(() => socketUrl(base, 'http://[::1', 't'), /bad ws.path/);
});

test('--url a,b: the sessions are spread over the servers round robin, each on its own origin', () => {
  const run = createRun(parseOptions(['--sessions', '5', '--duration', '1', '--rate', '1', '--url', 'http://127.0.0.1:3001, http://127.0.0.1:3002/x']));
  assert.deepEqual(run.opts.urls, ['http://127.0.0.1:3001', 'http://127.0.0.1:3002']);
  assert.equal(run.opts.url, 'http://127.0.0.1:3001,http://127.0.0.1:3002');
  assert.deepEqual(
    run.sessions.map((s) => s.base.port),
    ['3001', '3002', '3001', '3002', '3001'],
  );
  assert.equal(socketUrl(run.sessions[1].base, '/ws', 't').href, 'ws://127.0.0.1:3002/ws?ticket=t');
  assert.throws(() => socketUrl(run.sessions[1].base, 'ws://127.0.0.1:3001/ws', 't'), /another host/);
});

test('--url: one URL as before; a bad or empty entry is a usage error', () => {
  const one = parseOptions(['--sessions', '1', '--duration', '1', '--rate', '1']);
  assert.equal(one.url, 'http://127.0.0.1:3000');
  assert.deepEqual(one.urls, ['http://127.0.0.1:3000']);
  assert.deepEqual(parseUrlList('https://a.example:8443/p'), ['https://a.example:8443']);
  assert.throws(() => parseUrlList('http://a,'), UsageError);
  assert.throws(() => parseUrlList('http://a,nope'), /not a URL: nope/);
  assert.throws(() => parseUrlList('http://a,ftp://b'), /http:\/\/ or https:\/\//);
});
