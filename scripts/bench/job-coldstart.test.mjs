import { test } from 'node:test';
import assert from 'node:assert/strict';
import { worldsTaken } from './job-coldstart.mjs';

test('worldsTaken: the worlds named by "world taken" lines, once each', () => {
  const lines = [
    '{"level":30,"worldId":"lobby","epoch":3,"msg":"world taken"}',
    '{"level":30,"msg":"sequencer ready"}',
    '{"level":30,"worldId":"meadow","epoch":1,"msg":"world taken"}',
    '{"level":30,"worldId":"lobby","epoch":4,"msg":"world taken"}',
    '{"level":30,"worldId":"field-1","msg":"world handed over"}',
    'not json',
  ];
  assert.deepEqual([...worldsTaken(lines)].sort(), ['lobby', 'meadow']);
});
