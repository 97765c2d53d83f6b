import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GabbiFormatError, parseGabbi } from './suite.js';

test('defaults merge into every test; method shorthand; status and xfail/skip kept', () => {
  const s = parseGabbi(
    `defaults:
  request_headers:
    content-type: application/x-yaml
  verbose: true
tests:
  - name: first
    desc: d
    DELETE: /api/v1.0/revisions
    status: 204
    response_headers: {}
  - name: second
    url: /x
    method: post
    status: "200 || 201"
    request_headers:
      x-extra: 1
    query_parameters:
      sort: [a, b]
    data: <@resources/f.yaml
    xfail: true
  - name: third
    GET: /y
    skip: not today
    poll:
      count: 3
      delay: .1
    response_multidoc_jsonpaths:
      $.\`len\`: 1
`,
    'f.yaml',
  );
  assert.equal(s.tests.length, 3);
  const [a, b, c] = s.tests;
  assert.equal(a.method, 'DELETE');
  assert.equal(a.url, '/api/v1.0/revisions');
  assert.equal(a.status, '204');
  assert.deepEqual(a.requestHeaders, { 'content-type': 'application/x-yaml' });
  assert.equal(b.method, 'POST');
  assert.equal(b.status, '200 || 201');
  assert.deepEqual(b.requestHeaders, { 'content-type': 'application/x-yaml', 'x-extra': 1 });
  assert.deepEqual(b.queryParameters, { sort: ['a', 'b'] });
  assert.equal(b.data, '<@resources/f.yaml');
  assert.equal(b.xfail, true);
  assert.equal(c.skip, 'not today');
  assert.deepEqual(c.poll, { count: 3, delay: 0.1 });
  assert.deepEqual(c.handlers.response_multidoc_jsonpaths, { '$.`len`': 1 });
  assert.equal(a.status, '204');
});

test('a duplicated key in a test takes its last value, as PyYAML reads it', () => {
  const s = parseGabbi('tests:\n  - name: t\n    GET: /a\n    query_parameters:\n      sort: x\n    query_parameters:\n      schema: y\n', 'f');
  assert.deepEqual(s.tests[0].queryParameters, { schema: 'y' });
});

test('YAML 1.1 scalars in test values read as PyYAML reads them', () => {
  const s = parseGabbi('tests:\n  - name: t\n    GET: /a\n    query_parameters:\n      abstract: True\n      v: 0644\n', 'f');
  assert.deepEqual(s.tests[0].queryParameters, { abstract: true, v: 420 });
});

test('format errors name the file and the test', () => {
  assert.throws(() => parseGabbi('tests:\n  - GET: /a\n', 'f.yaml'), /f\.yaml: test 1 .*needs a name/);
  assert.throws(() => parseGabbi('tests:\n  - name: a\n    GET: /a\n    POST: /b\n', 'f.yaml'), /more than one method/);
  assert.throws(() => parseGabbi('tests:\n  - name: a\n    GET: /a\n    respone_headers: {}\n', 'f.yaml'), /unknown key respone_headers/);
  assert.throws(() => parseGabbi('tests:\n  - name: a\n    desc: no url\n', 'f.yaml'), /no url/);
  assert.throws(() => parseGabbi('tests:\n  - name: a\n    GET: /a\n  - name: a\n    GET: /b\n', 'f.yaml'), /duplicate test name/);
  assert.throws(() => parseGabbi('fixtures: [X]\ntests: []\n', 'f.yaml'), GabbiFormatError);
});
