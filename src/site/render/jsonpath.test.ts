import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PathConflictError, PathSyntaxError, getPath, parsePath, writePath } from './jsonpath.js';

test('parses the path forms Deckhand documents use, as jsonpath_ng reads them', () => {
  assert.deepEqual(parsePath('.'), []);
  assert.deepEqual(parsePath('$'), []);
  assert.deepEqual(parsePath('.a.b-c.d_e'), ['a', 'b-c', 'd_e']);
  assert.deepEqual(parsePath('$.a[0].b[12]'), ['a', 0, 'b', 12]);
  assert.deepEqual(parsePath(".'dotted.key'.x"), ['dotted.key', 'x']);
  assert.deepEqual(parsePath('.a."x y"'), ['a', 'x y']);
  assert.deepEqual(parsePath("$['a']['b.c']"), ['a', 'b.c']);
  assert.deepEqual(parsePath('.a[-1]'), ['a', -1]);
  for (const bad of ['a.b', '.a[*]', '.a..b', '.a b', '.0a', '.a[x]']) assert.throws(() => parsePath(bad), PathSyntaxError, bad);
});

test('reads the first match; a null there reads as found', () => {
  const data = { a: [{ b: 1 }, { b: null }], s: 'str' };
  assert.deepEqual(getPath(data, ['a', 0, 'b']), { found: true, value: 1 });
  assert.deepEqual(getPath(data, ['a', 1, 'b']), { found: true, value: null });
  assert.deepEqual(getPath(data, ['a', -1, 'b']), { found: true, value: null });
  assert.equal(getPath(data, ['a', 5]).found, false);
  assert.equal(getPath(data, ['s', 'x']).found, false);
  assert.equal(getPath(data, ['a', 'b']).found, false);
});

test('writes copy the path and share the rest, creating what is missing', () => {
  const data = { keep: { deep: [1] }, a: { b: 1 } };
  const out = writePath(data, ['a', 'c', 'list', 1, 'x'], 'v') as Record<string, any>;
  assert.deepEqual(out, { keep: { deep: [1] }, a: { b: 1, c: { list: [{}, { x: 'v' }] } } });
  assert.equal(out.keep, data.keep);
  assert.deepEqual(data, { keep: { deep: [1] }, a: { b: 1 } });
  assert.throws(() => writePath({ a: 'str' }, ['a', 'b'], 1), (e: unknown) => e instanceof PathConflictError && /\.a is a string/.test(e.message));
  assert.equal(writePath({ a: 1 }, [], 'root'), 'root');
});
