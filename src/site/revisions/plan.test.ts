import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredDocument } from './model.js';
import { planBucketPut } from './plan.js';
import type { PreparedDocument } from './prepare.js';

function prepared(name: string, hash = 'h', schema = 'ex/K/v1', layer = 'site'): PreparedDocument {
  return { schema, layer, name, metadata: { name }, data: {}, encrypted: false, dataHash: hash, metadataHash: 'm' };
}
function stored(bucket: string, name: string, hash = 'h', orig = 1, schema = 'ex/K/v1'): StoredDocument {
  return { ...prepared(name, hash, schema), id: 1, revisionId: orig, bucket, origRevisionId: orig, deleted: false, createdAt: 0 };
}

test('unchanged documents keep their original revision; changed and new ones take the new one', () => {
  const plan = planBucketPut('a', [prepared('x'), prepared('y', 'h2'), prepared('z')], [stored('a', 'x', 'h', 3), stored('a', 'y', 'h', 3)]);
  assert.equal(plan.changed, true);
  assert.deepEqual(plan.documents.map((d) => [d.name, d.origRevisionId]), [['x', 3], ['y', null], ['z', null]]);
  assert.deepEqual(plan.removed, []);
});

test('nothing new, changed or removed is no change, whatever the order', () => {
  const state = [stored('a', 'x'), stored('a', 'y'), stored('b', 'z')];
  assert.equal(planBucketPut('a', [prepared('y'), prepared('x')], state).changed, false);
  assert.equal(planBucketPut('c', [], state).changed, false);
});

test('documents left out of the body are removed', () => {
  const plan = planBucketPut('a', [prepared('x')], [stored('a', 'x'), stored('a', 'y'), stored('b', 'y2')]);
  assert.equal(plan.changed, true);
  assert.deepEqual(plan.removed.map((d) => d.name), ['y']);
});

test('the same name in another layer or schema is another document', () => {
  const plan = planBucketPut('a', [prepared('x', 'h', 'ex/K/v1', 'global')], [stored('b', 'x')]);
  assert.equal(plan.changed, true);
});

test('a document living in another bucket is DuplicateDocumentExists (409)', () => {
  assert.throws(
    () => planBucketPut('b', [prepared('x')], [stored('a', 'x')]),
    (e: Error & { status?: number }) => e.name === 'DuplicateDocumentExists' && e.status === 409 && /\[ex\/K\/v1, site\] x already exists in bucket: a/.test(e.message),
  );
});

test('a second LayeringPolicy is SingletonDocumentConflict (409); updating the existing one is fine', () => {
  const lp = (name: string) => prepared(name, 'h', 'deckhand/LayeringPolicy/v1', '');
  const state = [{ ...stored('a', 'lp', 'h', 1, 'deckhand/LayeringPolicy/v1'), layer: '' }];
  assert.throws(() => planBucketPut('a', [lp('other')], state), (e: Error & { status?: number }) => e.name === 'SingletonDocumentConflict' && e.status === 409);
  assert.equal(planBucketPut('a', [lp('lp')], state).changed, false);
  assert.equal(planBucketPut('a', [{ ...lp('lp'), dataHash: 'new' }], state).changed, true);
});

test('the same (schema, layer, name) twice in one body is a 400 naming the document', () => {
  assert.throws(
    () => planBucketPut('a', [prepared('x'), prepared('x')], []),
    (e: Error & { status?: number }) => e.name === 'InvalidDocumentFormat' && e.status === 400 && /\[ex\/K\/v1, site\] x appears more than once/.test(e.message),
  );
});
