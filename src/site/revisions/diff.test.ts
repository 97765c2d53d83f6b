import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketDeepDiff, revisionDiff, type DiffDocument } from './diff.js';
import { deepDiff } from './deepdiff.js';

const d = (bucket: string, name: string, hash: string, data: unknown = {}, encrypted = false): DiffDocument => ({
  bucket,
  schema: 'example/Kind/v1',
  name,
  dataHash: hash,
  metadataHash: 'm',
  encrypted,
  data: data as never,
  metadata: { name } as never,
});

test('buckets are created, deleted, modified or unmodified; which side is newer decides created/deleted', () => {
  const older = { revisionId: 2, documents: [d('a', 'x', '1'), d('b', 'y', '1'), d('c', 'z', '1')] };
  const newer = { revisionId: 5, documents: [d('a', 'x', '1'), d('c', 'z', '2'), d('e', 'w', '1')] };
  const expected = { a: 'unmodified', b: 'deleted', c: 'modified', e: 'created' };
  assert.deepEqual(revisionDiff(older, newer), expected);
  assert.deepEqual(revisionDiff(newer, older), expected);
});

test('against revision 0 every bucket is created; 0 against 0 is empty', () => {
  const r = { revisionId: 3, documents: [d('a', 'x', '1'), d('b', 'y', '1')] };
  assert.deepEqual(revisionDiff({ revisionId: 0, documents: [] }, r), { a: 'created', b: 'created' });
  assert.deepEqual(revisionDiff(r, { revisionId: 0, documents: [] }), { a: 'created', b: 'created' });
  assert.deepEqual(revisionDiff({ revisionId: 0, documents: [] }, { revisionId: 0, documents: [] }), {});
});

test('the deep diff lists added, deleted and changed documents with a DeepDiff of their data', () => {
  const before = [d('a', 'x', '1', { value: 1, keep: true }), d('a', 'gone', '1'), d('a', 's', '1', 'old', true)];
  const after = [d('a', 'x', '2', { value: 2, keep: true, foo: 1 }), d('a', 'new', '1'), d('a', 's', '2', 'new', true)];
  assert.deepEqual(bucketDeepDiff(before, after), {
    document_added: { count: 1, details: [['example/Kind/v1', 'new']] },
    document_deleted: { count: 1, details: [['example/Kind/v1', 'gone']] },
    document_changed: {
      count: 2,
      details: {
        "('example/Kind/v1', 'x')": {
          data_changed: { values_changed: { "root['value']": { new_value: 2, old_value: 1 } }, dictionary_item_added: ["root['foo']"] },
          metadata_changed: {},
        },
        "('example/Kind/v1', 's')": { data_changed: { encrypted: true }, metadata_changed: {} },
      },
    },
  });
  const deep = revisionDiff({ revisionId: 1, documents: before }, { revisionId: 2, documents: after }, { deep: true });
  assert.equal(deep.a, 'modified');
  assert.ok(deep['a diff']);
});

test('DeepDiff: type changes, removed keys, list items by position, paths as Python prints them', () => {
  assert.deepEqual(deepDiff({ a: 1, b: [1, 2, 3], "it's": 'x' }, { a: '1', b: [1, 5], c: null }), {
    type_changes: { "root['a']": { old_type: 'int', new_type: 'str', old_value: 1, new_value: '1' } },
    values_changed: { 'root[\'b\'][1]': { new_value: 5, old_value: 2 } },
    iterable_item_removed: { "root['b'][2]": 3 },
    dictionary_item_added: ["root['c']"],
    dictionary_item_removed: ['root["it\'s"]'],
  });
  assert.deepEqual(deepDiff([1], [1, { k: true }]), { iterable_item_added: { 'root[1]': { k: true } } });
  assert.deepEqual(deepDiff({ a: { b: 1 } }, { a: { b: 1 } }), {});
  assert.deepEqual(deepDiff(null, 'x'), { type_changes: { root: { old_type: 'NoneType', new_type: 'str', old_value: null, new_value: 'x' } } });
});
