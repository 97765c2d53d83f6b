// Bad input gets a clear error and enqueues nothing: invalid YAML and
// configuration errors (in `strata gate config check` and in a change),
// unknown jobs, job cycles, nonexistent commits and projects, malformed
// API bodies, an invalid tenant file.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, strata } from '../helpers/strata.js';
import { GateFixture, gateMessages, JOBS, projectConfig } from '../helpers/gate/fixture.js';

let f: GateFixture;
let dir: string;
before(async () => {
  f = await GateFixture.start({ check: false });
  dir = mkdtempSync(path.join(tmpdir(), 'strata-gate-bad-'));
});
after(async () => {
  await f?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('gate config check: invalid YAML, an unknown job and a job cycle, each with file:line; a good file passes', async () => {
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, '- job:\n    name: a\n    run: [unclosed\n');
  const r1 = await strata(['gate', 'config', 'check', bad]);
  assert.equal(r1.code, 1);
  assert.match(r1.stdout, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+`));
  assert.match(r1.stdout, /1 error\(s\)/);

  const refs = path.join(dir, 'refs.yaml');
  writeFileSync(refs, [
    '- job:', '    name: base', '    parent: null', '    run: "true"',
    '- job:', '    name: a', '    dependencies: [b]', '    run: "true"',
    '- job:', '    name: b', '    dependencies: [a]', '    run: "true"',
    '- project:', '    name: check/project', '    check:', '      jobs:', '        - a', '        - b', '        - nonexistent',
    '',
  ].join('\n'));
  const r2 = await strata(['--json', 'gate', 'config', 'check', refs]);
  assert.equal(r2.code, 1);
  const res = JSON.parse(r2.stdout);
  assert.equal(res.ok, false);
  const reasons = res.errors.map((e: any) => `${e.line}: ${e.reason}`).join('\n');
  assert.match(reasons, /cycle/i);
  assert.ok(res.errors.every((e: any) => typeof e.line === 'number'), reasons);
  // Without a tenant the unknown job may come from another project: a warning; --strict makes it an error.
  assert.deepEqual(res.warnings.filter((w: any) => /nonexistent/.test(w.reason)).map((w: any) => [w.code, w.line]), [['unresolved-job', 19]]);
  const strict = JSON.parse((await strata(['--json', 'gate', 'config', 'check', '--strict', refs])).stdout);
  assert.ok(strict.errors.some((e: any) => e.code === 'job-not-found' && /nonexistent/.test(e.reason)), JSON.stringify(strict.errors));

  const good = path.join(dir, 'good.yaml');
  writeFileSync(good, JOBS);
  const r3 = await strata(['gate', 'config', 'check', good]);
  assert.equal(r3.code, 0, r3.stdout + r3.stderr);
  assert.match(r3.stdout, /0 error\(s\)/);

  // The same over HTTP.
  const http = await api(f.server, '/gate/api/config/check', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: '- job:\n    name: x\n    parent: nope\n    run: "true"\n' });
  assert.equal(http.status, 200);
  const body: any = await http.json();
  assert.equal(body.ok, false);
  assert.match(body.errors[0].message, /request body:\d+/);
  assert.match(body.errors[0].reason, /nope/);
});

test('a change whose configuration has a job cycle is reported with the cycle, and runs nothing', async () => {
  const cyclic = [
    '- job:', '    name: ping', '    dependencies: [pong]', '    run: "true"',
    '- job:', '    name: pong', '    dependencies: [ping]', '    run: "true"',
    projectConfig({ gate: ['unit', 'ping', 'pong'] }, '    queue: integrated\n'),
  ].join('\n');
  const c = await f.change('org/a', { '.zuul.yaml': cyclic }, 'Job cycle');
  await f.approve(c.number);
  await f.wait();
  const shown = await f.show(c.number);
  assert.equal(shown.status, 'NEW');
  const msg = gateMessages(shown).at(-1)!;
  assert.match(msg, /configuration error|cannot be frozen/);
  assert.match(msg, /cycle/i);
  assert.match(msg, /org\/a\/\.zuul\.yaml@main:\d+/);
  assert.deepEqual(await f.builds(['--change', String(c.number)]), []);
});

test('nonexistent commits, projects and branches are refused with a clear error; nothing is created', async () => {
  const before = (await f.get<any[]>('/gate/api/changes')).length;
  const r1 = await f.cli(['change', 'create', '--project', 'org/a', '--commit', 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef'], { allowFail: true });
  assert.equal(r1.code, 1);
  assert.equal(r1.stderr, 'strata: POST /gate/api/changes: 400 commit deadbeefdeadbeefdeadbeefdeadbeefdeadbeef does not exist in project org/a\n');
  const r2 = await f.cli(['change', 'create', '--project', 'org/zzz', '--commit', 'HEAD'], { allowFail: true });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /400 project org\/zzz has no repository under the gate's git root/);
  const commit = await f.repos.commit('org/a', { 'x': 'x' }, 'On a branch that is not there');
  const r3 = await f.cli(['change', 'create', '--project', 'org/a', '--branch', 'stable', '--commit', commit], { allowFail: true });
  assert.match(r3.stderr, /400 branch stable does not exist in project org\/a/);
  const r4 = await f.cli(['change', 'review', '1', '--code-review', '7'], { allowFail: true });
  assert.equal(r4.code, 1);
  assert.match(r4.stderr, /a vote is an integer from -2 to 2/);
  const r5 = await f.cli(['change', 'show', '999'], { allowFail: true });
  assert.match(r5.stderr, /404 change 999 not found/);
  assert.equal((await f.get<any[]>('/gate/api/changes')).length, before);
});

test('malformed API bodies answer 4xx in the API\'s error format, never 500', async () => {
  const post = (p: string, body: unknown, type = 'application/json') =>
    api(f.server, p, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const cases: Array<[Response, number]> = [
    [await post('/gate/api/changes', { project: 'org/a' }), 400],
    [await post('/gate/api/changes', { project: 'org/a', commit: 'HEAD' }), 409],
    [await post('/gate/api/changes', { project: 'org/a', commit: '--upload-pack=x' }), 400],
    [await post('/gate/api/changes', { project: ['org/a'], commit: 'x' }), 400],
    [await post('/gate/api/changes', '{not json'), 400],
    [await post('/gate/api/changes/1/review', { labels: { 'Code-Review': 9 } }), 400],
    [await post('/gate/api/changes/1/review', { labels: { 'bad label': 1 } }), 400],
    [await post('/gate/api/changes/abc/review', { message: 'x' }), 400],
    [await post('/gate/api/changes/424242/review', { message: 'x' }), 404],
    [await post('/gate/api/config/check', ''), 400],
    [await api(f.server, '/gate/api/builds/not-a-build/log'), 404],
    [await api(f.server, '/gate/api/builds?change=x'), 400],
    [await api(f.server, '/gate/api/wait?timeout=-1'), 400],
    [await api(f.server, '/gate/api/status?tenant=nope'), 404],
  ];
  for (const [res, status] of cases) {
    const body: any = await res.json();
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(typeof body.error.message, 'string');
  }
  const noToken = await fetch(`${f.server.url}/gate/api/status`);
  assert.equal(noToken.status, 401);
});

test('an invalid tenant file stops the server with the file and line', async () => {
  const tenant = path.join(dir, 'main.yaml');
  writeFileSync(tenant, '- tenant:\n    name: x\n    source:\n      local:\n        config-projects: nope\n    bogus: 1\n');
  const r = await strata(['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data'), '--gate-tenant-config', tenant, '--gate-git-root', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`invalid tenant configuration: .*main\\.yaml:\\d+`));
});
