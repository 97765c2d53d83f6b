import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlStream } from './yaml.js';
import { InvalidYamlError } from './errors.js';

test('a block scalar running to the end of a file without a final newline keeps no line break (PyYAML)', () => {
  assert.deepEqual(parseYamlStream('a: |\n  foo', 't')[0].value, { a: 'foo' });
  assert.deepEqual(parseYamlStream('a: |+\n  foo', 't')[0].value, { a: 'foo' });
  assert.deepEqual(parseYamlStream('a: |\n  foo\n', 't')[0].value, { a: 'foo\n' });
  assert.deepEqual(parseYamlStream('a: |\n  foo\n  ', 't')[0].value, { a: 'foo\n' });
  assert.deepEqual(parseYamlStream('a: |-\n  foo', 't')[0].value, { a: 'foo' });
  assert.deepEqual(parseYamlStream('a: >\n  foo\n  bar', 't')[0].value, { a: 'foo bar' });
  assert.deepEqual(parseYamlStream('a: |\n  foo\n# end', 't')[0].value, { a: 'foo\n' });
  assert.deepEqual(parseYamlStream('a: "x"', 't')[0].value, { a: 'x' });
  assert.deepEqual(parseYamlStream('- |\n  a "quoted" line', 't')[0].value, ['a "quoted" line']);
});

test('each document knows the line it starts on', () => {
  const text = '# header\n---\na: 1\n---\n\nb: 2\n...\n---\n---\nc: 3\n';
  const docs = parseYamlStream(text, 't');
  assert.deepEqual(
    docs.map((d) => [d.value, d.line]),
    [
      [{ a: 1 }, 2],
      [{ b: 2 }, 4],
      [null, 8],
      [{ c: 3 }, 9],
    ],
  );
  const implicit = parseYamlStream('# c\n\na: 1\n', 't');
  assert.deepEqual(implicit.map((d) => d.line), [3]);
  const eof = parseYamlStream('---\na: 1\n---\nb: |\n  x', 't');
  assert.deepEqual(eof.map((d) => [d.value, d.line]), [
    [{ a: 1 }, 2],
    [{ b: 'x' }, 4],
  ]);
});

test('invalid YAML names file:line:column', () => {
  assert.throws(
    () => parseYamlStream('a: 1\nb: [1, 2\nc: 3\n', 'site/x.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof InvalidYamlError);
      assert.equal(err.status, 400);
      assert.equal(err.source?.file, 'site/x.yaml');
      assert.ok(err.source!.line >= 2, String(err.source?.line));
      assert.match(err.message, /site\/x\.yaml:\d+:\d+/);
      return true;
    },
  );
});

test('CRLF line breaks read as LF, as PyYAML reads them', () => {
  assert.deepEqual(parseYamlStream('a: |\r\n  foo\r\n  bar\r\n', 't')[0].value, { a: 'foo\nbar\n' });
});
