// The printed table: figures, ratios and what is missing, from a results object.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kibPerSession } from './job-idle.mjs';
import { cpuLine, floorRows, fmt, fmtRatio, formatResults, formatTable, layoutLine, ratio, tableRows } from './table.mjs';

const lat = (p50, p99) => ({ count: 10, p50, p95: p99, p99 });
const results = {
  tilemud500: { sessions: { requested: 500 }, ackMs: lat(5, 20), deltaMs: lat(30, 60), acksPerSec: 499.5, offeredPerSec: 500 },
  colyseus500: { sessions: { requested: 500 }, ackMs: lat(1, 40), deltaMs: lat(47, 90), acksPerSec: 500 },
  saturation: {
    steps: [
      { offeredPerSec: 1000, acksPerSec: 998, ackMs: lat(4, 12) },
      { offeredPerSec: 2000, error: 'load saturation-2000#0 wrote no report' },
    ],
  },
  idle: { sessions: { live: 10000 }, kibPerSession: 12.25 },
  coldstart: { logEvents: 12345, sequencerMs: 900, projectorMs: 800 },
};

test('fmt and ratio', () => {
  assert.equal(fmt(null), '—');
  assert.equal(fmt(1.234), '1.23');
  assert.equal(fmt(12.34), '12.3');
  assert.equal(fmt(12345.6), '12,346');
  assert.equal(ratio(20, 40), 0.5);
  assert.equal(ratio(20, 0), null);
  assert.equal(ratio(null, 40), null);
  assert.equal(fmtRatio(0.5), '0.50×');
  assert.equal(fmtRatio(null), '—');
});

test('the one-world rows put TileMUD, Colyseus and TileMUD/Colyseus side by side', () => {
  const rows = tableRows(results);
  const ackP99 = rows.find((r) => r[0] === '500 × 1/s, one world: ack p99 (ms)');
  assert.deepEqual(ackP99.slice(1, 4), ['20.0', '40.0', '0.50×']);
  const deltaP99 = rows.find((r) => r[0] === '500 × 1/s, one world: delta p99 (ms)');
  assert.deepEqual(deltaP99.slice(1, 4), ['60.0', '90.0', '0.67×']);
});

test('a skipped Colyseus leaves its column empty and is named under the table', () => {
  const skipped = { ...results, colyseus500: { skipped: 'npm install failed: ENOTFOUND registry.npmjs.org' } };
  const ackP99 = tableRows(skipped).find((r) => r[0].endsWith('ack p99 (ms)'));
  assert.deepEqual(ackP99.slice(1, 4), ['20.0', '—', '—']);
  const text = formatResults(skipped, { stamp: 'T', quick: true, cpus: 2, loadAverage: '1.0' });
  assert.match(text, /note: colyseus500: skipped \(npm install failed: ENOTFOUND/);
});

test('the head line says how many gateways ran, and where --pin put what', () => {
  assert.equal(layoutLine({}), '1 gateway, unpinned');
  assert.equal(layoutLine({ gateways: 2, pin: { requested: true, pinned: true, harness: '1', apps: '0' } }), '2 gateways, harness on CPU 1, apps on CPU 0');
  assert.equal(layoutLine({ gateways: 1, pin: { requested: true, pinned: false } }), '1 gateway, unpinned (--pin could not pin)');
  const pin = { requested: true, pinned: true, harness: '1', apps: '0', note: 'PostgreSQL, NATS and Redis (system services) are not pinned' };
  const text = formatResults(results, { stamp: 'T', quick: false, cpus: 2, loadAverage: '1.0', gateways: 2, pin });
  assert.match(text.split('\n')[0], /load average 1\.0; 2 gateways, harness on CPU 1, apps on CPU 0\)$/);
  assert.match(text, /note: --pin: PostgreSQL, NATS and Redis/);
});

test('saturation steps, idle and cold start rows; a failed step says so', () => {
  const rows = tableRows(results).map((r) => `${r[0]} = ${r[1]}`);
  assert.ok(rows.includes('saturation, offered 1,000/s: acked, ack p99 = 998/s, p99 12.0 ms'));
  assert.ok(rows.some((r) => r.startsWith('saturation, offered 2,000/s') && r.includes('failed')));
  assert.ok(rows.includes('idle: RSS KiB per session after GC (10,000 sessions) = 12.3'));
  assert.ok(rows.includes('cold start, sequencer (ms; log 12,345 events) = 900'));
});

