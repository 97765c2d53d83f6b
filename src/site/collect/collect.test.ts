import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameFile } from './collect.js';
import { parseYamlStream } from '../documents/index.js';

test('each file is framed by --- and ... (a missing final newline no longer glues the marker on)', () => {
  assert.equal(frameFile('a: 1\n'), '---\na: 1\n...\n');
  assert.equal(frameFile('---\na: 1\n...\n'), '---\na: 1\n...\n');
  assert.equal(frameFile('---\na: 1'), '---\na: 1\n...\n');
  // A block scalar ending the file without a newline is 'x'; framed as text it would become 'x\n'.
  assert.deepEqual(parseYamlStream(frameFile('---\na: |\n  x'), 'f')[0].value, { a: 'x' });
  assert.equal(frameFile('a: 1\r\n'), '---\na: 1\n...\n');
  const stream = frameFile('a: 1') + frameFile('---\nb: 2\n---\nc: 3\n');
  assert.deepEqual(parseYamlStream(stream, 's').map((d) => d.value), [{ a: 1 }, { b: 2 }, { c: 3 }]);
});
