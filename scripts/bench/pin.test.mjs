// The pure parts of --pin: CPU lists, the split, the wrapped command, and what resolvePin answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpusFor, parseCpuList, pinnedCommand, resolvePin, splitCpus } from './pin.mjs';

test('parseCpuList reads the kernel list syntax', () => {
  assert.deepEqual(parseCpuList('0,1'), [0, 1]);
  assert.deepEqual(parseCpuList(' 0-2,4\n'), [0, 1, 2, 4]);
  assert.deepEqual(parseCpuList('3,1-2,2'), [1, 2, 3]);
  assert.throws(() => parseCpuList('a'), /not a CPU list/);
  assert.throws(() => parseCpuList('3-1'), /not a CPU list/);
});

test('splitCpus: the harness on the last CPU, the apps on the others', () => {
  assert.deepEqual(splitCpus([0, 1]), { harness: '1', apps: '0' });
  assert.deepEqual(splitCpus([0, 1, 2, 3]), { harness: '3', apps: '0,1,2' });
  assert.match(splitCpus([0]).reason, /only 1 CPU/);
});

test('pinnedCommand wraps in taskset, or leaves the command alone', () => {
  assert.deepEqual(pinnedCommand('1', '/bin/node', ['a.js', '--x']), ['taskset', ['-c', '1', '/bin/node', 'a.js', '--x']]);
  assert.deepEqual(pinnedCommand(null, '/bin/node', ['a.js']), ['/bin/node', ['a.js']]);
});

test('resolvePin: pinned with taskset and two CPUs; unpinned, with the reason, otherwise', () => {
  const answer = (r) => () => r;
  assert.deepEqual(resolvePin(false, answer(null)), { requested: false, pinned: false, harness: null, apps: null, note: null });
  const ok = resolvePin(true, answer({ status: 0, stdout: "pid 7's current affinity list: 0,1\n" }));
  assert.equal(ok.pinned, true);
  assert.equal(ok.harness, '1');
  assert.equal(ok.apps, '0');
  assert.match(ok.note, /not pinned/);
  assert.equal(cpusFor(ok, 'harness'), '1');
  const missing = resolvePin(true, answer({ error: Object.assign(new Error('x'), { code: 'ENOENT' }), status: null }));
  assert.equal(missing.pinned, false);
  assert.match(missing.note, /ENOENT.*unpinned/);
  assert.equal(cpusFor(missing, 'apps'), null);
  const single = resolvePin(true, answer({ status: 0, stdout: "pid 7's current affinity list: 0\n" }));
  assert.match(single.note, /only 1 CPU.*unpinned/);
});
