import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepMerge } from './merge.js';

test('deep merge: mappings recurse, everything else (lists too) is replaced by the child', () => {
  const parent = { a: { x: 1, y: { z: 1 } }, l: [1, 2], s: 's', m: { k: 1 } };
  const child = { a: { y: { w: 2 } }, l: [3], s: { now: 'map' }, m: 'scalar', n: null };
  assert.deepEqual(deepMerge(parent, child), { a: { x: 1, y: { z: 1, w: 2 } }, l: [3], s: { now: 'map' }, m: 'scalar', n: null });
  assert.deepEqual(parent, { a: { x: 1, y: { z: 1 } }, l: [1, 2], s: 's', m: { k: 1 } }, 'inputs untouched');
});

test('a key named __proto__ is data, not a prototype', () => {
  const child = JSON.parse('{"__proto__": {"polluted": true}}');
  const out = deepMerge({}, child);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
