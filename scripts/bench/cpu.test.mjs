import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuBetween, parseMachineStat, parseProcStat } from './cpu.mjs';

test('parseProcStat: utime + stime, with a process name holding spaces and parentheses', () => {
  const stat = '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 2714 0 0 0 1500 250 0 0 20 0 11 0 100 0 0';
  assert.equal(parseProcStat(stat), 1750);
});

test('parseMachineStat: busy, idle (with iowait), steal and total of the cpu line', () => {
  assert.deepEqual(parseMachineStat('cpu  100 5 50 800 20 3 2 40 0 0\ncpu0 1 2 3'), { busy: 160, idle: 820, steal: 40, total: 1020 });
});

test('cpuBetween: cores used, CPU ms per 1,000 acked intents, machine busy and steal shares', () => {
  const a = { at: 0, apps: { gateway: 1000, sequencer: 500, gone: null }, machine: { busy: 0, idle: 0, steal: 0, total: 0 } };
  const b = { at: 10_000, apps: { gateway: 1500, sequencer: 600, gone: null }, machine: { busy: 1500, idle: 400, steal: 100, total: 2000 } };
  assert.deepEqual(cpuBetween(a, b, 5000), {
    seconds: 10,
    apps: { gateway: { cores: 0.5, msPer1000Acked: 1000 }, sequencer: { cores: 0.1, msPer1000Acked: 200 } },
    machine: { busy: 0.75, steal: 0.05 },
  });
});

test('cpuBetween: services summed over the processes seen at both readings, named with a star', () => {
  const a = { at: 0, apps: {}, services: { postgres: { 10: 100, 11: 50 }, nats: {} }, machine: null };
  const b = { at: 10_000, apps: {}, services: { postgres: { 10: 300, 11: 150, 12: 999 }, nats: { 20: 5 } }, machine: null };
  assert.deepEqual(cpuBetween(a, b, 1000), { seconds: 10, apps: { 'postgres*': { cores: 0.3, msPer1000Acked: 3000 } }, machine: null });
});
