import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocuments } from './parse.js';
import { formatPath, inheritSource, locate, sourceOf } from './source.js';
import { InvalidDocumentFormat } from './errors.js';

const TEXT = `# a comment
---
schema: a/B/v1
metadata:
  name: one
  substitutions:
    - src: {schema: c/D/v1, name: x, path: .a}
      dest:
        path: .b
    # between
    - src:
        schema: c/D/v1
      dest: {path: .c}
data:
  list:
    - first
    -
      second: 2
  flow: {k: v, "odd.key": 1}
...
---
schema: a/B/v1
metadata: {name: two}
data: null
`;

test('every parsed document knows its file and first line', () => {
  const docs = parseDocuments(TEXT, 'site/x.yaml');
  assert.deepEqual(docs.map(sourceOf), [
    { file: 'site/x.yaml', line: 2 },
    { file: 'site/x.yaml', line: 21 },
  ]);
});

test('locate finds the line of a path inside a document, or the deepest part of it that exists', () => {
  const [doc] = parseDocuments(TEXT, 'x.yaml');
  const line = (p: (string | number)[]) => locate(doc, p)?.line;
  assert.equal(line(['metadata', 'substitutions', 0, 'src']), 7);
  assert.equal(line(['metadata', 'substitutions', 0, 'dest', 'path']), 9);
  assert.equal(line(['metadata', 'substitutions', 1]), 11);
  assert.equal(line(['metadata', 'substitutions', 1, 'src', 'schema']), 12);
  assert.equal(line(['data', 'list', 1, 'second']), 18);
  assert.equal(line(['data', 'flow', 'odd.key']), 19);
  assert.equal(line(['data', 'missing', 'deeper']), 14);
  assert.equal(line([]), 2);
});

test('a rendered copy can inherit its raw document\'s origin', () => {
  const [doc] = parseDocuments(TEXT, 'x.yaml');
  const copy = { ...doc };
  assert.equal(sourceOf(copy), undefined);
  inheritSource(copy, doc);
  assert.deepEqual(sourceOf(copy), { file: 'x.yaml', line: 2 });
  assert.equal(locate(copy, ['data', 'list'])?.line, 15);
});

test('a document that is not a mapping is rejected with its file and line', () => {
  assert.throws(() => parseDocuments('---\na: 1\n---\n- just\n- a list\n', 'l.yaml'), (err: unknown) => {
    assert.ok(err instanceof InvalidDocumentFormat);
    assert.match(err.message, /document 2 of l\.yaml is a list/);
    assert.deepEqual(err.source, { file: 'l.yaml', line: 3 });
    return true;
  });
});

test('paths print with odd keys quoted', () => {
  assert.equal(formatPath(['data', 'a.b', 0, 'c-d', '$x']), 'data["a.b"][0].c-d.$x');
});
