import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { answersOf, dueNow, moveEnvelope, percentile, stepFigures, systemEnvelope } from './seq-driver-lib.mjs';
import { tableRows } from './table.mjs';

// The apps' own schema of what travels on INTENTS (built: npm test builds before these tests).
const require = createRequire(import.meta.url);
const { IntentEnvelopeSchema } = require('../../libs/runtime/dist/wire.js');

const player = { worldId: 'meadow', characterId: '7b0c6f0e-3a51-4b7e-9f55-1e6d2a7c9a10', sessionId: 's1', name: 'seqsat1' };

test('envelopes: a home enter and a move, as a gateway publishes them', () => {
  assert.deepEqual(systemEnvelope(player, 'enter', 'r1'), {
    kind: 'system',
    worldId: 'meadow',
    characterId: player.characterId,
    op: 'enter',
    name: 'seqsat1',
    sessionId: 's1',
    home: true,
    requestId: 'r1',
    gatewayId: 'bench-seqsat',
    acks: 'batch',
  });
  assert.equal(systemEnvelope(player, 'leave', 'r2').home, undefined);
  const m = moveEnvelope(player, 3, 'west', 1000);
  assert.deepEqual(m.intent, { type: 'move', direction: 'west' });
  assert.equal(m.intentSeq, 3);
  for (const env of [systemEnvelope(player, 'enter', 'r1'), systemEnvelope(player, 'leave', 'r2'), m]) {
    const parsed = IntentEnvelopeSchema.safeParse(JSON.parse(JSON.stringify(env)));
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  }
});

test('answersOf: a batch, a single ack, nothing', () => {
  assert.deepEqual(answersOf({ acks: [{ a: 1 }, { a: 2 }] }), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(answersOf({ status: 'applied' }), [{ status: 'applied' }]);
  assert.deepEqual(answersOf(null), []);
});

test('dueNow: the offered rate over the elapsed time, less what was sent', () => {
  assert.equal(dueNow(10_000, 2, 0), 20);
  assert.equal(dueNow(10_000, 2, 15), 5);
  assert.equal(dueNow(10_000, 2, 30), 0);
});

test('percentile: nearest rank', () => {
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 99), 4);
});

test('stepFigures: answers/s in the window, latency percentiles, unanswered, and a driver that fell short', () => {
  const f = stepFigures({ offered: 1000, durationS: 10, sent: 9000, latencies: [3, 1, 2], ackedInWindow: 8000, byStatus: { applied: 3 }, byCode: {}, loopDelayP99Ms: 12 });
  assert.equal(f.acksPerSec, 800);
  assert.equal(f.sentPerSec, 900);
  assert.deepEqual(f.ackMs, { p50: 2, p99: 3, max: 3 });
  assert.equal(f.unanswered, 8997);
  assert.equal(f.harnessSaturated, true); // 9,000 sent of 10,000 offered
  assert.equal(stepFigures({ offered: 100, durationS: 1, sent: 100, latencies: [], ackedInWindow: 0, byStatus: {}, byCode: {}, loopDelayP99Ms: 5 }).harnessSaturated, false);
});

test('the table has a row per sequencer-alone step', () => {
  const rows = tableRows({
    seqsat: {
      steps: [
        { offeredPerSec: 10_000, acksPerSec: 9_876, ackMs: { p99: 42 } },
        { offeredPerSec: 12_000, error: 'boom' },
      ],
    },
  });
  assert.deepEqual(rows[0], ['sequencer alone, offered 10,000/s: acked, ack p99', '9,876/s, p99 42.0 ms', '', '', '≥ 10,000 acked/s']);
  assert.match(rows[1][1], /^failed: boom/);
});
