import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParam, listOptions, matches, multisort, queryParams } from './filters.js';

const ALLOWED = ['schema', 'metadata.name', 'metadata.layeringDefinition.abstract', 'metadata.layeringDefinition.layer', 'metadata.label', 'status.bucket', 'order', 'sort', 'limit', 'cleartext-secrets'];

const doc = (name: string, extra: Record<string, unknown> = {}) => ({
  schema: 'example/Kind/v1',
  bucket_name: 'mop',
  metadata: { name, labels: { key1: 'value1', n: 1 }, layeringDefinition: { abstract: false, layer: 'site' }, ...extra },
});

test('query parameters: repeated keys collect, unknown ones are ignored, labels become a mapping', () => {
  const params = queryParams('/x?metadata.label=key1%3Dvalue1&metadata.label=foo=bar&bogus=1&sort=metadata.name&sort=schema&order=desc&limit=-2&status.bucket=mop');
  const opts = listOptions(params, ALLOWED);
  assert.deepEqual(opts.filters, { 'metadata.labels': { key1: 'value1', foo: 'bar' }, bucket_name: 'mop' });
  assert.deepEqual(opts.sort, ['metadata.name', 'schema']);
  assert.equal(opts.order, 'desc');
  assert.equal(opts.limit, 2);
});

test('limit must be an integer and cleartext-secrets a boolean (400 naming the parameter)', () => {
  assert.throws(() => listOptions({ limit: ['illegal'] }, ALLOWED), (e: InvalidParam) => e.status === 400 && e.param === 'limit' && /must be of type int/.test(e.message));
  assert.throws(() => listOptions({ limit: ['1', '2'] }, ALLOWED), InvalidParam);
  assert.equal(listOptions({ 'cleartext-secrets': ['True'] }, ALLOWED).cleartextSecrets, true);
  assert.equal(listOptions({ 'cleartext-secrets': ['0'] }, ALLOWED).cleartextSecrets, false);
  assert.throws(() => listOptions({ 'cleartext-secrets': ['maybe'] }, ALLOWED), InvalidParam);
});

test('schema matches the whole schema, namespace/kind or namespace, never a partial word', () => {
  const d = doc('a');
  for (const s of ['example/Kind/v1', 'example/Kind', 'example']) assert.ok(matches(d, { schema: s }), s);
  for (const s of ['exam', 'example/Ki', 'example/Kind/v2']) assert.ok(!matches(d, { schema: s }), s);
});

test('booleans compare with true/false text; several values match any; labels must all match', () => {
  assert.ok(matches(doc('a'), { 'metadata.layeringDefinition.abstract': 'False' }));
  assert.ok(!matches(doc('a'), { 'metadata.layeringDefinition.abstract': 'true' }));
  assert.ok(!matches(doc('a'), { 'metadata.layeringDefinition.abstract': 'nonsense' }));
  assert.ok(matches(doc('a'), { 'metadata.layeringDefinition.layer': ['region', 'site'] }));
  assert.ok(!matches(doc('a'), { 'metadata.layeringDefinition.layer': ['region', 'global'] }));
  assert.ok(matches(doc('a'), { 'metadata.labels': { key1: 'value1' } }));
  assert.ok(!matches(doc('a'), { 'metadata.labels': { key1: 'value1', other: 'x' } }));
  assert.ok(!matches(doc('a'), { 'metadata.labels': { n: '1' } }), 'label values compare as written (1 is not "1")');
  assert.ok(!matches(doc('a'), { 'metadata.missing': 'x' }));
  assert.ok(matches({ tags: [{ tag: 'foo' }, { tag: 'bar' }] }, { 'tags.[*].tag': 'bar' }));
  assert.ok(matches({ tags: [{ tag: 'foo' }] }, { 'tags.[*].tag': ['baz', 'foo'] }));
});

test('multisort: by several keys, stable, desc keeps equal items in order', () => {
  const items = [
    { schema: 'b', metadata: { name: 'x' }, i: 0 },
    { schema: 'a', metadata: { name: 'y' }, i: 1 },
    { schema: 'b', metadata: { name: 'a' }, i: 2 },
    { schema: 'a', metadata: { name: 'y' }, i: 3 },
  ];
  assert.deepEqual(multisort(items, ['schema', 'metadata.name'], 'asc').map((x) => x.i), [1, 3, 2, 0]);
  assert.deepEqual(multisort(items, ['schema'], 'desc').map((x) => x.i), [0, 2, 1, 3]);
  assert.deepEqual(multisort([{ id: 10 }, { id: 9 }, { id: 100 }], ['id'], 'asc').map((x) => x.id), [9, 10, 100]);
});
