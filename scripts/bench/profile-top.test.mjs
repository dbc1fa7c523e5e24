import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topFrames } from './profile-top.mjs';

const frame = (id, functionName, url = '', lineNumber = 0) => ({ id, callFrame: { functionName, url, lineNumber } });

test('self time per frame, most first, with shares of the whole and of the busy time', () => {
  const profile = {
    nodes: [frame(1, '(root)'), frame(2, '(idle)'), frame(3, 'send', 'file:///x/node_modules/ws/lib/sender.js', 9), frame(4, 'decide', 'file:///x/apps/sequencer/dist/a.js', 0)],
    samples: [2, 3, 3, 4, 2, 3],
    timeDeltas: [1000, 2000, 2000, 1000, 3000, 1000],
  };
  const { totalMs, busyMs, rows } = topFrames(profile, 3);
  assert.equal(totalMs, 10);
  assert.equal(busyMs, 6);
  assert.deepEqual(
    rows.map((r) => [r.frame, r.ms]),
    [
      ['send ws/lib/sender.js:10', 5],
      ['(idle)', 4],
      ['decide sequencer/dist/a.js:1', 1],
    ],
  );
  assert.equal(rows[0].ofBusy, 5 / 6);
  assert.equal(rows[1].ofBusy, null);
});
