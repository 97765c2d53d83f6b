import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { pythonEquals, pythonJsonDumps, pythonRegex, pythonRepr, pythonStr, pythonTruthy } from './python.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test("json.dumps matches Python's bytes (the hashes are Python's own)", () => {
  // Values and digests computed with CPython's json.dumps + hashlib.sha256.
  const cases: [unknown, string, string][] = [
    ['.', '"."', '7299b59de0b5dad3b622afc3bdf57544e505249c77a6d4254bd14b1fc9a4ade8'],
    [
      '.values.endpoints.etcd.auth.client.tls.ca',
      '".values.endpoints.etcd.auth.client.tls.ca"',
      '7fbc82a13475232600974ca654c7852d72050441dd9170a7c3ce3e661c528dfe',
    ],
    [{ a: [1, 2.5, null, true, 'é\n'] }, '{"a": [1, 2.5, null, true, "\\u00e9\\n"]}', 'ec49f613f5693d943da211d60cde210375ef75ea1ae391dbba3c62dbf1644478'],
    [0.1, '0.1', '14be4b45f18e0d8c67b4f719b5144eee88497e413709d11d85b096d8e2346310'],
    [1e-5, '1e-05', '5a9530d3c6d5faad6ba8afe16fb8e438df23865128370b2ec14ef622bb5f2ec9'],
    [123456.789, '123456.789', 'df16e278bec8bd79b90a36552e05a4179549b0870da68fbe2580a8a920597ef4'],
  ];
  for (const [value, text, digest] of cases) {
    assert.equal(pythonJsonDumps(value), text);
    assert.equal(sha(pythonJsonDumps(value)), digest);
  }
  assert.equal(pythonJsonDumps('\u{1F600}\t"\\'), '"\\ud83d\\ude00\\t\\"\\\\"');
});

test('repr and str as Python spells them', () => {
  assert.equal(pythonRepr("it's"), '"it\'s"');
  assert.equal(pythonRepr('a"b'), '\'a"b\'');
  assert.equal(pythonRepr({ a: [1, null, true] }), "{'a': [1, None, True]}");
  assert.equal(pythonRepr(1.5e-7), '1.5e-07');
  assert.equal(pythonRepr(34.8), '34.8');
  assert.equal(pythonStr('x'), 'x');
  assert.equal(pythonStr(8080), '8080');
  assert.equal(pythonStr(null), 'None');
  assert.equal(pythonStr(false), 'False');
});

test('truthiness and equality follow Python', () => {
  for (const v of [null, false, 0, '', [], {}]) assert.equal(pythonTruthy(v), false, JSON.stringify(v));
  for (const v of [true, 1, 'a', [0], { a: null }]) assert.equal(pythonTruthy(v), true, JSON.stringify(v));
  assert.ok(pythonEquals(true, 1));
  assert.ok(pythonEquals({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
  assert.ok(!pythonEquals({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!pythonEquals('1', 1));
});

test('Python regular expressions: named groups translate', () => {
  const re = pythonRegex('(?P<host>[a-z]+):(?P=host)')!;
  assert.ok(re.test('abc:abc'));
  assert.ok(!re.test('abc:abd'));
  assert.equal(pythonRegex('(unclosed'), null);
});
