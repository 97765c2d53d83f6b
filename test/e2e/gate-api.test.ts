// The gate's interfaces: status in Zuul's shape while items run, build
// logs streamed while the build runs (HTTP and `strata gate log --follow`),
// builds as flat objects, roles, and bare repositories as the git root.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, strata } from '../helpers/strata.js';
import { GateFixture, JOBS, PIPELINES, projectConfig } from '../helpers/gate/fixture.js';

const STREAMING = `
- job:
    name: stream
    run: 'n=$\{GATE_CHANGE%%,*}; for i in 1 2 3 4 5 6; do echo "line $i of $GATE_JOB"; if test -f slow-unit-$n; then sleep 0.5; fi; done'
`;

let f: GateFixture;
before(async () => {
  f = await GateFixture.start({
    bare: true,
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS + STREAMING },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ check: ['stream'], gate: ['unit', 'stream'] }) } },
  });
});
after(async () => {
  await f?.stop();
});

test('status (Zuul\'s shape) while an item runs; builds as flat objects; a bare repository branch advances', async () => {
  const base = await f.tip('org/a');
  const c = await f.change('org/a', { 'api.txt': 'x\n' }, 'Seen in the status', { slow: { unit: 12 } });
  await f.approve(c.number);
  await f.waitRunning(c.number);
  const status = await f.status();
  assert.equal(status.tenant, 'example');
  const gate = status.pipelines.find((p: any) => p.name === 'gate');
  assert.equal(gate.manager, 'dependent');
  const [queue] = gate.change_queues;
  assert.equal(queue.name, 'org/a');
  const [[item]] = queue.heads;
  assert.equal(item.id, `${c.number},1`);
  assert.equal(item.project, 'org/a');
  assert.equal(item.live, true);
  assert.equal(item.active, true);
  assert.equal(item.item_ahead, null);
  assert.deepEqual(item.failing_reasons, []);
  assert.deepEqual(item.changes.map((x: any) => x.id), [`${c.number},1`]);
  assert.deepEqual(item.jobs.map((j: any) => j.name).sort(), ['stream', 'unit']);
  const unit = item.jobs.find((j: any) => j.name === 'unit');
  assert.equal(unit.status, 'running');
  assert.match(unit.url, /\/gate\/api\/builds\/[0-9a-f-]+\/log$/);
  const human = await f.cli(['gate', 'status']);
  assert.match(human.stdout, new RegExp(`gate: 1 item\\(s\\)\\n  queue org/a \\(window 20\\)\\n    \\* ${c.number},1 .*unit:running`));
  await f.wait();

  const builds = await f.builds(['--change', String(c.number), '--pipeline', 'gate']);
  for (const b of builds) {
    assert.deepEqual(Object.keys(b).sort(), ['branch', 'buildset', 'change', 'changes', 'duration', 'end_time', 'job', 'launch_time', 'log_url', 'message', 'pipeline', 'project', 'ref', 'result', 'start_time', 'status', 'tenant', 'uuid', 'voting'].sort());
    assert.equal(b.result, 'SUCCESS');
  }
  assert.ok(builds[0].start_time <= builds[1].start_time, 'in start order');
  const metrics = await (await api(f.server, '/metrics')).text();
  assert.match(metrics, /strata_gate_builds_total\{result="SUCCESS"\} \d+/);
  assert.match(metrics, /strata_gate_executor_builds\{state="running"\} 0/);
  // The bare repository's branch advanced to what was tested.
  assert.notEqual(await f.tip('org/a'), base);
  assert.equal(await f.fileAtTip('org/a', 'api.txt'), 'x\n');
});

test('a running build\'s log streams until the build ends, over HTTP and with strata gate log --follow', async () => {
  const c = await f.change('org/a', { 'log.txt': 'x\n' }, 'Streams its log', { slow: { unit: 1 } });
  const running = await f.waitRunning(c.number, 'check');
  assert.equal(running.job, 'stream');
  const t0 = Date.now();
  const [http, cli] = await Promise.all([
    api(f.server, `/gate/api/builds/${running.uuid}/log`).then(async (r) => ({ status: r.status, text: await r.text() })),
    strata(['gate', 'log', running.uuid, '--follow'], { env: f.server.env }),
  ]);
  assert.equal(http.status, 200);
  for (const text of [http.text, cli.stdout]) {
    for (let i = 1; i <= 6; i++) assert.equal(text.split('\n').filter((l) => l === `line ${i} of stream`).length, 1, `line ${i} exactly once in:\n${text}`);
    assert.match(text, /Result: SUCCESS/);
  }
  assert.ok(Date.now() - t0 >= 1000, 'the response followed the build to its end');
  // Once finished, the log is a plain file.
  const done = await api(f.server, `/gate/api/builds/${running.uuid}/log`);
  assert.match(await done.text(), /line 6 of stream/);
  await f.wait();
});

test('roles and projects: a reader of org sees org/a but cannot approve; a member of another project sees nothing of it', async () => {
  const token = (role: string, project: string) => f.cli(['token', 'create', '--role', role, '--project', project]).then((r) => r.stdout.trim());
  const reader = { ...f.server.env, STRATA_TOKEN: await token('reader', 'org') };
  assert.equal((await strata(['change', 'show', '1'], { env: reader })).code, 0);
  const denied = await strata(['change', 'approve', '1'], { env: reader });
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /403 .*member required/);
  const other = { ...f.server.env, STRATA_TOKEN: await token('member', 'elsewhere') };
  const hidden = await strata(['change', 'show', '1'], { env: other });
  assert.match(hidden.stderr, /404 change 1 not found/);
  const builds = JSON.parse((await strata(['--json', 'gate', 'builds'], { env: other })).stdout);
  assert.deepEqual(builds, []);
});
