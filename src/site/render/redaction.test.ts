import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Document } from '../documents/index.js';
import { redactDocument, redactValue } from './redaction.js';

test("values hash as Deckhand hashes them: sha256 of Python's json.dumps", () => {
  assert.equal(redactValue('.'), '7299b59de0b5dad3b622afc3bdf57544e505249c77a6d4254bd14b1fc9a4ade8');
});

test('an encrypted document shows only hashes of its data and substitution paths; others are unchanged', () => {
  const doc = {
    schema: 'ex/Chart/v1',
    metadata: {
      schema: 'metadata/Document/v1',
      name: 'c',
      storagePolicy: 'encrypted',
      layeringDefinition: { layer: 'site' },
      substitutions: [
        { src: { schema: 'deckhand/Passphrase/v1', name: 'p', path: '.' }, dest: [{ path: '.a' }, { path: '.b', pattern: 'X' }] },
        { src: { schema: 'ex/S/v1', name: 's', path: '.x' }, dest: { path: '.c' } },
      ],
    },
    data: { a: 'secret' },
  } as Document;
  const red = redactDocument(doc);
  assert.equal(red.data, redactValue({ a: 'secret' }));
  assert.deepEqual(red.metadata.substitutions, [
    { src: { schema: 'deckhand/Passphrase/v1', name: 'p', path: redactValue('.') }, dest: [{ path: redactValue('.a') }, { path: redactValue('.b'), pattern: 'X' }] },
    { src: { schema: 'ex/S/v1', name: 's', path: redactValue('.x') }, dest: { path: redactValue('.c') } },
  ]);
  assert.deepEqual(doc.data, { a: 'secret' }, 'input untouched');
  const clear = { ...doc, metadata: { ...doc.metadata, storagePolicy: 'cleartext' } } as Document;
  assert.equal(redactDocument(clear), clear);
});
