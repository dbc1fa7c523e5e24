import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions, UsageError } from './options.mjs';
import { createPlacer, parseWorldList, worldFor } from './placement.mjs';

test('worldFor spreads sessions round robin over the list', () => {
  const worlds = ['a', 'b', 'c'];
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((i) => worldFor(worlds, i)),
    ['a', 'b', 'c', 'a', 'b'],
  );
});

test('parseWorldList: ids, trimmed; null when unset; bad ids and repeats refused', () => {
  assert.equal(parseWorldList(undefined), null);
  assert.deepEqual(parseWorldList('lobby, meadow,grove'), ['lobby', 'meadow', 'grove']);
  assert.throws(() => parseWorldList(''), /at least one/);
  assert.throws(() => parseWorldList('Lobby'), /not a world id/);
  assert.throws(() => parseWorldList('a,a'), /twice/);
});

test('--worlds needs --database-url; without --worlds no placer is made', () => {
  const base = ['--sessions', '2', '--duration', '1', '--rate', '1'];
  assert.throws(() => parseOptions([...base, '--worlds', 'lobby']), UsageError);
  const opts = parseOptions([...base, '--worlds', 'lobby,meadow', '--database-url', 'postgres://x@127.0.0.1/db']);
  assert.deepEqual(opts.worlds, ['lobby', 'meadow']);
  assert.equal(opts.databaseUrl, 'postgres://x@127.0.0.1/db');
  const plain = parseOptions(base);
  assert.equal(plain.worlds, null);
  assert.equal(createPlacer(plain), null);
});
