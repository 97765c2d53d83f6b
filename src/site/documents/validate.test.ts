import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocuments } from './parse.js';
import { assertValidDocuments, validateDocuments } from './validate.js';
import { InvalidDocumentFormat } from './errors.js';

const DOCS = `---
schema: deckhand/LayeringPolicy/v1
metadata:
  schema: metadata/Control/v1
  name: layering-policy
data:
  layerOrder: [global, site]
---
schema: deckhand/DataSchema/v1
metadata:
  schema: metadata/Control/v1
  name: example/Chart/v1
data:
  $schema: http://json-schema.org/draft-04/schema#
  type: object
  properties:
    port:
      type: integer
  required: [port]
---
schema: example/Chart/v1
metadata:
  schema: metadata/Document/v1
  name: chart
  storagePolicy: cleartext
  layeringDefinition:
    layer: site
data:
  port: "8080"
`;

test('pre-validation accepts well-formed documents and does not apply DataSchemas to them', () => {
  const docs = parseDocuments(DOCS, 'site/docs.yaml');
  assert.deepEqual(validateDocuments(docs, { phase: 'pre' }), []);
});

test('post-validation checks data against the DataSchema, naming document, path and file:line', () => {
  const docs = parseDocuments(DOCS, 'site/docs.yaml');
  const errors = validateDocuments(docs, { phase: 'post' });
  assert.equal(errors.length, 1);
  const [e] = errors;
  assert.equal(e.message, "'8080' is not of type 'integer'");
  assert.deepEqual(e.documents, [{ schema: 'example/Chart/v1', name: 'chart', layer: 'site' }]);
  assert.equal(e.path, 'data.port');
  assert.deepEqual(e.source, { file: 'site/docs.yaml', line: 29 });
  assert.equal(e.name, 'D002');
  assert.throws(() => assertValidDocuments(docs, { phase: 'post' }), (err: unknown) => {
    assert.ok(err instanceof InvalidDocumentFormat);
    assert.equal(err.status, 400);
    assert.match(err.message, /example\/Chart\/v1, site\] chart: '8080' is not of type 'integer' at data\.port \(site\/docs\.yaml:29\)/);
    return true;
  });
});

test('metadata problems are found at upload, each with its path and line', () => {
  const bad = `---
schema: example/Chart/v1
metadata:
  schema: metadata/Document/v1
  name: chart
  storagePolicy: plaintext
  layeringDefinition:
    layer: site
    parentSelector:
      name: parent
  substitutions:
    - src:
        schema: example/Thing/v1
        name: x
      dest:
        path: .a
data: {}
---
schema: Bad Schema
metadata:
  schema: metadata/Document/v1
  name: other
data: {}
`;
  const errors = validateDocuments(parseDocuments(bad, 'b.yaml'), { phase: 'pre' });
  const found = errors.map((e) => [e.documents[0].name, e.path, e.message, e.source?.line]);
  assert.deepEqual(found, [
    ['chart', 'metadata.layeringDefinition', "'actions' is a required property", 7],
    ['chart', 'metadata.substitutions[0].src', "'path' is a required property", 12],
    ['chart', 'metadata.storagePolicy', "'plaintext' is not one of ['encrypted', 'cleartext']", 6],
    ['other', 'schema', "'Bad Schema' does not match '^[A-Za-z]+/[A-Za-z]+/v\\\\d+$'", 19],
  ]);
});

test('control documents are checked against their built-in schemas; duplicates are reported', () => {
  const text = `---
schema: deckhand/LayeringPolicy/v1
metadata: {schema: metadata/Control/v1, name: lp}
data: {layerOrder: [global], extra: 1}
---
schema: deckhand/Passphrase/v1
metadata: {schema: metadata/Document/v1, name: p, storagePolicy: cleartext, layeringDefinition: {layer: global}}
data: secret
---
schema: deckhand/Passphrase/v1
metadata: {schema: metadata/Document/v1, name: p, storagePolicy: cleartext, layeringDefinition: {layer: global}}
data: secret
`;
  const errors = validateDocuments(parseDocuments(text, 'c.yaml'), { phase: 'pre' });
  assert.deepEqual(
    errors.map((e) => [e.documents[0].name, e.message, e.source?.line]),
    [
      ['lp', "Additional properties are not allowed ('extra' was unexpected)", 4],
      ['p', 'Duplicate document exists', 9],
    ],
  );
  const post = validateDocuments(parseDocuments(text.replace('data: secret\n---', 'data: {not: a string}\n---'), 'c.yaml'), { phase: 'post' });
  assert.ok(post.some((e) => e.message === "{'not': 'a string'} is not of type 'string'"));
});

test('abstract documents are not checked against DataSchemas; earlier DataSchemas can be supplied', () => {
  const [, schemaDoc, chart] = parseDocuments(DOCS, 'd.yaml');
  const abstract = { ...chart, metadata: { ...chart.metadata, layeringDefinition: { layer: 'site', abstract: true } } };
  assert.deepEqual(validateDocuments([schemaDoc, abstract], { phase: 'post' }), []);
  assert.equal(validateDocuments([chart], { phase: 'post', dataSchemas: [schemaDoc] }).length, 1);
  assert.equal(validateDocuments([chart], { phase: 'post' }).length, 0);
});