test('cold start measured early and late: both rows, with the time until every world is held', () => {
  const late = { logEvents: 300_000, sequencerMs: 700, sequencerWorldsMs: 1500, sequencerWorlds: 10, projectorMs: 650, projectorWorldsMs: 1400, projectorWorlds: 10 };
  const rows = tableRows({ coldstart: { ...late, early: { ...late, logEvents: 10_000, sequencerWorldsMs: 1450 } } }).map((r) => `${r[0]} = ${r[1]}`);
  assert.deepEqual(rows, [
    'cold start, sequencer (ms; log 10,000 events) = ready 700, its 10 worlds held 1,450',
    'cold start, projector (ms; log 10,000 events) = ready 650, its 10 worlds held 1,400',
    'cold start, sequencer (ms; log 300,000 events) = ready 700, its 10 worlds held 1,500',
    'cold start, projector (ms; log 300,000 events) = ready 650, its 10 worlds held 1,400',
  ]);
});

test('formatTable pads every column to one width', () => {
  const text = formatTable(
    ['a', 'bb'],
    [
      ['xxx', 'y'],
      ['z', 'wwww'],
    ],
  );
  const lines = text.split('\n');
  assert.equal(lines.length, 4);
  assert.equal(new Set(lines.map((l) => l.length)).size, 1);
  assert.equal(lines[0], '| a   | bb   |');
});

test('kibPerSession: the RSS grown per idle session', () => {
  assert.equal(kibPerSession(100 * 2 ** 20, 110 * 2 ** 20, 1024), 10);
  assert.equal(kibPerSession(null, 1, 1), null);
  assert.equal(kibPerSession(1, 2, 0), null);
});

test('cpuLine: each app and the machine in one line; nothing without a reading', () => {
  assert.equal(cpuLine(null), '');
  const cpu = { seconds: 20, apps: { gateway: { cores: 0.452, msPer1000Acked: 904 }, sequencer: { cores: 0.1, msPer1000Acked: 200 } }, machine: { busy: 0.91, steal: 0.04 } };
  assert.equal(cpuLine(cpu), 'gateway 45 % of a core (904 ms per 1,000 acked), sequencer 10 % of a core (200 ms per 1,000 acked); machine 91 % busy, 4 % stolen');
});

test('the floor job prints its own table, a row per frame interval, and names its steps by interval', () => {
  const floor = {
    sessions: 500,
    rate: 1,
    steps: [
      {
        frameMs: 50,
        label: 'frames every 50 ms',
        ackMs: lat(0.5, 12),
        deltaMs: lat(30, 61),
        acksPerSec: 499,
        harnessSaturated: false,
        cpu: { apps: { floor: { cores: 0.1, msPer1000Acked: 200 } }, machine: { busy: 0.5, steal: 0 } },
      },
      { frameMs: 5, label: 'frames every 5 ms', error: 'load floor-5#0 wrote no report (exit 1):\nmore' },
    ],
  };
  assert.deepEqual(floorRows({ floor }), [
    ['50', '0.50', '12.0', '30.0', '61.0', '499', 'no'],
    ['5', 'failed: load floor-5#0 wrote no report (exit 1):', '', '', '', '', ''],
  ]);
  assert.deepEqual(floorRows(results), []);
  const text = formatResults({ floor }, { stamp: 'T', quick: false, cpus: 2, loadAverage: '1.0' });
  assert.match(text, /Floor: the same harness and workload \(500 × 1\/s, one world\)/);
  assert.match(text, /\| 50 +\| 0\.50 +\| 12\.0 /);
  assert.match(text, /note: floor frames every 50 ms: CPU over the drive: floor 10 % of a core/);
  // Without the floor, no floor block; without one-world rows, no empty main table.
  assert.doesNotMatch(formatResults(results, { stamp: 'T', quick: false, cpus: 2, loadAverage: '1.0' }), /Floor:/);
  assert.doesNotMatch(text, /\| figure /);
});
