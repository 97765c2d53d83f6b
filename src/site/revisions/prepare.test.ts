import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, prepareDocument, sha256Hasher, withDefaults } from './prepare.js';

const hasher = sha256Hasher(Buffer.alloc(32, 3));

test("Deckhand's metadata defaults: storagePolicy, layeringDefinition.abstract, replacement, data", () => {
  const d = withDefaults({ schema: 'deckhand/LayeringPolicy/v1', metadata: { schema: 'metadata/Control/v1', name: 'lp' } } as never);
  assert.deepEqual(d.metadata, { schema: 'metadata/Control/v1', name: 'lp', storagePolicy: 'cleartext', layeringDefinition: { abstract: false }, replacement: false });
  assert.deepEqual(d.data, {});
  const kept = withDefaults({ schema: 's/K/v1', metadata: { name: 'n', storagePolicy: 'encrypted', layeringDefinition: { layer: 'site', abstract: true }, replacement: true }, data: null } as never);
  assert.deepEqual(kept.metadata, { name: 'n', storagePolicy: 'encrypted', layeringDefinition: { layer: 'site', abstract: true }, replacement: true });
  assert.equal(kept.data, null);
});

test('the input is not modified', () => {
  const input = { schema: 's/K/v1', metadata: { name: 'n' }, data: { a: [1] } };
  const before = JSON.stringify(input);
  prepareDocument(input as never, hasher);
  assert.equal(JSON.stringify(input), before);
});

test('identity and hashes: key order does not matter, content does; encrypted data is hashed with the key', () => {
  const a = prepareDocument({ schema: 's/K/v1', metadata: { name: 'n', layeringDefinition: { layer: 'site' } }, data: { x: 1, y: 2 } } as never, hasher);
  const b = prepareDocument({ schema: 's/K/v1', metadata: { layeringDefinition: { layer: 'site' }, name: 'n' }, data: { y: 2, x: 1 } } as never, hasher);
  assert.equal(a.layer, 'site');
  assert.equal(a.dataHash, b.dataHash);
  assert.equal(a.metadataHash, b.metadataHash);
  const e = prepareDocument({ schema: 's/K/v1', metadata: { name: 'n', storagePolicy: 'encrypted' }, data: { y: 2, x: 1 } } as never, hasher);
  assert.equal(e.encrypted, true);
  assert.notEqual(e.dataHash, a.dataHash);
  assert.equal(e.layer, '');
});

test("canonical JSON is Python's json.dumps(sort_keys=True)", () => {
  assert.equal(canonicalJson({ b: [1, 'é'], a: { d: null, c: true } }), '{"a": {"c": true, "d": null}, "b": [1, "\\u00e9"]}');
});
