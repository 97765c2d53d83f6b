// Zuul's REST API at /api as zuul-client and Zuul's web UI use it: the
// status of a queue of three items checked against what the web UI reads
// (test/helpers/gate/zuul-web-shape.ts, written from Zuul's web/src), the
// read endpoints, and the admin actions through HTTP and the CLI: promote
// reorders the gate queue (and the merge order), enqueue skips the
// pipeline's requirements, dequeue cancels; only tenant admins (a Strata
// admin, or a token matching the tenant's admin-rules) may act.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { api } from '../helpers/strata.js';
import { readFrames } from '../../src/gate/api/console-stream.js';
import { checkZuulStatus } from '../helpers/gate/zuul-web-shape.js';
import { GateFixture } from '../helpers/gate/fixture.js';

let f: GateFixture;
before(async () => {
  f = await GateFixture.start({
    check: false,
    tenantPrefix: '- authorization-rule:\n    name: members-of-p1\n    conditions:\n      - project: p1\n        role: member\n',
    tenantLines: ['    admin-rules:', '      - members-of-p1'],
  });
});
after(async () => {
  await f?.stop();
});

async function token(role: string, project: string): Promise<string> {
  const r = await api(f.server, '/auth/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `${role}-${project}`, role, project }) });
  assert.equal(r.status, 201, await r.clone().text());
  return ((await r.json()) as { token: string }).token;
}

const post = (path: string, body: unknown, tok?: string) => fetch(`${f.server.url}${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tok ?? f.server.token}` }, body: JSON.stringify(body),
});

test('a queue of three: the status validates against what Zuul\'s web UI reads; promote reorders it and the merge order', async () => {
  const changes: Array<{ number: number }> = [];
  for (const n of [1, 2, 3]) changes.push(await f.change('org/a', { [`f${n}`]: `${n}\n` }, `Change ${n}`, { slow: { unit: 4 } }));
  for (const c of changes) await f.approve(c.number);
  await f.waitRunning(changes[2]!.number);
  const status = await (await api(f.server, '/api/tenant/example/status')).json() as any;
  assert.deepEqual(checkZuulStatus(status), []);
  const gate = status.pipelines.find((p: any) => p.name === 'gate');
  const queue = gate.change_queues.find((q: any) => q.heads.length);
  assert.deepEqual(queue.heads[0].map((i: any) => i.id), changes.map((c) => `${c.number},1`));
  assert.deepEqual(queue.heads[0][0].items_behind, [`${changes[1]!.number},1`]);
  assert.equal(queue.heads[0][2].item_ahead, `${changes[1]!.number},1`);
  // The checker is not a rubber stamp.
  const broken = structuredClone(status);
  delete broken.pipelines[0].change_queues[0]?.heads?.[0]?.[0]?.jobs;
  broken.pipelines[1].trigger_events = 'x';
  assert.ok(checkZuulStatus(broken).length >= 1);

  const byChange = await (await api(f.server, `/api/tenant/example/status/change/${changes[1]!.number},1`)).json() as any[];
  assert.deepEqual(byChange.map((i) => i.id), [`${changes[1]!.number},1`]);

  // A member of another project may not promote; the CLI (as a Strata admin) may.
  const outsider = await token('member', 'p2');
  assert.equal((await post('/api/tenant/example/promote', { pipeline: 'gate', changes: [`${changes[2]!.number},1`] }, outsider)).status, 403);
  assert.equal((await post('/api/tenant/example/promote', { pipeline: 'gate', changes: ['99,1'] })).status, 400);
  assert.equal((await post('/api/tenant/example/promote', { pipeline: 'gate', changes: ['nope'] })).status, 400);
  await f.cli(['gate', 'promote', '--pipeline', 'gate', '--changes', `${changes[2]!.number},1`]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await (await api(f.server, '/api/tenant/example/status')).json() as any;
    const q = s.pipelines.find((p: any) => p.name === 'gate').change_queues.find((x: any) => x.heads.length);
    if (q?.heads[0][0].id === `${changes[2]!.number},1`) {
      assert.deepEqual(q.heads[0].map((i: any) => i.id), [2, 0, 1].map((k) => `${changes[k]!.number},1`));
      assert.deepEqual(checkZuulStatus(s), []);
      break;
    }
    assert.ok(Date.now() < deadline, 'the queue was reordered');
    await new Promise((r) => setTimeout(r, 100));
  }
  await f.wait(300);
  // First-parent history, newest first: each change lands as its merge (or fast-forward) commit.
  const landed = (await f.gitIn('org/a', ['log', '--first-parent', '--format=%s', 'main'])).split('\n').filter((l) => /Change \d/.test(l));
  assert.deepEqual(landed, ['Merge "Change 2"', 'Merge "Change 1"', 'Change 3'], 'merged in the promoted order');
  const aborted = (await f.builds(['--change', String(changes[0]!.number)])).filter((b: any) => b.result === 'ABORTED');
  assert.ok(aborted.length >= 1, 'the builds running before the promote were cancelled');
});

