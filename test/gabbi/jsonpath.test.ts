import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonPathError, extract, findAll, parseJsonPath } from './jsonpath.js';

const docs = [
  { id: 1, metadata: { name: 'a', labels: { k: 'v' } }, status: { revision: 3 }, tags: { foo: {}, bar: { x: 1 } }, 'bucket_a diff': { count: 2 } },
  { id: 2, metadata: { name: 'b' }, status: { revision: 4 } },
];

test('parses every form the Deckhand suite uses', () => {
  assert.deepEqual(parseJsonPath('$.`len`'), [{ kind: 'len' }]);
  assert.deepEqual(parseJsonPath('$.[0].id'), [{ kind: 'index', index: 0 }, { kind: 'field', name: 'id' }]);
  assert.deepEqual(parseJsonPath('$[0].foo'), [{ kind: 'index', index: 0 }, { kind: 'field', name: 'foo' }]);
  assert.deepEqual(parseJsonPath('$.[*].metadata.name'), [{ kind: 'all' }, { kind: 'field', name: 'metadata' }, { kind: 'field', name: 'name' }]);
  assert.deepEqual(parseJsonPath("$.[0].'bucket_a diff'.count"), [{ kind: 'index', index: 0 }, { kind: 'field', name: 'bucket_a diff' }, { kind: 'field', name: 'count' }]);
  assert.deepEqual(parseJsonPath('$.[0].results[*].id'), [{ kind: 'index', index: 0 }, { kind: 'field', name: 'results' }, { kind: 'all' }, { kind: 'field', name: 'id' }]);
});

test('rejects what it does not implement, naming the column', () => {
  assert.throws(() => parseJsonPath('foo'), JsonPathError);
  assert.throws(() => parseJsonPath('$..name'), /column/);
  assert.throws(() => parseJsonPath('$.[?(@.a)]'), /unsupported subscript/);
  assert.throws(() => parseJsonPath('$.`sorted`'), /unsupported extension/);
});

test('len counts lists, mappings and strings', () => {
  assert.equal(extract(docs, '$.`len`'), 2);
  assert.equal(extract(docs, '$.[0].tags.`len`'), 2);
  assert.equal(extract(docs, '$.[0].metadata.name.`len`'), 1);
});

test('one match is the value itself, several a list; [*] walks lists', () => {
  assert.equal(extract(docs, '$.[0].id'), 1);
  assert.deepEqual(extract(docs, '$.[*].metadata.name'), ['a', 'b']);
  assert.deepEqual(extract([docs[0]], '$.[*].metadata.name'), 'a');
  assert.deepEqual(extract(docs, "$.[0].'bucket_a diff'.count"), 2);
  assert.deepEqual(extract(docs, '$[0].tags.bar'), { x: 1 });
  assert.equal(extract(docs, '$.[-1].id'), 2);
});

test('[*] treats a mapping as a one-element list and matches nothing on an empty one (jsonpath-rw)', () => {
  assert.deepEqual(findAll({ a: { b: 1 } }, '$.a[*].b'), [1]);
  assert.deepEqual(findAll({ a: {} }, '$.a[*]'), []);
});

test('no match is an error naming the path', () => {
  assert.throws(() => extract(docs, '$.[5].id'), /JSONPath '\$\.\[5\]\.id' failed to match/);
  assert.throws(() => extract(docs, '$.[0].nope'), /failed to match/);
  assert.deepEqual(findAll('scalar', '$.field'), []);
});
