/** The runner against a small scripted HTTP server (a fake peer: this tests the runner, not Deckhand). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GabbiSession, encodeQuery, pythonEquals, runSuite } from './runner.js';
import { parseGabbi } from './suite.js';

let server: Server;
let base = '';
const seen: { method: string; url: string; body: string; headers: IncomingMessage['headers'] }[] = [];
let pollHits = 0;
const dir = mkdtempSync(join(tmpdir(), 'gabbi-runner-'));

before(async () => {
  mkdirSync(join(dir, 'resources'));
  writeFileSync(join(dir, 'resources', 'body.yaml'), "---\nname: from-file $RESPONSE['$.[0].id']\n");
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, headers: req.headers });
      const path = req.url!.split('?')[0];
      if (path === '/p/yaml') {
        res.writeHead(200, { 'content-type': 'application/x-yaml', 'x-thing': 'abc-123' });
        res.end('id: 7\nlist:\n- a\n- b\n---\nid: 8\n');
      } else if (path === '/p/json') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ n: 1, flag: true, items: [{ k: 'x' }] }));
      } else if (path.startsWith('/p/echo')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${req.method} ${req.url} ${body}`);
      } else if (path === '/p/poll') {
        pollHits++;
        res.writeHead(pollHits >= 3 ? 200 : 503, { 'content-type': 'text/plain' });
        res.end('x');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const suite = (yaml: string) => parseGabbi(yaml, join(dir, 'sub', 'suite.yaml'));

test('status, headers (exact and /regex/), multi-document JSONPaths and $RESPONSE from the previous test', async () => {
  const s = suite(`tests:
  - name: a
    GET: /yaml
    status: 200 || 204
    response_headers:
      content-type: application/x-yaml
      x-thing: /^abc-\\d+$/
    response_multidoc_jsonpaths:
      $.\`len\`: 2
      $.[0].list: [a, b]
      $.[1].id: 8
  - name: b
    POST: /echo/$RESPONSE['$.[0].id']
    data: <@resources/body.yaml
    response_strings:
      - POST /p/echo/7
      - "name: from-file 7"
`);
  const results = await runSuite(s, { baseUrl: base, prefix: '/p', dataDir: () => dir });
  assert.deepEqual(results.map((r) => r.outcome), ['pass', 'pass'], JSON.stringify(results.map((r) => r.assertions.filter((a) => !a.ok))));
  assert.deepEqual(results[0].assertions.map((a) => a.what), ['status', 'header content-type', 'header x-thing', '$.`len`', '$.[0].list', '$.[1].id']);
});

test('every failing assertion is reported with expected and actual values', async () => {
  const s = suite(`tests:
  - name: a
    GET: /json
    response_headers:
      x-missing: y
    response_json_paths:
      $.n: 2
      $.items[0].k: x
      $.nope: 1
`);
  const [r] = await runSuite(s, { baseUrl: base, prefix: '/p' });
  assert.equal(r.outcome, 'fail');
  const failed = r.assertions.filter((a) => !a.ok);
  assert.deepEqual(failed.map((a) => a.what), ['status', 'header x-missing', '$.n', '$.nope']);
  assert.equal(failed[0].actual, 201);
  assert.match(failed[3].message!, /failed to match/);
});

test('xfail passes when the test fails and fails when it passes; skip sends nothing', async () => {
  const s = suite(`tests:
  - name: expected-failure
    GET: /yaml
    status: 500
    xfail: true
  - name: unexpected-success
    GET: /yaml
    xfail: true
  - name: skipped
    GET: /yaml
    skip: not here
`);
  const before = seen.length;
  const results = await runSuite(s, { baseUrl: base, prefix: '/p' });
  assert.deepEqual(results.map((r) => r.outcome), ['xfail', 'fail', 'skip']);
  assert.match(results[1].error!, /unexpected success/);
  assert.equal(seen.length - before, 2);
});

test('poll repeats until the assertions pass', async () => {
  pollHits = 0;
  const s = suite(`tests:
  - name: p
    GET: /poll
    poll:
      count: 5
      delay: 0.01
`);
  const [r] = await runSuite(s, { baseUrl: base, prefix: '/p' });
  assert.equal(r.outcome, 'pass', JSON.stringify(r));
  assert.equal(pollHits, 3);
});

test('query parameters are encoded as Python urlencode(doseq=True) does', async () => {
  assert.equal(encodeQuery({ 'metadata.label': ['a=b', 'c=d'], abstract: true, limit: 2, q: 'x y/z' }), 'metadata.label=a%3Db&metadata.label=c%3Dd&abstract=True&limit=2&q=x+y%2Fz');
  const s = suite(`tests:
  - name: q
    GET: /echo?x=1
    query_parameters:
      abstract: true
`);
  const session = new GabbiSession(s, { baseUrl: base, prefix: '/p' });
  const r = await session.run(s.tests[0]);
  assert.equal(r.outcome, 'pass');
  assert.equal(seen.at(-1)!.url, '/p/echo?x=1&abstract=True');
});

test('a data file outside the data directory is refused', async () => {
  const s = suite(`tests:
  - name: t
    POST: /echo
    data: <@../../etc/passwd
`);
  const [r] = await runSuite(s, { baseUrl: base, prefix: '/p', dataDir: () => dir });
  assert.equal(r.outcome, 'fail');
  assert.match(r.error!, /outside/);
});

test('values compare as Python == does', () => {
  assert.ok(pythonEquals(1, 1.0));
  assert.ok(pythonEquals(true, 1));
  assert.ok(pythonEquals({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }));
  assert.ok(!pythonEquals({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!pythonEquals('1', 1));
  assert.ok(!pythonEquals([1], { 0: 1 }));
});