test('enqueue skips the requirements (an unapproved change merges); dequeue removes one; both by admin-rule and CLI', async () => {
  const c = await f.change('org/a', { g: 'g\n' }, 'Enqueued by hand');
  // A member of p1 matches the tenant's admin-rule.
  const admin = await token('member', 'p1');
  const r = await post('/api/tenant/example/project/org/a/enqueue', { pipeline: 'gate', change: `${c.number},1` }, admin);
  assert.equal(r.status, 200, await r.text());
  await f.wait(120);
  assert.equal((await f.show(c.number)).status, 'MERGED');

  const d = await f.change('org/a', { h: 'h\n' }, 'To dequeue', { slow: { unit: 30 } });
  await f.approve(d.number);
  await f.waitRunning(d.number);
  await f.cli(['gate', 'dequeue', '--pipeline', 'gate', '--project', 'org/a', '--change', `${d.number},1`]);
  await f.wait(120);
  const shown = await f.show(d.number);
  assert.equal(shown.status, 'NEW');
  assert.ok((await f.builds(['--change', String(d.number)])).every((b: any) => b.result === 'ABORTED'));

  // Bad input: what and where.
  const bad = await post('/api/tenant/example/project/org/a/enqueue', { pipeline: 'gate', change: '1,1', bogus: true });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /enqueue.*additional|bogus/);
  assert.equal((await post('/api/tenant/example/project/org/a/enqueue', { pipeline: 'nope', change: `${c.number},1` })).status, 404);
  assert.equal((await post('/api/tenant/example/project/org/zzz/enqueue', { pipeline: 'gate', change: `${c.number},1` })).status, 404);
  const reader = await token('reader', 'p1');
  assert.equal((await post('/api/tenant/example/project/org/a/dequeue', { pipeline: 'gate', change: `${c.number},1` }, reader)).status, 403);
});

test('read endpoints: tenants, builds, build, buildsets, jobs, job, projects, project, pipelines, config-errors', async () => {
  const get = async (p: string) => {
    const r = await api(f.server, p);
    assert.equal(r.status, 200, `${p}: ${r.status}`);
    return r.json() as Promise<any>;
  };
  assert.deepEqual((await get('/api/tenants')).map((t: any) => t.name), ['example']);
  const builds = await get('/api/tenant/example/builds?pipeline=gate&result=SUCCESS&limit=2');
  assert.equal(builds.length, 2);
  for (const b of builds) {
    assert.equal(b.result, 'SUCCESS');
    assert.match(b.start_time, /^\d{4}-\d\d-\d\dT/);
    assert.equal(typeof b.duration, 'number');
    assert.equal(b.ref.project, 'org/a');
    assert.equal(typeof b.buildset.uuid, 'string');
  }
  assert.equal((await get(`/api/tenant/example/build/${builds[0].uuid}`)).uuid, builds[0].uuid);
  assert.equal((await api(f.server, '/api/tenant/example/build/nope')).status, 404);
  const sets = await get('/api/tenant/example/buildsets?pipeline=gate');
  assert.ok(sets.some((s: any) => s.result === 'SUCCESS'));
  const one = await get(`/api/tenant/example/buildset/${encodeURIComponent(builds[0].buildset.uuid)}`);
  assert.ok(one.builds.some((b: any) => b.uuid === builds[0].uuid));
  const jobs = await get('/api/tenant/example/jobs');
  assert.ok(jobs.some((j: any) => j.name === 'unit'));
  const unit = await get('/api/tenant/example/job/unit');
  assert.equal(unit[0].source_context.project, 'org/config');
  assert.deepEqual((await get('/api/tenant/example/projects')).map((p: any) => [p.name, p.type]), [['org/config', 'config'], ['org/a', 'untrusted'], ['org/b', 'untrusted']]);
  const project = await get('/api/tenant/example/project/org/a');
  assert.deepEqual(project.configs.map((c: any) => [c.pipeline, c.jobs]), [['gate', ['unit']]]);
  assert.deepEqual((await get('/api/tenant/example/pipelines')).map((p: any) => p.name), ['check', 'gate', 'post']);
  assert.deepEqual(await get('/api/tenant/example/config-errors'), []);
  assert.equal((await fetch(`${f.server.url}/api/tenants`)).status, 401, 'a token is needed');
});

/** A minimal WebSocket client (Node 20 has none built in): masked text frames out, frames in until close. */
function consoleStream(uuid: string, tok = f.server.token): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL('/api/tenant/example/console-stream', f.server.url);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: {
      connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), authorization: `Bearer ${tok}`,
    } });
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0, text: '' }));
    req.on('error', reject);
    req.on('upgrade', (res, socket) => {
      const body = Buffer.from(JSON.stringify({ uuid, logfile: 'console.log' }));
      const mask = randomBytes(4);
      socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | body.length]), mask, Buffer.from(body.map((b, i) => b ^ mask[i % 4]!))]));
      let buf: Buffer = Buffer.alloc(0);
      let text = '';
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const { frames, rest } = readFrames(buf);
        buf = rest;
        for (const fr of frames) {
          if (fr.opcode === 1) text += fr.payload.toString();
          if (fr.opcode === 8) {
            socket.destroy();
            resolve({ status: res.statusCode ?? 0, text: text + (fr.payload.length > 2 ? `[close: ${fr.payload.subarray(2)}]` : '') });
          }
        }
      });
    });
    req.end();
  });
}

test('console-stream: a running build\'s console over a WebSocket, live until it ends; a token is needed', async () => {
  const c = await f.change('org/a', { w: 'w\n' }, 'Streamed', { slow: { unit: 2 } });
  await f.approve(c.number);
  const running = await f.waitRunning(c.number);
  const streamed = await consoleStream(running.uuid);
  assert.equal(streamed.status, 101);
  assert.match(streamed.text, /unit of \d+,1 on/);
  assert.match(streamed.text, /Result: SUCCESS\n$/);
  const gone = await consoleStream('nope');
  assert.match(gone.text, /\[close: build nope not found\]/);
  assert.equal((await consoleStream(running.uuid, 'not-a-token')).status, 401);
  await f.wait(120);
});
